"""Facet counts reuse the search's own total for the value it already asks for, when they are
asked of the search (SPARQL alone); counted from the index, they give the same numbers.

Why: a search page shows the count beside every option, one count a search; the option the
caseworker chose is the search just answered, so asking it again would double that work and,
should the two ever differ, show a count beside the chosen option other than the total above
the list.
"""

from __future__ import annotations

import pytest

from passerelle.graph.read import search_index
from passerelle.graph.read.facets import FACETS, facets
from passerelle.graph.read.search import SearchParams, search
from passerelle.graph.store.bundle import open_store
from tests.graph.test_search_answers import Passing

ASKED = [
    SearchParams(need=("employment",), region=("FRL06",)),
    SearchParams(status=("refugee",), language=("fr",), include_unknown=True, offset=1),
    SearchParams(region=("cavaillon",), near="cavaillon", within_km=30.0),
    SearchParams(q="cours de français"),
]


@pytest.fixture(scope="module")
def seeded():
    return open_store(None, seed=True)


def _counts(found: dict) -> dict:
    return {name: {row["code"]: row["count"] for row in rows} for name, rows in found.items()}


@pytest.mark.parametrize("params", ASKED, ids=lambda p: ",".join(
    f"{k}" for k, v in vars(p).items() if v and k != "lang"))
def test_the_chosen_value_counts_the_search_total_without_asking_again(seeded, params):
    store = Passing(seeded)  # never keeps answers: every search asked is a query
    search_index.configure(store, enabled=False)
    result = search(store, params)
    store.queries = 0
    reused = facets(store, params, result)
    with_reuse = store.queries
    store.queries = 0
    asked = facets(store, params)
    chosen = [name for name in FACETS if len(getattr(params, name)) == 1]
    assert _counts(reused) == _counts(asked)
    for name in chosen:
        assert _counts(reused)[name][getattr(params, name)[0]] == result.total
    assert (with_reuse < store.queries) == bool(chosen), (with_reuse, store.queries)


def test_facets_of_a_search_the_store_keeps_are_the_same(seeded):
    params = ASKED[0]
    result = search(seeded, params)
    assert _counts(facets(seeded, params, result)) == _counts(facets(seeded, params))


@pytest.mark.parametrize("params", ASKED, ids=lambda p: ",".join(
    f"{k}" for k, v in vars(p).items() if v and k != "lang"))
def test_counts_from_the_index_are_those_of_the_searches(seeded, params):
    through_sparql = Passing(seeded)
    search_index.configure(through_sparql, enabled=False)
    indexed = Passing(seeded)
    assert _counts(facets(indexed, params, search(indexed, params))) == \
        _counts(facets(through_sparql, params))
