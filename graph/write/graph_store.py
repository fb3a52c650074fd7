"""The SPARQL 1.1 Graph Store Protocol's operations on named graphs.

PUT replaces a graph, POST adds to it (or, with no graph named, creates a new one), DELETE drops
it; each takes the write path (``commit.plan``, then ``commit.commit``), so it is validated, audited
and atomic. The protocol's
default graph is ``writes.DEFAULT_GRAPH``: all data lives in named graphs, and queries see their
union as the default graph, so the union itself is read-only here.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox

from passerelle.graph.rdf.namespaces import GRAPH
from passerelle.graph.store.base import Store
from passerelle.graph.write import audit
from passerelle.graph.write.commit import (
    DEFAULT_GRAPH,
    WRITE_LOCK,
    Missing,
    Outcome,
    commit,
    plan,
)

NEW_GRAPHS = GRAPH + "store/"
"""Where a POST with no graph named creates its graph."""


def new_graph() -> str:
    return NEW_GRAPHS + uuid.uuid4().hex


def read(store: Store, graph: str) -> list[ox.Triple] | None:
    """The graph's triples, or None when it holds none (the default graph is never missing)."""
    triples = [q.triple for q in store.quads(graph)]
    if not triples and graph != DEFAULT_GRAPH:
        return None
    return triples


def put(store: Store, graph: str, triples: list[ox.Triple], *, author: str, base: str,
        may_change_vocabularies: bool = False) -> Outcome:
    return _write(store, graph, triples, replace=True, author=author, base=base,
                  may_change_vocabularies=may_change_vocabularies)


def post(store: Store, graph: str, triples: list[ox.Triple], *, author: str, base: str,
         may_change_vocabularies: bool = False) -> Outcome:
    return _write(store, graph, triples, replace=False, author=author, base=base,
                  may_change_vocabularies=may_change_vocabularies)


def _write(store: Store, graph: str, triples: list[ox.Triple], *, replace: bool, author: str,
           base: str, may_change_vocabularies: bool) -> Outcome:
    """PUT replaces the graph, POST merges into it; either creates it when it is missing."""
    started = audit.now()
    with WRITE_LOCK:
        planned = plan(store, {graph: triples}, replace=replace)
        kind = "replace" if replace else "merge"
        return commit(store, planned, author=author, base=base, started=started,
                      kind=kind if graph in planned.existing else "create",
                      what=f"the graph <{graph}>",
                      may_change_vocabularies=may_change_vocabularies)


def delete(store: Store, graph: str, *, author: str, base: str,
           may_change_vocabularies: bool = False) -> Outcome:
    started = audit.now()
    with WRITE_LOCK:
        planned = plan(store, {graph: []}, replace=True)
        if graph not in planned.existing:
            raise Missing(f"no graph <{graph}>")
        return commit(store, planned, author=author, kind="delete", base=base,
                      started=started, what=f"the graph <{graph}>",
                      may_change_vocabularies=may_change_vocabularies)
