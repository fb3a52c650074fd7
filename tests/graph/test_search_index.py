"""The search index never changes an answer: after any writes, both paths give the same one.

Why: the index answers searches from sets it keeps beside the graph; a write it missed, or a
rule it reads differently from ``search-services.rq`` (a status's closure, an area that contains
the region, an openness the engine does not read as true), would silently hide a service from a
caseworker or show one that does not fit. Random writes through the write path (added, replaced,
merged and deleted services; eligibility, areas, needs, languages, names; a vocabulary label),
writes the index cannot follow (a direct update), then random searches: the index path and the
SPARQL-only path must give the same totals, items and reasons, on the embedded store. The
index path keeps the read models it shows until a write touches what they read, so the writes
also rename providers and change contact points (blank nodes) behind kept items; and the facet
counts it takes from its sets must be the totals of the searches they stand for.
"""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.graph.rdf.namespaces import DCT, GRAPH, ID, PAS, RDF_TYPE, SCHEMA, SKOS, XSD
from passerelle.graph.read import search_index
from passerelle.graph.read.facets import facets as facet_counts
from passerelle.graph.read.search import SearchParams, compute
from passerelle.graph.store.bundle import open_store
from passerelle.graph.validation.gate import Report
from passerelle.graph.write import steps

NEEDS = ("language", "employment", "vocational-training", "health", "mental-health", "housing",
         "education")
REGIONS = ("FR", "FRL", "FRL0", "FRL06", "cavaillon", "lauris", "ES", "ES242", "PL", "PL51")
STATUSES = ("refugee", "international-protection", "subsidiary-protection", "asylum-seeker",
            "undocumented", "stateless")
LANGUAGES = ("fr", "en", "es", "ar", "uk")
AUTHORITY = {"fr": "FRA", "en": "ENG", "es": "SPA", "ar": "ARA", "uk": "UKR"}
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
WORDS = ("farm", "farming", "workshop", "Ateliers", "cours", "école", "Gesundheit", "santé",
         "μαθήματα", "дім", "help", "lessons")
TAGS = ("fr", "en", "es", "el", "uk", None)
SERVICES = 6


def node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def service_iri(number: int) -> str:
    return f"{ID}service/index-test-{number}"


def graph_of(number: int) -> str:
    return f"{GRAPH}index-test-{number}"


def organisation_iri(number: int) -> str:
    return f"{ID}organisation/index-test-{number}"


texts = st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
                  st.sampled_from(TAGS))
facts = st.fixed_dictionaries({
    "typed": st.booleans() | st.just(True),
    "needs": st.lists(st.sampled_from(NEEDS), max_size=2, unique=True),
    "regions": st.lists(st.sampled_from(REGIONS), max_size=2, unique=True),
    "statuses": st.lists(st.sampled_from(STATUSES), max_size=2, unique=True),
    "open": st.sampled_from([None, "true", "false", "1", "yes"]),
    "languages": st.lists(st.sampled_from(LANGUAGES), max_size=2, unique=True),
    "names": st.lists(texts, max_size=2),
    "provider": st.none() | st.integers(0, 1),
    "phone": st.none() | st.sampled_from(("+33 4 90 00 00 00", "+34 941 00 00 00")),
})
ORGANISATION_NAMES = ("Ferme de Lauris", "Asociación Rioja", "Cavaillon Accueil")


def triples(number: int, given: dict) -> list[ox.Triple]:
    s = node(service_iri(number))
    out = [ox.Triple(s, node(RDF_TYPE), node(PAS + "Service"))] if given["typed"] else []
    out += [ox.Triple(s, node(PAS + "serviceType"), node(f"{ID}service-type/{n}"))
            for n in given["needs"]]
    out += [ox.Triple(s, node(PAS + "serviceArea"), node(f"{ID}region/{r}"))
            for r in given["regions"]]
    out += [ox.Triple(s, node(PAS + "eligibleStatus"), node(f"{ID}status/{x}"))
            for x in given["statuses"]]
    if given["open"] is not None:
        out.append(ox.Triple(s, node(PAS + "openToAllStatuses"),
                             ox.Literal(given["open"], datatype=node(XSD + "boolean"))))
    out += [ox.Triple(s, node(DCT + "language"), node(EU_LANGUAGE + AUTHORITY[code]))
            for code in given["languages"]]
    for words, tag in given["names"]:
        predicate = SCHEMA + ("name" if len(words) == 1 else "description")
        out.append(ox.Triple(s, node(predicate), ox.Literal(" ".join(words), language=tag)))
    if given.get("provider") is not None:
        out.append(ox.Triple(s, node(PAS + "provider"), node(organisation_iri(given["provider"]))))
    if given.get("phone"):
        point = ox.BlankNode()
        out += [ox.Triple(s, node(SCHEMA + "contactPoint"), point),
                ox.Triple(point, node(SCHEMA + "telephone"), ox.Literal(given["phone"]))]
    return out


