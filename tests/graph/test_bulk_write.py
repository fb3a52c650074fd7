"""Large additions to empty graphs go through Oxigraph's bulk loader and stay all or nothing.

The bulk loader is not one transaction: the graphs it fills are named pending first, and a store
opened with pending graphs (the process was killed half-way) drops them.
"""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest

from passerelle.graph.rdf.namespaces import PAS, RDF_TYPE, graph_iri
from passerelle.graph.store import embedded
from passerelle.graph.store.embedded import PENDING_GRAPH, EmbeddedStore

NEW = graph_iri("bulk-new")
OLD = graph_iri("bulk-old")


def triples(count: int, start: int = 0) -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"https://example.org/n{i}"),
                      ox.NamedNode("https://example.org/p"), ox.Literal(str(i)))
            for i in range(start, start + count)]


@pytest.fixture
def small_bulk(monkeypatch):
    monkeypatch.setattr(embedded, "BULK_FROM", 10)


def test_a_large_addition_to_a_new_graph_is_stored_whole(tmp_path, small_bulk, monkeypatch):
    store = EmbeddedStore(tmp_path / "store")
    store.write({OLD: triples(3)})
    bulked = []
    real = EmbeddedStore._bulk
    monkeypatch.setattr(EmbeddedStore, "_bulk",
                        lambda self, *a: bulked.append(1) or real(self, *a))
    store.write({NEW: triples(25)}, append={graph_iri("audit-x"): triples(1)})
    assert bulked == [1]
    assert store.graphs() == {OLD, NEW, graph_iri("audit-x")}
    assert sum(1 for _ in store.quads(NEW)) == 25
    assert PENDING_GRAPH not in store.graphs()


def test_an_addition_to_a_graph_holding_data_stays_one_transaction(tmp_path, small_bulk,
                                                                   monkeypatch):
    store = EmbeddedStore(tmp_path / "store")
    store.write({OLD: triples(3)})
    monkeypatch.setattr(EmbeddedStore, "_bulk", lambda *a: pytest.fail("bulk loader used"))
    store.write({OLD: triples(25, start=100)})
    assert sum(1 for _ in store.quads(OLD)) == 28


KILLED = """
import os, sys
from pathlib import Path
import pyoxigraph as ox
from passerelle.graph.store import embedded

class Killing(list):
    def __iter__(self):
        for number, triple in enumerate(list.__iter__(self)):
            if number == 20:
                os._exit(9)
            yield triple

store = embedded.EmbeddedStore(Path(sys.argv[1]))
embedded.BULK_FROM = 10
store.write({sys.argv[2]: Killing(ox.Triple(ox.NamedNode(f"https://example.org/n{i}"),
             ox.NamedNode("https://example.org/p"), ox.Literal(str(i))) for i in range(25))})
"""


def test_a_bulk_addition_killed_half_way_is_undone_when_the_store_opens(tmp_path):
    path = tmp_path / "store"
    store = EmbeddedStore(path)
    store.write({OLD: triples(3)})
    before = sorted(map(str, store.quads()))
    del store
    killed = subprocess.run([sys.executable, "-c", KILLED, str(path), NEW], timeout=120)
    assert killed.returncode == 9
    half = ox.Store.read_only(str(path))
    assert any(q.graph_name.value == PENDING_GRAPH for q in half), "killed while loading"
    del half
    reopened = EmbeddedStore(path)
    assert sorted(map(str, reopened.quads())) == before
    assert not any(q.predicate.value == RDF_TYPE and q.object.value == PAS + "PendingLoad"
                   for q in reopened.quads())


def nquads(path, graph: str, count: int, start: int = 0):
    path.write_bytes(ox.serialize([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
                                   for t in triples(count, start)], format=ox.RdfFormat.N_QUADS))
    return path


def test_a_write_begun_before_its_checks_end_is_kept_by_commit(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.write({OLD: triples(3)})
    pending = store.begin_write_from([nquads(tmp_path / "a.nq", NEW, 40)], [NEW])
    assert pending.meanwhile
    pending.commit()
    assert sum(1 for _ in store.quads(NEW)) == 40
    assert store.graphs() == {OLD, NEW}


def test_a_write_begun_then_abandoned_leaves_the_store_as_it_was(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.write({OLD: triples(3)})
    before, generation = sorted(map(str, store.quads())), store.generation
    files = [nquads(tmp_path / "a.nq", NEW, 40), nquads(tmp_path / "b.nq", NEW, 40, start=40)]
    store.begin_write_from(files, [NEW]).abandon()
    assert sorted(map(str, store.quads())) == before
    assert store.generation != generation  # readers reopen: the graphs were there a while


def test_a_write_whose_file_breaks_is_undone_and_raised_at_commit(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.write({OLD: triples(3)})
    before = sorted(map(str, store.quads()))
    broken = tmp_path / "broken.nq"
    broken.write_bytes(nquads(tmp_path / "a.nq", NEW, 40).read_bytes() + b"<no-end\n")
    pending = store.begin_write_from([broken], [NEW])
    with pytest.raises(SyntaxError):
        pending.commit()
    assert sorted(map(str, store.quads())) == before
