"""The caseworker's question: which services fit this client, and why.

Semantics (DESIGN, "Semantics the answers rely on"): a need finds services of that type or a
narrower one; a status finds services open to all plus those restricted to that status or a
broader one; a region finds services whose area is the region, inside it, or contains it.
Eligibility has three states, never confused: open to all, restricted, not stated.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from passerelle.graph import queries
from passerelle.graph.bind import values
from passerelle.graph.store import Store
from passerelle.graph.vocab import resolve

PAS = "https://w3id.org/passerelle/ontology#"
SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class SearchParams:
    need: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    q: str | None = None
    open_to_all: bool = False
    include_unknown: bool = False
    lang: str = "en"
    limit: int = 20
    offset: int = 0
    explain: bool = False


@dataclass
class Match:
    """Why one service matched: filled from the rows of the search query."""

    types: set[tuple[str, str]] = field(default_factory=set)
    areas: set[tuple[str, str, str]] = field(default_factory=set)
    statuses: set[tuple[str, str]] = field(default_factory=set)
    open: bool = False
    restricted: bool = False


@dataclass
class SearchResult:
    total: int
    items: list[dict]
    query: str


@dataclass(frozen=True)
class Bound:
    """The parameters as bound terms, and which parts of ``search-services.rq`` they enable."""

    bindings: dict[str, list]
    enabled: frozenset[str]

    def query(self, mode: str, page: list[str] | None = None) -> str:
        """The ``match`` query (every matching service) or the ``why`` query (for ``page``)."""
        bindings = dict(self.bindings)
        if page is not None:
            bindings["service"] = [ox.NamedNode(i) for i in page]
        return values(queries.text("search-services"), bindings, self.enabled | {mode})


def bind(store: Store, params: SearchParams) -> Bound:
    """Resolve the parameters' codes to concepts; raises UnknownCode."""
    bindings: dict[str, list] = {}
    enabled: set[str] = set()
    for name in ("need", "status", "region", "language"):
        codes = list(getattr(params, name))
        if codes:
            concepts = resolve(store, name, codes)
            bindings[name] = list(dict.fromkeys(concepts[c] for c in codes))
            enabled.add(name)
    if params.open_to_all:
        enabled.add("open_to_all")
    if params.include_unknown:
        enabled.add("include_unknown")
    # Which base the match starts from: the sets of services the parameters select, else the
    # services whose words match, else every service.
    enabled.add("sets" if enabled & SET_PARAMETERS else "words_only" if params.q else "everything")
    if params.q:
        bindings["text"] = [ox.Literal(params.q)]
        enabled.add("text")
    return Bound(bindings, frozenset(enabled))


SET_PARAMETERS = {"need", "status", "region", "language", "open_to_all"}


def build_query(store: Store, params: SearchParams) -> str:
    """The SPARQL that lists every service matching ``params``; raises UnknownCode."""
    return bind(store, params).query("match")


def search(store: Store, params: SearchParams) -> SearchResult:
    """Match, sort by IRI, keep one page, then ask why each service of the page matches.

    Only the page's services are explained and described, so a broad search at a million
    triples costs one pass over the matching services plus a page's worth of detail.
    """
    bound = bind(store, params)
    ordered = sorted({row["service"].value for row in store.query(bound.query("match"))})
    page = ordered[params.offset:params.offset + params.limit]
    why = bound.query("why", page)
    matches: dict[str, Match] = defaultdict(Match)
    for row in store.query(why) if page else ():
        match = matches[row["service"].value]
        if row["type"] is not None:
            match.types.add((row["type"].value, row["need"].value))
        if row["area"] is not None:
            match.areas.add((row["area"].value, row["region"].value, row["regionLink"].value))
        if row["matchedStatus"] is not None:
            match.statuses.add((row["status"].value, row["matchedStatus"].value))
        match.open = match.open or row["open"] is not None
        match.restricted = match.restricted or row["restrictedTo"] is not None
    described = describe(store, page)
    labels = concept_labels(store, [matches[i] for i in page], params.lang) if params.explain \
        else None
    items = []
    for iri in page:
        item = render(described.get(iri, {}), iri, params.lang)
        match = matches[iri]
        if item["eligibility"]["state"] == "not-stated":
            item["eligibility_unknown"] = True
        if params.explain:
            item["why"] = explain(match, labels, params)
        items.append(item)
    return SearchResult(total=len(ordered), items=items, query=why)


# --- describing services -------------------------------------------------------------------

def describe(store: Store, services: list[str]) -> dict[str, dict]:
    """Statements about each service: predicate -> {object: {labels, codes, nested}}."""
    if not services:
        return {}
    sparql = values(queries.text("describe-services"),
                    {"service": [ox.NamedNode(s) for s in services]})
    out: dict[str, dict] = {}
    for row in store.query(sparql):
        entry = out.setdefault(row["service"].value, {}).setdefault(row["p"].value, {})
        key = _key(row["o"])
        obj = entry.setdefault(key, {"term": row["o"], "labels": {}, "code": None, "nested": {}})
        if row["label"] is not None:
            obj["labels"].setdefault(row["label"].language or "", row["label"].value)
        if row["code"] is not None:
            obj["code"] = row["code"].value
        if row["p2"] is not None:
            obj["nested"].setdefault(row["p2"].value, set()).add(row["o2"].value)
    return out


def _key(term) -> str:
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language or ''}^{term.datatype.value}"
    return str(term)