writes = st.one_of(
    st.tuples(st.just("replace"), st.integers(0, SERVICES - 1), facts),
    st.tuples(st.just("merge"), st.integers(0, SERVICES - 1), facts),
    st.tuples(st.just("delete"), st.integers(0, SERVICES - 1), st.none()),
    st.tuples(st.just("label"), st.sampled_from(NEEDS), st.sampled_from(WORDS)),
    st.tuples(st.just("direct"), st.integers(0, SERVICES - 1), st.none()),
    st.tuples(st.just("organisation"), st.integers(0, 1), st.sampled_from(ORGANISATION_NAMES)),
    st.tuples(st.just("contact"), st.integers(0, SERVICES - 1),
              st.sampled_from(("a@example.org", "b@example.org"))),
)
searches = st.builds(
    SearchParams,
    need=st.lists(st.sampled_from(NEEDS), max_size=2).map(tuple),
    status=st.lists(st.sampled_from(STATUSES), max_size=2).map(tuple),
    region=st.lists(st.sampled_from(REGIONS), max_size=2).map(tuple),
    language=st.lists(st.sampled_from(LANGUAGES), max_size=1).map(tuple),
    q=st.none() | st.sampled_from(WORDS) | st.text(max_size=12),
    open_to_all=st.booleans(),
    include_unknown=st.booleans(),
    limit=st.sampled_from((1, 2, 3, 50)),
    offset=st.integers(0, 4),
    explain=st.just(True),
)


def commit(store, graphs: dict[str, list[ox.Triple]], *, replace: bool) -> None:
    """A write through the write path's plan and commit. Validation is not what this test is
    about (the shapes have their own tests): the random services need not pass them."""
    planned = steps.plan(store, graphs, replace=replace)
    steps.commit(store, planned, Report(True, [], []), what="a test write")


def apply(store, write) -> bool:
    """Make one write; True when the index should have followed it without a rebuild."""
    kind, target, given = write
    if kind == "replace":
        commit(store, {graph_of(target): triples(target, given)}, replace=True)
    elif kind == "merge":
        commit(store, {graph_of(target): triples(target, given)}, replace=False)
    elif kind == "delete":
        commit(store, {graph_of(target): []}, replace=True)
    elif kind == "organisation":
        organisation = node(organisation_iri(target))
        commit(store, {GRAPH + f"index-test-organisation-{target}": [
            ox.Triple(organisation, node(RDF_TYPE), node(PAS + "Organisation")),
            ox.Triple(organisation, node(SCHEMA + "name"), ox.Literal(given, language="fr"))]},
            replace=True)
    elif kind == "contact":  # a statement about a service's contact point alone
        for row in store.query(f"SELECT ?point WHERE {{ GRAPH <{graph_of(target)}> {{ "
                               f"<{service_iri(target)}> <{SCHEMA}contactPoint> ?point }} }}"):
            commit(store, {graph_of(target): [ox.Triple(row["point"], node(SCHEMA + "email"),
                                                        ox.Literal(given))]}, replace=False)
    elif kind == "label":
        concept = node(f"{ID}service-type/{target}")
        commit(store, {GRAPH + "index-test-labels": [
            ox.Triple(concept, node(SKOS + "altLabel"), ox.Literal(given, language="en"))]},
            replace=False)
        return False
    else:
        store.update(f"DELETE WHERE {{ GRAPH <{graph_of(target)}> {{ ?s ?p ?o }} }}")
        return False
    return True


def same_answers(store, params: SearchParams) -> None:
    indexed = compute(store, params, index=True)
    alone = compute(store, params, index=False)
    assert (indexed.total, indexed.items, indexed.query) == (alone.total, alone.items,
                                                             alone.query), params


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=st.lists(writes, min_size=1, max_size=8),
       asked=st.lists(searches, min_size=1, max_size=6))
def test_after_random_writes_the_index_answers_as_sparql_does(history, asked):
    store = open_store(None)
    search_index.current(store)
    for write in history:
        before = search_index.current(store)
        followed = apply(store, write)
        after = search_index.current(store)
        assert after.generation == ("generation", store.generation)
        if followed:
            assert after is before, "a service write is followed, not rebuilt"
        for params in (EVERY_SERVICE, *asked):
            same_answers(store, params)


