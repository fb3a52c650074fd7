"""The caseworker's question: which services fit this client, and why.

Semantics (DESIGN, "Semantics the answers rely on"): a need finds services of that type or a
narrower one; a status finds services open to all plus those restricted to that status or a
broader one; a region finds services whose area is the region, inside it, or contains it.
Eligibility has three states, never confused: open to all, restricted, not stated. Words
(``q``) match names, descriptions and the labels of the service's types and their broader types,
in every language, through the full-text index (``words``).

Two paths give the same answer: the search index (``search_index``: sets of services by concept,
kept in step with the writes) finds the matches of a search first asked without the join of the
search query; ``search-services.rq`` finds them through SPARQL alone, with the services the words
matched bound into it. The index path is the default; ``search_index.configure`` (the
``--no-index`` option, ``PASSERELLE_SEARCH_INDEX=false``) chooses SPARQL, and the SPARQL ``why``
query of a page is what ``explain`` shows on either path.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.read import ranking, search_index
from passerelle.graph.read.codes import resolve
from passerelle.graph.read.generations import PerGeneration
from passerelle.graph.read.labels import pick
from passerelle.graph.read.model import SERVICES, render
from passerelle.graph.read.services import columns, describe
from passerelle.graph.store.base import Store
from passerelle.graph.store.embedded import EmbeddedStore
from passerelle.settings import Settings


@dataclass(frozen=True)
class SearchParams:
    need: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    q: str | None = None
    open_to_all: bool = False
    include_unknown: bool = False
    lang: str = Settings.languages.default
    limit: int = 20
    offset: int = 0
    explain: bool = False
    near: str | None = None
    within_km: float | None = None


@dataclass
class Match:
    """Why one service matched: filled from the rows of the search query."""

    types: set[tuple[str, str]] = field(default_factory=set)
    areas: set[tuple[str, str, str]] = field(default_factory=set)
    statuses: set[tuple[str, str]] = field(default_factory=set)
    open: bool = False


@dataclass(frozen=True)
class SearchResult:
    """How many services match, the page's read models, and the ``why`` query of that page
    (written when first read: only ``explain`` shows it, and writing it costs a search from
    the index a fair share of its time)."""

    total: int
    items: list[dict]
    bound: Bound = field(repr=False, compare=False)
    page: list[str] = field(repr=False, compare=False)

    @cached_property
    def query(self) -> str:
        return self.bound.query("why", self.page)


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


def bind(store: Store, params: SearchParams, matched_words: list[str] | None = None) -> Bound:
    """Resolve the parameters' codes to concepts; raises UnknownCode. ``matched_words`` are the
    services the words of ``q`` match (asked of the full-text index when not given)."""
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
        if matched_words is None:
            matched_words = search_index.current(store, wait=True).words_match(params.q)
        bindings["wordMatch"] = [ox.NamedNode(i) for i in matched_words]
        enabled.add("text")
    return Bound(bindings, frozenset(enabled))


SET_PARAMETERS = {"need", "status", "region", "language", "open_to_all"}


def build_query(store: Store, params: SearchParams) -> str:
    """The SPARQL that lists every service matching ``params``; raises UnknownCode."""
    return bind(store, params).query("match")


# --- answers kept while the data stays the same --------------------------------------------

CACHE_SIZE = 128
"""Answers kept per embedded store; a page of 20 services takes a few tens of kB."""


class Answers:
    """The latest answers of one write generation of an embedded store's data
    (``generations``).

    A search over a large graph walks every match (and further on words), the same work for
    every caseworker asking the same question; the answer changes only when the data does. A
    remote engine has no write counter and may be written by other API processes, so its
    answers are never kept. Kept answers are shared: callers must not change them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: OrderedDict[SearchParams, SearchResult] = OrderedDict()

    def get(self, params: SearchParams) -> SearchResult | None:
        with self._lock:
            found = self._results.get(params)
            if found is not None:
                self._results.move_to_end(params)
            return found

    def put(self, params: SearchParams, result: SearchResult) -> None:
        """Keep ``result``, computed from this generation's data: an answer computed while a
        write went on is put in the older generation's answers, which are never read again."""
        with self._lock:
            self._results[params] = result
            if len(self._results) > CACHE_SIZE:
                self._results.popitem(last=False)


