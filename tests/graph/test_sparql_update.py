"""SPARQL Update: which graphs an update touches, and its effect computed off the store.

Why: the update endpoint copies only the graphs an update can touch into a scratch store; a graph
the scanner misses would be read as empty (a wrong answer) or written over (lost data). And the
whole point of the scratch store is that the real one is untouched until the checked write.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph.endpoint import sandbox
from passerelle.graph.store.embedded import EmbeddedStore
from passerelle.graph.write import sparql_update
from passerelle.graph.write.commit import DEFAULT_GRAPH, Malformed

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
    with pytest.raises(Malformed):
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
    with pytest.raises(Malformed, match="1:"):
        sparql_update.evaluate(_store(), "INSERT DATA { <http://x/a> <http://x/b> }")


def test_plan_reads_graph_names_through_escapes_and_run_together_keywords():
    escaped = sparql_update.plan(rf"INSERT DATA {{ GRAPH <{EX}\u0067> {{ <{EX}a> <{EX}b> 1 }} }}")
    assert escaped.graphs == {EX + "g"}
    assert sparql_update.plan(f"PREFIX : <{EX}> INSERT DATA {{ GRAPH:g {{ :a :b 1 }} }}").any_graph
    assert sparql_update.plan(f"INSERT {{ GRAPH ?g {{ <{EX}a> <{EX}b> 1 }} }} WHERE {{ "
                              f"VALUES ?g {{ <{EX}g> }} }}").any_graph


@pytest.mark.parametrize("text", [
    "DROPALL", "DROP SILENTALL", "clear silent named", "CLEARALL",
    "INSERT DATA " + "{" * 5000 + "}" * 5000,
    rf"INSERT DATA {{ <{EX}\u0041#> <{EX}p> 1 }} ; LOAD <http://127.0.0.1:9/hidden-ttl>",
    r"INSERT { ?s ?p ?o } WHERE { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
])
def test_plan_refuses_what_the_engine_would_read_past_a_regex(text):
    with pytest.raises(Malformed):
        sparql_update.plan(text)


def test_a_load_that_passes_no_screen_still_fetches_nothing(canary, monkeypatch):
    """Past the screen (disabled here), the update worker's isolation is what holds."""
    monkeypatch.setattr(sparql_update, "screen_update", lambda text, max_depth: None)
    if not sandbox.update_worker().started():
        pytest.skip("this kernel does not let an unprivileged process leave the network")
    store = _store()
    before = store.count()
    with pytest.raises(Malformed) as error:
        sparql_update.evaluate(store, f"LOAD <{canary.url}hidden-ttl> INTO GRAPH <{EX}g>")
    assert "canary" not in str(error.value)
    assert canary.hits == [] and store.count() == before
