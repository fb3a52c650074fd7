"""The concept closure kept up to date incrementally, and the limits checked before a write.

Why: the closure (``pas:broaderOrSelf``) answers every search by need, status and region; when
only the concepts a write touches are recomputed, a mistake would leave stale or missing rows
that no full rebuild would ever correct. The limits stop a hierarchy whose closure grows as the
square of its size (and blank nodes nested deep enough to hold the validator for minutes) before
anything is stored.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph.rdf.namespaces import ID, INFERRED_GRAPH, RDF_TYPE, SKOS
from passerelle.graph.store.bundle import open_store
from passerelle.graph.validation import limits
from passerelle.settings import get_settings

GRAPH = "http://example.org/hierarchy"
BROADER = ox.NamedNode(SKOS + "broader")
CONCEPT = ox.NamedNode(SKOS + "Concept")
A = ox.NamedNode(RDF_TYPE)


def node(name: str) -> ox.NamedNode:
    return ox.NamedNode(f"http://example.org/c/{name}")


def chain(count: int, top: ox.NamedNode | None = None) -> list[ox.Triple]:
    triples = []
    for i in range(count):
        triples.append(ox.Triple(node(str(i)), A, CONCEPT))
        parent = node(str(i - 1)) if i else top
        if parent is not None:
            triples.append(ox.Triple(node(str(i)), BROADER, parent))
    return triples


def closure(store) -> set[ox.Triple]:
    return {q.triple for q in store.quads(INFERRED_GRAPH)}


def rebuilt(store) -> set[ox.Triple]:
    """The closure a full rebuild gives, leaving the store's own as it was."""
    kept = closure(store)
    store.refresh_inferences()
    full = closure(store)
    store.write({INFERRED_GRAPH: sorted(kept, key=str)}, replace=True)
    return full


@pytest.fixture
def store():
    return open_store(None)


def test_incremental_closure_equals_a_full_rebuild_through_add_move_and_drop(store):
    original = closure(store)
    refugee = ox.NamedNode(ID + "status/refugee")
    added = chain(6, top=refugee)
    store.check_hierarchy(added, [])
    store.write({GRAPH: added})
    store.refresh_inferences(added)
    assert closure(store) == rebuilt(store) != original
    assert ox.Triple(node("5"), ox.NamedNode("https://w3id.org/passerelle/ontology#broaderOrSelf"),
                     ox.NamedNode(ID + "status/international-protection")) in closure(store)

    cut = ox.Triple(node("3"), BROADER, node("2"))
    moved = ox.Triple(node("3"), BROADER, refugee)
    store.write({GRAPH: [t for t in added if t != cut] + [moved]}, replace=True)
    store.refresh_inferences([cut, moved])
    assert closure(store) == rebuilt(store)

    store.write({GRAPH: []}, replace=True)
    store.refresh_inferences([t for t in added if t != cut] + [moved])
    assert closure(store) == original


def test_a_deep_chain_is_refused_before_anything_is_stored(store):
    before = store.count()
    store.check_hierarchy(chain(33), [])
    with pytest.raises(limits.LimitExceeded, match="more than 32 broader concepts"):
        store.check_hierarchy(chain(34), [])
    with pytest.raises(limits.LimitExceeded, match="more than 32 broader concepts"):
        store.check_hierarchy(chain(1500), [])
    assert store.count() == before


def test_a_wide_closure_is_refused(store, monkeypatch):
    monkeypatch.setenv("PASSERELLE_HIERARCHY_MAX_CLOSURE", "50")
    get_settings.cache_clear()
    try:
        with pytest.raises(limits.LimitExceeded, match="more than 50 closure triples"):
            store.check_hierarchy(chain(10), [])
    finally:
        get_settings.cache_clear()


def test_a_cycle_of_broader_links_ends(store):
    cycle = [ox.Triple(node("x"), A, CONCEPT), ox.Triple(node("y"), A, CONCEPT),
             ox.Triple(node("x"), BROADER, node("y")), ox.Triple(node("y"), BROADER, node("x"))]
    store.check_hierarchy(cycle, [])
    store.write({GRAPH: cycle})
    store.refresh_inferences(cycle)
    assert closure(store) == rebuilt(store)


def nested(depth: int) -> list[ox.Triple]:
    blanks = [ox.BlankNode() for _ in range(depth)]
    holders = [ox.NamedNode("http://example.org/s"), *blanks[:-1]]
    return [ox.Triple(h, ox.NamedNode("http://example.org/p"), b)
            for h, b in zip(holders, blanks, strict=True)]


def test_blank_node_nesting_is_measured_in_one_pass():
    limits.check_blank_depth({GRAPH: nested(16)}, 16)
    with pytest.raises(limits.LimitExceeded, match="nested more than 16 deep"):
        limits.check_blank_depth({GRAPH: nested(17)}, 16)
    with pytest.raises(limits.LimitExceeded):
        limits.check_blank_depth({GRAPH: list(reversed(nested(50_000)))}, 16)
    a, b = ox.BlankNode(), ox.BlankNode()
    p = ox.NamedNode("http://example.org/p")
    limits.check_blank_depth({GRAPH: [ox.Triple(a, p, b), ox.Triple(b, p, a)]}, 16)