_answers: PerGeneration[Answers] = PerGeneration(Answers)


def kept(store: Store, params: SearchParams) -> SearchResult | None:
    """The answer to ``params`` kept from an earlier identical search on the unchanged embedded
    store, or None; never computes, nor waits for anything but a lock held for a lookup, so an
    event loop may ask it."""
    answers = _answers.get(store)
    return None if answers is None else answers.get(params)


def search(store: Store, params: SearchParams) -> SearchResult:
    """The answer to ``params``: kept from an earlier identical search on an unchanged embedded
    store, else computed (``compute``); raises UnknownCode."""
    answers = _answers.get(store)
    if answers is None:
        return compute(store, params)
    found = answers.get(params)
    if found is None:
        found = compute(store, params)
        answers.put(params, found)
    return found


def compute(store: Store, params: SearchParams, *, index: bool | None = None) -> SearchResult:
    """Match, rank (``ranking``), keep one page, then describe the page (and say why, if
    asked).

    ``index`` chooses the path that finds the matches (None: as configured for the store).
    Only the page's services are explained and described. On the index path only the matches
    that can reach the page are ordered (``ranking.page``; from a point, those within reach,
    ``ranking.near_page``) and the page's read
    models come from those the index keeps (``page_items``): ranking every match of a broad
    search at a million triples cost hundreds of milliseconds, describing a page tens. The
    SPARQL path ranks every match (``ranking.rank``) and describes every page from the store;
    both give the same answer (tests/graph/test_search_index.py).
    """
    use_index = search_index.enabled(store) if index is None else index
    found = _indexed_page(store, params) if use_index and params.limit else None
    if found is None:
        ranked, bound = ranked_matches(store, params, index=index)
        ordered = ranked.order
        total, page = len(ordered), ordered[params.offset:params.offset + params.limit]
        distances, rules = ranked.distances, ranked.rules
    else:
        total, page, rules, distances, bound = found
    items = page_items(store, page, params.lang, use_index=use_index)
    for item in items:
        if item["eligibility"]["state"] == "not-stated":
            item["eligibility_unknown"] = True
    result = SearchResult(total=total, items=items, bound=bound, page=list(page))
    if params.explain and page:
        matches = reasons(store, result.query)
        for item in items:
            item["why"] = explain(matches[item["id"]], params)
    for item in items:
        if params.near and item["id"] in distances:
            item["distance_km"] = distances[item["id"]]
        if params.explain:
            item.setdefault("why", {})["rank"] = rules[item["id"]]
    return result


def _indexed_page(store: Store, params: SearchParams
                  ) -> tuple[int, list[str], dict[str, list[dict]], dict[str, float], Bound
                             ] | None:
    """The total, the page, its rules, its distances and the bound parameters, found and
    ordered by the search index without ranking every match (``ranking.page``, and
    ``ranking.near_page`` from a point); None when the index is not at the store's generation
    (a write is being followed), or for a search from a point on a remote engine (whose
    ranking facts are read afresh each time, for the matches alone)."""
    if params.near and not isinstance(store, EmbeddedStore):
        return None
    found = search_index.current(store, wait=bool(params.q))
    if found is None:
        return None
    bound = bind(store, params, [])
    resolved = {name: [t.value for t in bound.bindings.get(name, ())]
                for name in ("need", "status", "region", "language")}
    if params.near:
        total, page, rules, distances = ranking.near_page(store, params, found, resolved)
        return total, page, rules, distances, bound
    paged = ranking.page(store, params, found, resolved)
    return None if paged is None else (*paged, {}, bound)


def page_items(store: Store, page: list[str], lang: str, *, use_index: bool) -> list[dict]:
    """The read models of ``page`` in ``lang``, each a new dict the caller may add keys to.

    On the index path of an embedded store, the items the index keeps (``kept_items``) are
    reused and the others described and kept; elsewhere (SPARQL alone, a remote engine whose
    writes the index does not see one by one, a write being followed) every item is read from
    the store."""
    index = search_index.current(store) if use_index and isinstance(store, EmbeddedStore) \
        else None
    if index is None:
        described = describe(store, page)
        return [render(SERVICES, described, iri, lang) for iri in page]
    kept, epoch = index.kept_items(page, lang)
    missing = [iri for iri in page if iri not in kept]
    if missing:
        described = describe(store, missing)
        fresh = {iri: render(SERVICES, described, iri, lang) for iri in missing}
        index.keep_items(epoch, lang, fresh,
                         {iri: described.reads(ox.NamedNode(iri)) for iri in missing},
                         described.text_languages())
        kept.update(fresh)
    return [dict(kept[iri]) for iri in page]


