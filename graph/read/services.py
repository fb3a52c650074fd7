"""What a service looks like to the API: its statements, read once per page, as JSON.

The search and the service's own page (``GET /api/services/{id}``) show the same read model. A
page's statements come in one query and the names of what they point to (types, areas, statuses,
languages, provider, service status) in a second one, once per distinct thing: one query with an
optional lookup per statement gave a row per combination and cost two to three times as much
(the benchmark's "describe page" stage).
"""

from __future__ import annotations

from collections import defaultdict
from operator import itemgetter

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.read.labels import pick
from passerelle.graph.store.base import Store

PAS = "https://w3id.org/passerelle/ontology#"
SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

CONCEPT_PREDICATES = frozenset({PAS + "provider", PAS + "serviceType", PAS + "serviceArea",
                                PAS + "eligibleStatus", DCT + "language", PAS + "serviceStatus"})
"""The predicates whose objects ``render`` shows by label and code."""


def describe(store: Store, services: list[str]) -> dict[str, dict]:
    """Statements about each service: predicate -> {object: {term, labels, code, nested}}.

    Labels and codes are filled only for the objects of ``CONCEPT_PREDICATES``, the ones the read
    model names; they are asked once per distinct object, after the statements.
    """
    if not services:
        return {}
    text = queries.text("describe-services")
    solutions = store.query(values(text, {"service": [ox.NamedNode(s) for s in services]},
                                   frozenset({"statements"})))
    out: dict[str, dict] = {}
    nested: dict[ox.BlankNode, dict[str, set[str]]] = defaultdict(dict)
    blanks: list[dict] = []
    named: dict[ox.NamedNode, list[dict]] = defaultdict(list)
    for service, p, o, p2, o2 in map(columns(solutions, "service", "p", "o", "p2", "o2"),
                                     solutions):
        if service is None:
            nested[o].setdefault(p2.value, set()).add(o2.value)
            continue
        entry = out.setdefault(service.value, {}).setdefault(p.value, {})
        if o in entry:
            continue
        obj = entry[o] = {"term": o, "labels": {}, "code": None, "nested": {}}
        if isinstance(o, ox.BlankNode):
            blanks.append(obj)
        elif p.value in CONCEPT_PREDICATES and isinstance(o, ox.NamedNode):
            named[o].append(obj)
    for obj in blanks:
        obj["nested"] = nested.get(obj["term"], {})
    if named:
        _label(store, text, named)
    return out


def columns(solutions, *names: str):
    """A getter of the named variables of a solution, by position: a lookup by name per value
    costs more than the rest of the row's handling."""
    order = [v.value for v in solutions.variables]
    return itemgetter(*(order.index(n) for n in names))


def _label(store: Store, text: str, named: dict[ox.NamedNode, list[dict]]) -> None:
    """Give each object of ``named`` its labels (by language, first one kept) and notation."""
    solutions = store.query(values(text, {"concept": list(named)}, frozenset({"labels"})))
    labels: dict[ox.NamedNode, dict[str, str]] = defaultdict(dict)
    codes: dict[ox.NamedNode, str] = {}
    for concept, label, code in map(columns(solutions, "concept", "label", "code"), solutions):
        if label is not None:
            labels[concept].setdefault(label.language or "", label.value)
        if code is not None:
            codes[concept] = code.value
    for concept, objects in named.items():
        for obj in objects:
            obj["labels"] = labels.get(concept, {})
            obj["code"] = codes.get(concept)


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
