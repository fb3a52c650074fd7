"""SPARQL Update: which graphs an update touches, and its effect computed off the store.

Why: the update endpoint copies only the graphs an update can touch into a scratch store; a graph
the scanner misses would be read as empty (a wrong answer) or written over (lost data). And the
whole point of the scratch store is that the real one is untouched until the checked write.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph import sparql_update
from passerelle.graph.store import EmbeddedStore
from passerelle.graph.writes import DEFAULT_GRAPH, BadRequest

EX = "http://example.org/"

PLANS = [
    (f"PREFIX ex: <{EX}> INSERT DATA {{ GRAPH ex:g {{ ex:a ex:b 'GRAPH <{EX}no>'@graph }} }}",
     {EX + "g"}, False),
    (f"WITH <{EX}w> DELETE {{ ?s ?p ?o }} USING NAMED <{EX}n> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
     {EX + "w", EX + "n"}, True),
    (f"# GRAPH <{EX}comment>\nCOPY SILENT <{EX}from> TO GRAPH <{EX}to>", {EX + "from", EX + "to"},
     False),
    (f"BASE <{EX}> MOVE <relative> TO DEFAULT", {EX + "relative"}, False),
    (f"PREFIX : <{EX}> DELETE WHERE {{ GRAPH :g.h {{ ?s ?p '''GRAPH <{EX}z>''' }} }}",
     {EX + "g.h"}, False),
    ("INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }", set(), False),
]


@pytest.mark.parametrize(("text", "graphs", "any_graph"), PLANS)
def test_plan_finds_the_graphs(text, graphs, any_graph):
    found = sparql_update.plan(text)
    assert (found.graphs, found.any_graph) == (graphs, any_graph)


@pytest.mark.parametrize("text", [
    "LOAD <http://example.org/data.ttl>",
    "load <http://example.org/data.ttl> INTO GRAPH <http://x/g>",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <http://x/sparql> { ?s ?p ?o } }",
    "DROP ALL", "CLEAR SILENT NAMED",
    f"INSERT DATA {{ GRAPH <{DEFAULT_GRAPH}> {{ <http://x/a> <http://x/b> 1 }} }}",
])
def test_plan_refuses(text):
    with pytest.raises(BadRequest):
        sparql_update.plan(text)


def _store() -> EmbeddedStore:
    store = EmbeddedStore()
    store.write({EX + "g": [ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"),
                                      ox.Literal("old"))],
                 EX + "other": [ox.Triple(ox.NamedNode(EX + "b"), ox.NamedNode(EX + "p"),
                                          ox.Literal("keep"))]})
    return store


def test_evaluate_returns_the_changed_graphs_and_leaves_the_store_alone():
    store = _store()
    before = store.count()
    changed = sparql_update.evaluate(
        store, f"DELETE {{ GRAPH <{EX}g> {{ ?s ?p 'old' }} }} INSERT {{ GRAPH <{EX}g> "
               f"{{ ?s ?p 'new' }} }} WHERE {{ GRAPH <{EX}g> {{ ?s ?p 'old' }} }}")
    assert changed == {EX + "g": [ox.Triple(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"),
                                            ox.Literal("new"))]}
    assert store.count() == before


def test_variable_graph_reads_every_graph():
    changed = sparql_update.evaluate(_store(), "DELETE { GRAPH ?g { ?s ?p 'keep' } } "
                                               "WHERE { GRAPH ?g { ?s ?p 'keep' } }")
    assert changed == {EX + "other": []}


def test_default_graph_is_the_writable_default_graph():
    changed = sparql_update.evaluate(_store(), f"INSERT DATA {{ <{EX}s> <{EX}p> 1 }}")
    assert list(changed) == [DEFAULT_GRAPH]


def test_syntax_error_is_a_bad_request_with_position():
    with pytest.raises(BadRequest, match="1:"):
        sparql_update.evaluate(_store(), "INSERT DATA { <http://x/a> <http://x/b> }")