EVERY_SERVICE = SearchParams(limit=50, explain=True)
"""Asked after every write: the read models of every service are then kept, and any write
that changes one without the index forgetting it shows."""


def same_counts(store, params: SearchParams) -> None:
    indexed = facet_counts(store, params)
    search_index.configure(store, enabled=False)
    try:
        alone = facet_counts(store, params)
    finally:
        search_index.configure(store, enabled=True)
    assert indexed == alone, params


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=st.lists(writes, min_size=1, max_size=4),
       asked=st.lists(searches, min_size=1, max_size=2))
def test_after_random_writes_facet_counts_from_the_index_are_the_searches_totals(history,
                                                                                   asked):
    store = open_store(None)
    search_index.current(store)
    for write in history:
        apply(store, write)
    for params in asked:
        same_counts(store, params)


POINTS = ("cavaillon", "lauris", "43.84,5.04", "41.0,-3.0")
"""Where searches from a point start: municipalities with reference coordinates, and points."""
from_a_point = st.builds(
    lambda params, near, within_km: replace(params, near=near, within_km=within_km),
    searches, st.sampled_from(POINTS), st.sampled_from((1.0, 12.0, 30.0, 800.0)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=st.lists(st.tuples(st.just("replace"), st.integers(0, SERVICES - 1), facts),
                        min_size=2, max_size=5),
       more=st.lists(writes, max_size=2),
       asked=st.lists(from_a_point, min_size=1, max_size=2))
def test_after_random_writes_facet_counts_of_a_search_from_a_point_are_its_totals(history, more,
                                                                                   asked):
    """Within a distance, the index counts among the services measured close enough (as the
    ranking measures them: own coordinates, the place searched, an area's reference point)."""
    store = open_store(None)
    search_index.current(store)
    for write in [*history, *more]:
        apply(store, write)
    for params in asked:
        same_counts(store, params)


CONCEPTS = tuple(f"{ID}region/c{n}" for n in range(6))


@st.composite
def closures(draw) -> dict[str, set[str]]:
    """A concept closure shaped as a tree (each concept's closure its parent's plus itself),
    or any closure at all (several parents, cycles, concepts missing from their own closure)."""
    if draw(st.booleans()):
        closure: dict[str, set[str]] = {}
        for n, concept in enumerate(CONCEPTS):
            parent = draw(st.none() | st.integers(0, n - 1)) if n else None
            closure[concept] = {concept} | (closure[CONCEPTS[parent]] if parent is not None
                                            else set())
        return closure
    return {c: set(draw(st.lists(st.sampled_from(CONCEPTS), max_size=3)))
            | ({c} if draw(st.booleans()) else set()) for c in CONCEPTS}


@settings(max_examples=200, deadline=None)
@given(closure=closures(), areas=st.lists(st.frozensets(st.sampled_from(
    (*CONCEPTS, f"{ID}region/unknown")), max_size=3), min_size=1, max_size=12),
    removed=st.lists(st.integers(0, 11), max_size=3), chosen=st.sets(st.integers(0, 11)))
def test_region_counts_are_the_sizes_of_each_regions_matches(closure, areas, removed, chosen):
    """The region facet adds each group's tally along the hierarchy (``_Regions``); whatever
    the closure's shape, each count is how many of the matches the region alone finds."""
    index = search_index.SearchIndex(None)
    index._closure = closure
    facts = [search_index.Facts(frozenset(), a, frozenset(), frozenset(), False, False, ())
             for a in areas]
    for n, one in enumerate(facts):
        index._add(service_iri(n), one)
    index.facet_counts({"region": CONCEPTS})  # counted once before the changes below
    for n in removed:
        if n < len(facts):
            index._remove(service_iri(n))
    for n, one in enumerate(facts[:2]):  # services changing areas break the runs of numbers
        index._add(service_iri(n), replace(one, areas=facts[-1 - n].areas))
    found = {index._numbers[service_iri(n)] for n in chosen if n < len(facts)} & \
        index._services  # the matches are services
    counted = index._counted("region", CONCEPTS, search_index.bitset(found), False)
    assert counted == {c: len(index._in_regions([c]) & found) for c in CONCEPTS}


def test_a_service_written_is_found_by_its_words_and_facts_at_once():
    store = open_store(None)
    index = search_index.current(store)
    commit(store, {graph_of(0): triples(0, {
        "typed": True, "needs": ["vocational-training"], "regions": ["lauris"],
        "statuses": ["refugee"], "open": None, "languages": ["ar"],
        "names": [(["Ateliers", "farming"], "fr")]})}, replace=True)
    assert search_index.current(store) is index
    ask = SearchParams(need=("employment",), region=("FRL06",), status=("subsidiary-protection",),
                       q="atelier")
    assert compute(store, ask).total == 0, "refugee-only is not for subsidiary protection"
    found = compute(store, SearchParams(need=("employment",), region=("FRL06",),
                                        status=("refugee",), language=("ar",), q="atelier"))
    assert [i["id"] for i in found.items] == [service_iri(0)]
    commit(store, {graph_of(0): []}, replace=True)
    assert compute(store, SearchParams(q="atelier")).total == 0


def test_a_search_during_a_write_answers_through_sparql():
    """While the index follows a write, filters are answered from the graph, never refused."""
    store = open_store(None)
    commit(store, {graph_of(1): triples(1, {
        "typed": True, "needs": ["housing"], "regions": [], "statuses": [], "open": "true",
        "languages": [], "names": []})}, replace=True)
    index = search_index.current(store)
    added = triples(3, {"typed": True, "needs": ["housing"], "regions": [], "statuses": [],
                        "open": None, "languages": [], "names": []})
    with search_index.following(store, added, [], False):
        store.write({graph_of(3): added})
        assert search_index.current(store) is None
        assert compute(store, SearchParams(need=("housing",))).total == 2
    assert search_index.current(store) is index
    assert compute(store, SearchParams(need=("housing",))).total == 2


@pytest.mark.parametrize("enabled", [True, False])
def test_the_setting_chooses_the_path_and_not_the_answer(enabled):
    store = open_store(None)
    commit(store, {graph_of(2): triples(2, {
        "typed": True, "needs": ["mental-health"], "regions": ["FR"], "statuses": [],
        "open": None, "languages": [], "names": [(["santé"], "fr")]})}, replace=True)
    search_index.configure(store, enabled=enabled)
    found = compute(store, SearchParams(need=("health",), region=("cavaillon",), q="SANTE"))
    assert [i["id"] for i in found.items] == [service_iri(2)]


def test_on_a_remote_engine_the_index_is_rebuilt_when_the_store_moves(tmp_path):
    """Other processes write to a shared engine too, so the index there is never patched: the
    next search after any change builds it again, and answers as SPARQL does."""
    from passerelle.graph.store.bundle import open_remote
    from passerelle.graph.store.remote import RemoteStore
    from tests.engines import start_oxigraph_server

    engine = start_oxigraph_server(tmp_path)
    try:
        store = open_remote(engine.query_url, engine.update_url)
        first = search_index.current(store)
        other = RemoteStore(engine.query_url, engine.update_url)  # another process's writes
        commit(other, {graph_of(4): triples(4, {
            "typed": True, "needs": ["language"], "regions": ["cavaillon"], "statuses": [],
            "open": "true", "languages": [], "names": [(["cours"], "fr")]})}, replace=True)
        ask = SearchParams(need=("language",), region=("FRL06",), q="Cours")
        assert [i["id"] for i in compute(store, ask, index=True).items] == [service_iri(4)]
        assert search_index.current(store) is not first
        same_answers(store, ask)
    finally:
        engine.stop()


def test_the_index_keeps_what_ranking_reads():
    store = open_store(None, seed=True)
    index = search_index.current(store)
    farm = ID + "service/agir"
    kept = index.facts([farm, ID + "service/no-such-service"])
    assert list(kept) == [farm]
    assert ID + "service-type/employment" in kept[farm].types
    assert kept[farm].service_statuses == {ID + "service-status/active"}
    described = store.select(
        f"SELECT ?s ?d WHERE {{ <{farm}> <{PAS}serviceStatus> ?s . "
        f"OPTIONAL {{ <{farm}> <{PAS}lastVerified> ?d }} }}")
    assert kept[farm].service_statuses == {row["s"].value for row in described}
    assert kept[farm].last_verified == max((row["d"].value for row in described if "d" in row),
                                           default=None)


@given(st.sets(st.integers(min_value=0, max_value=5000)))
def test_bits_give_back_their_numbers(numbers):
    """``numbers_of`` undoes ``bitset``, for few numbers (found one by one) and many (read as
    flags) alike: a page of results is found from the numbers of a search's bits."""
    bits = search_index.bitset(numbers)
    assert bits.bit_count() == len(numbers)
    assert search_index.numbers_of(bits) == sorted(numbers)
    assert search_index.numbers_of(bits | (1 << 6000)) == [*sorted(numbers), 6000]
