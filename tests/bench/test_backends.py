"""The benchmark's second backend and its writes, on a small synthetic graph, with real servers.

Why: the Oxigraph-server figures mean something only if that server holds the very graph the
embedded store holds (the derived closure graph included, which the search reads and
``Store.dump`` leaves out) and answers the search the same; the write figures only if every
timed write is accepted (a refused write is fast, and would flatter them).
"""

from __future__ import annotations

from types import SimpleNamespace

import httpx
import pytest

from bench import generate, measure, oxigraph_server, writes
from bench.workload import MIX
from bench.write_latency import first_provider
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH, PAS

WRITES = 3


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A 3k-triple synthetic store, its N-Quads dump, and what the embedded store answers."""
    work = tmp_path_factory.mktemp("bench")
    nq = work / "synthetic.nq"
    generate.write(nq, 3_000)
    store, _ = measure.load_unvalidated(nq, work / "store")
    texts = measure.raw_queries(store, MIX)
    rows = [sum(1 for _ in store.query(texts[item])) for item in MIX]
    dump = work / "all.nq"
    oxigraph_server.dump_all(store, dump)
    facts = SimpleNamespace(work=work, store_dir=work / "store", dump=dump, texts=texts,
                            rows=rows, quads=store.count(), provider=first_provider(store),
                            closure=sum(1 for _ in store.quads(INFERRED_GRAPH)))
    del store
    return facts


def test_the_dump_holds_every_graph_the_derived_one_included(built):
    text = built.dump.read_text()
    assert built.closure > 0
    assert text.count(f"<{INFERRED_GRAPH}> .\n") == built.closure
    assert text.count("\n") == built.quads


def test_the_oxigraph_server_holds_the_same_graph_and_answers_the_same(built):
    server = oxigraph_server.OxigraphServer(built.work / "oxigraph", built.dump,
                                            built.work / "oxigraph.log")
    try:
        count = server.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        assert int(count[0]["n"].value) == built.quads
        closure = server.select(f"SELECT ?c WHERE {{ ?c <{PAS}broaderOrSelf> ?b }}")
        assert len(closure) == built.closure
        assert [len(server.select(built.texts[item])) for item in MIX] == built.rows
        assert any(built.rows)
    finally:
        server.stop()


def test_every_timed_write_is_accepted_over_http_and_in_process(built):
    server = measure.Server(built.store_dir, built.work / "server.log", env=writes.ENV)
    try:
        posted = writes.http_writes(server.url, built.provider, WRITES)
        assert httpx.get(server.url + "/api/services/bench-write-0000").status_code == 200
    finally:
        server.stop()
    assert posted["n"] == WRITES
    in_process = writes.in_process_writes(built.store_dir, built.provider, WRITES)
    assert in_process["shared_graph"]["n"] == in_process["own_graph"]["n"] == WRITES


def test_a_refused_write_stops_the_measure(built, monkeypatch):
    monkeypatch.setattr(writes, "SECRET", "not-the-token")
    server = measure.Server(built.store_dir, built.work / "refused.log", env=writes.ENV)
    try:
        with pytest.raises(RuntimeError, match="HTTP 401"):
            writes.http_writes(server.url, built.provider, WRITES)
    finally:
        server.stop()
