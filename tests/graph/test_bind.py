"""Values bound into update templates stay values: a literal that looks like SPARQL is stored as
that literal, and only IRIs can name the graphs an operation targets."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import data
from passerelle.graph.store.embedded import EmbeddedStore

G = "https://example.org/graph/a"
KEPT = "https://example.org/graph/kept"
HOSTILE = '"} } ; DROP ALL ; INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> <urn:c> } } #'


def _triple(text: str) -> ox.Triple:
    return ox.Triple(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), ox.Literal(text))


def test_a_literal_that_looks_like_sparql_is_stored_as_written():
    store = EmbeddedStore(None)
    store.write({KEPT: [_triple("kept")], G: [_triple("old")]})
    store.update(data(queries.text("graphs-replace"), [(G, [_triple(HOSTILE)])],
                      {"g": [ox.NamedNode(G)]}))
    assert store.graphs() == {G, KEPT}
    assert [q.object.value for q in store.quads(G)] == [HOSTILE]
    assert [q.object.value for q in store.quads(KEPT)] == ["kept"]


def test_replacing_with_nothing_drops_the_graph():
    store = EmbeddedStore(None)
    store.write({G: [_triple("old")], KEPT: [_triple("kept")]})
    store.update(data(queries.text("graphs-replace"), [(G, [])], {"g": [ox.NamedNode(G)]}))
    assert store.graphs() == {KEPT}


def test_only_iris_name_an_operations_target():
    with pytest.raises(TypeError):
        data(queries.text("graphs-replace"), [], {"g": [ox.Literal("urn:x")]})
    with pytest.raises(ValueError):
        data(queries.text("graphs-replace"), [("urn:x> } ; DROP ALL", [_triple("x")])])