def matching(store: Store, params: SearchParams, *, index: bool | None = None
            ) -> tuple[list[str], Bound]:
    """Every matching service's IRI, sorted, and the bound parameters; raises UnknownCode.

    On the index path the codes are resolved as on the SPARQL path (the same refusals), then
    the sets are combined in memory. While the index follows a write or is being built, the
    SPARQL path answers. On the SPARQL path the match query reads each match by position and
    keeps only its IRI string: at thousands of matches, the per-row Python work is as costly as
    the query.
    """
    use_index = search_index.enabled(store) if index is None else index
    found = search_index.current(store, wait=bool(params.q)) if use_index or params.q else None
    if use_index and found is not None:
        # The words' services are not bound: only the "why" query is asked of the store.
        bound = bind(store, params, [])
        concepts = {name: [t.value for t in bound.bindings.get(name, ())]
                    for name in ("need", "status", "region", "language")}
        return found.match(**concepts, open_to_all=params.open_to_all,
                           include_unknown=params.include_unknown, q=params.q or None), bound
    bound = bind(store, params, found.words_match(params.q) if params.q else None)
    return sorted({solution[0].value for solution in store.query(bound.query("match"))}), bound


def ranked_matches(store: Store, params: SearchParams, *, index: bool | None = None
                   ) -> tuple[ranking.Ranked, Bound]:
    """Every service the search finds, in the search's order (``ranking``), none described,
    and the bound parameters: for pages and for callers that filter further before they page
    (the Open Referral API)."""
    matched, bound = matching(store, params, index=index)
    return ranking.rank(store, params, set(matched)), bound


def reasons(store: Store, why: str) -> dict[str, Match]:
    """Each service's reasons, from the rows of the ``why`` query."""
    matches: dict[str, Match] = defaultdict(Match)
    solutions = store.query(why)
    for service, type_, need, area, region, link, open_, status, matched in map(
            columns(solutions, "service", "type", "need", "area", "region", "regionLink", "open",
                     "status", "matchedStatus"), solutions):
        match = matches[service.value]
        if type_ is not None:
            match.types.add((type_.value, need.value))
        if area is not None:
            match.areas.add((area.value, region.value, link.value))
        if matched is not None:
            match.statuses.add((status.value, matched.value))
        match.open = match.open or open_ is not None
    return matches


# --- explaining matches --------------------------------------------------------------------

def concept_labels(store: Store, iris: set[str], lang: str):
    """A function naming each of the concepts ``iris``, in ``lang`` with fallbacks."""
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


def explain(match: Match, params: SearchParams) -> dict:
    """Why a service matched, as rule codes and the concepts each rule links: ``eligibility``
    (``open-to-all``, ``not-stated``, or ``same-status``/``narrower-status`` with the client's
    and the eligible status), ``need`` (``same-type``/``narrower-type`` with the service type
    and the need) and ``region`` (``same``/``inside``/``contains`` with the area and the place
    searched). ``api/`` words them in the reader's language."""
    why: dict[str, object] = {}
    if params.status or params.open_to_all:
        if match.open:
            why["eligibility"] = {"rule": "open-to-all"}
        elif match.statuses:
            why["eligibility"] = [{
                "rule": "same-status" if client == eligible else "narrower-status",
                "client_status": client, "eligible_status": eligible,
            } for client, eligible in sorted(match.statuses)]
        else:
            why["eligibility"] = {"rule": "not-stated"}
    if match.types:
        why["need"] = [{
            "rule": "same-type" if t == n else "narrower-type", "service_type": t, "need": n,
        } for t, n in sorted(match.types)]
    if match.areas:
        why["region"] = [{"rule": link, "area": a, "region": r}
                         for a, r, link in sorted(match.areas)]
    return why
