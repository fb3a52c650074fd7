"""The search's shortcuts must never change an answer: kept answers and exact code lookups.

Why: an embedded store keeps each search's answer until the data changes, so a write that the
next search did not see would silently hide a service from a caseworker; codes are looked up by
their shape (notation or IRI), so both shapes and a mix of them must resolve as before, and a value
that is neither must still be refused by name.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph.read import search_index
from passerelle.graph.read.codes import UnknownCode, resolve
from passerelle.graph.read.search import SearchParams, compute, search
from passerelle.graph.store.base import DelegatingStore
from passerelle.graph.store.bundle import open_store

ID = "https://w3id.org/passerelle/id/"
COMMUNE_FERME = ID + "service/commune-ferme-training"
NEED = SearchParams(need=("employment",), explain=True)


@pytest.fixture(scope="module")
def seeded():
    return open_store(None, seed=True)


class Passing(DelegatingStore):
    """Another kind of store over the same data, as a remote engine would be: never kept."""

    def __init__(self, inner):
        super().__init__(inner)
        self.queries = 0

    def query(self, sparql, **dataset):
        self.queries += 1
        return super().query(sparql, **dataset)


def test_a_kept_answer_is_the_computed_one(seeded):
    first = search(seeded, NEED)
    assert search(seeded, NEED) is first
    fresh = compute(seeded, NEED)
    assert (fresh.total, fresh.items, fresh.query) == (first.total, first.items, first.query)
    assert search(seeded, SearchParams(need=("employment",), offset=1)) is not first


def test_a_write_is_seen_by_the_next_search():
    store = open_store(None, seed=True)
    before = search(store, NEED)
    assert COMMUNE_FERME in {item["id"] for item in before.items}
    store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{COMMUNE_FERME}> ?p ?o }} }}")
    after = search(store, NEED)
    assert after.total == before.total - 1
    assert COMMUNE_FERME not in {item["id"] for item in after.items}


def test_other_stores_are_asked_every_time(seeded):
    passing = Passing(seeded)
    search_index.configure(passing, enabled=False)  # the index's own reads are not answers
    search(passing, NEED)
    asked = passing.queries
    assert asked > 0
    search(passing, NEED)
    assert passing.queries == 2 * asked


def test_notations_iris_and_a_mix_resolve_to_the_same_concepts(seeded):
    region = ID + "region/FRL06"
    assert resolve(seeded, "region", ["FRL06"]) == {"FRL06": ox.NamedNode(region)}
    assert resolve(seeded, "region", [region]) == {region: ox.NamedNode(region)}
    mixed = resolve(seeded, "region", ["FR", region, "FR"])
    assert mixed == {"FR": ox.NamedNode(ID + "region/FR"), region: ox.NamedNode(region)}


@pytest.mark.parametrize("codes,unknown", [
    (["ZZ999"], ["ZZ999"]),
    ([ID + "status/refugee"], [ID + "status/refugee"]),
    (["FRL06", "frl06"], ["frl06"]),
    (["<" + ID + "region/FRL06>"], ["<" + ID + "region/FRL06>"]),
    (["urn:x:FRL06", "FR"], ["urn:x:FRL06"]),
])
def test_codes_outside_the_scheme_are_refused_by_name(seeded, codes, unknown):
    with pytest.raises(UnknownCode) as error:
        resolve(seeded, "region", codes)
    assert error.value.parameter == "region" and error.value.codes == unknown


def test_explanations_are_codes_and_concepts_not_sentences(seeded):
    """The graph layer says why in codes; ``api/`` words them in the reader's language."""
    item = next(i for i in compute(seeded, NEED).items if i["id"] == COMMUNE_FERME)
    assert item["why"]["need"] == [{"rule": "narrower-type",
                                    "service_type": ID + "service-type/vocational-training",
                                    "need": ID + "service-type/employment"}]
    assert [rule["rule"] for rule in item["why"]["rank"]] == [
        "rank-eligibility-open", "rank-need-narrower", "rank-not-verified"]