def pick(labels: dict[str, str], lang: str) -> str | None:
    """A label in ``lang``, else English, else French, else any, else None."""
    for candidate in (lang, lang.split("-")[0], "en", "fr", ""):
        if candidate in labels:
            return labels[candidate]
    return next(iter(labels.values()), None)


def _literals(statements: dict, predicate: str) -> dict[str, str]:
    return {o["term"].language or "": o["term"].value
            for o in statements.get(predicate, {}).values()
            if isinstance(o["term"], ox.Literal)}


def _concepts(statements: dict, predicate: str, lang: str) -> list[dict]:
    return sorted(
        ({"id": o["term"].value, "code": o["code"], "label": pick(o["labels"], lang)}
         for o in statements.get(predicate, {}).values() if isinstance(o["term"], ox.NamedNode)),
        key=lambda c: c["id"],
    )


def _node(statements: dict, predicate: str, fields: dict[str, str]) -> dict | None:
    for obj in statements.get(predicate, {}).values():
        found = {name: sorted(obj["nested"][SCHEMA + prop])[0]
                 for name, prop in fields.items() if SCHEMA + prop in obj["nested"]}
        if found:
            return found
    return None


def render(statements: dict, iri: str, lang: str) -> dict:
    """The JSON read model of one service."""
    statuses = _concepts(statements, PAS + "eligibleStatus", lang)
    # Some engines (Virtuoso) give a stored boolean back as "1".
    open_to_all = any(o["term"].value in ("true", "1")
                      for o in statements.get(PAS + "openToAllStatuses", {}).values())
    state = "open-to-all" if open_to_all else "restricted" if statuses else "not-stated"
    providers = _concepts(statements, PAS + "provider", lang)
    item = {
        "id": iri,
        "name": pick(_literals(statements, SCHEMA + "name"), lang),
        "description": pick(_literals(statements, SCHEMA + "description"), lang),
        "provider": {"id": providers[0]["id"], "name": providers[0]["label"]} if providers
        else None,
        "service_types": _concepts(statements, PAS + "serviceType", lang),
        "eligibility": {"state": state, "statuses": statuses},
        "areas": _concepts(statements, PAS + "serviceArea", lang),
        "languages": _concepts(statements, DCT + "language", lang),
        "contact": _node(statements, SCHEMA + "contactPoint",
                         {"email": "email", "telephone": "telephone", "url": "url"}),
        "address": _node(statements, SCHEMA + "address",
                         {"street": "streetAddress", "postal_code": "postalCode",
                          "locality": "addressLocality", "country": "addressCountry"}),
    }
    for name, predicate in (("opening_hours", PAS + "openingHours"), ("cost", PAS + "cost"),
                            ("how_to_apply", PAS + "howToApply")):
        text = pick(_literals(statements, predicate), lang)
        if text:
            item[name] = text
    for name, predicate in (("url", SCHEMA + "url"), ("last_verified", PAS + "lastVerified"),
                            ("modified", DCT + "modified")):
        found = list(statements.get(predicate, {}).values())
        if found:
            item[name] = found[0]["term"].value
    status = _concepts(statements, PAS + "serviceStatus", lang)
    if status:
        item["status"] = status[0]["code"]
    return item


# --- explaining matches --------------------------------------------------------------------

def concept_labels(store: Store, matches: list[Match], lang: str):
    """A function naming each concept the matches mention, in ``lang`` with fallbacks."""
    iris = {i for m in matches for pair in (*m.types, *m.statuses) for i in pair}
    iris |= {i for m in matches for a, r, _ in m.areas for i in (a, r)}
    found: dict[str, dict[str, str]] = {}
    if iris:
        sparql = values(queries.text("concept-labels"),
                        {"concept": [ox.NamedNode(i) for i in sorted(iris)]})
        for row in store.query(sparql):
            found.setdefault(row["concept"].value, {})[row["label"].language or ""] = \
                row["label"].value

    def label(iri: str) -> str:
        return pick(found.get(iri, {}), lang) or iri.rsplit("/", 1)[-1]

    return label


def explain(match: Match, labels, params: SearchParams) -> dict:
    """Why a service matched, in codes and in words a caseworker can repeat to a client."""
    why: dict[str, object] = {}
    if params.status or params.open_to_all:
        if match.open:
            why["eligibility"] = {"rule": "open-to-all",
                                  "text": "Open to all, whatever the status."}
        elif match.statuses:
            rules = []
            for client, eligible in sorted(match.statuses):
                same = client == eligible
                rules.append({
                    "rule": "same-status" if same else "narrower-status",
                    "client_status": client, "eligible_status": eligible,
                    "text": (f"Restricted to {labels(eligible)}, which is the client's status."
                             if same else
                             f"Restricted to {labels(eligible)}; {labels(client)} is a kind of "
                             f"{labels(eligible)}."),
                })
            why["eligibility"] = rules
        else:
            why["eligibility"] = {"rule": "not-stated",
                                  "text": "Eligibility is not stated: check with the provider."}
    if match.types:
        why["need"] = [{
            "rule": "same-type" if t == n else "narrower-type", "service_type": t, "need": n,
            "text": (f"Provides {labels(n)}." if t == n else
                     f"Provides {labels(t)}, a kind of {labels(n)}."),
        } for t, n in sorted(match.types)]
    if match.areas:
        words = {"same": "{a} is the place searched.", "inside": "{a} is inside {r}.",
                 "contains": "{a} contains {r}: the service covers it."}
        why["region"] = [{
            "rule": link, "area": a, "region": r,
            "text": words[link].format(a=labels(a), r=labels(r)),
        } for a, r, link in sorted(match.areas)]
    return why
