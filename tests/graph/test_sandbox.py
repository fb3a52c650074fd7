"""Running the endpoint's queries: worker processes over an on-disk store, or the server process.

Why: a worker opens the store read-only and sees it as of opening, so it must notice writes made
since; a store in memory runs queries in-process and must still keep the row cap and give up at
the time limit; and a worker must not reach the network even if a ``SERVICE`` slipped through.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import time

import pyoxigraph as ox
import pytest

from passerelle.graph.endpoint import sandbox
from passerelle.graph.store.embedded import EmbeddedStore

G1, G2 = "urn:graph:one", "urn:graph:two"


def triples(n: int, prefix: str = "s") -> list[ox.Triple]:
    return [ox.Triple(ox.NamedNode(f"urn:{prefix}{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i)))
            for i in range(n)]


def job(query: str, accept: str | None = None, max_rows: int = 1000, **dataset) -> sandbox.Job:
    return sandbox.Job(query, dataset.get("default"), dataset.get("named"), accept, max_rows, 200)


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(answer: sandbox.Answer) -> int:
    return int(answer.body.decode().split()[-1])


def test_the_store_counts_writes_and_honours_from_and_empty_datasets():
    store = EmbeddedStore()
    store.write({G1: triples(2), G2: triples(3, "t")})
    first = store.generation
    store.update(f"INSERT DATA {{ GRAPH <{G2}> {{ <urn:x> <urn:p> 1 }} }}")
    assert store.generation != first
    assert len(list(store.query(f"SELECT * FROM <{G1}> WHERE {{ ?s ?p ?o }}"))) == 2
    assert len(list(store.query("SELECT * WHERE { ?s ?p ?o }"))) == 6
    assert list(store.query("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", default_graph=[G1],
                            named_graphs=[])) == []


def test_workers_see_writes_made_after_they_opened_the_store(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.write({G1: triples(5)})
    pool = sandbox.runner(store, concurrency=1, timeout_s=30)
    try:
        assert count(pool.run(job(COUNT, "text/csv"))) == 5
        store.write({G2: triples(7, "t")})
        assert count(pool.run(job(COUNT, "text/csv"))) == 12
        named = pool.run(job(COUNT, "text/csv", default=(G2,), named=()))
        assert count(named) == 7
    finally:
        pool.close()


def test_a_query_past_the_memory_cap_ends_its_worker_only(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.write({G1: triples(3000)})
    pool = sandbox.WorkerPool(store, 1, timeout_s=60, memory=600 * 2**20)
    try:
        with pytest.raises(sandbox.BadQuery, match="more memory"):
            pool.run(job("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"))
        assert count(pool.run(job(COUNT, "text/csv"))) == 3000
    finally:
        pool.close()


def test_in_memory_stores_keep_the_row_cap_and_give_up_at_the_time_limit():
    store = EmbeddedStore()
    store.write({G1: triples(40)})
    runner = sandbox.runner(store, concurrency=1, timeout_s=1)
    cut = runner.run(job("SELECT * WHERE { ?s ?p ?o }", max_rows=10))
    assert cut.truncated and cut.body.count(b'"type":"uri"') == 20
    endless = job("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
                  max_rows=10**12)
    started = time.monotonic()
    with pytest.raises(sandbox.TimedOut):
        runner.run(endless)
    assert time.monotonic() - started < 3
    time.sleep(0.5)  # the abandoned thread stops at its next row and frees its slot
    assert runner.run(job("ASK {}")).body == b'{"head":{},"boolean":true}'


def _reach_out(address: tuple[str, int], results) -> None:
    offline = sandbox._isolate(os.getppid())
    try:
        socket.create_connection(address, timeout=2).close()
        results.put((offline, True))
    except OSError:
        results.put((offline, False))


def test_a_worker_cannot_open_a_connection():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        child = context.Process(target=_reach_out, args=(listening.getsockname(), results))
        child.start()
        offline, connected = results.get(timeout=60)
        child.join()
    if not offline:
        pytest.skip("this kernel does not let an unprivileged process leave the network; "
                    "the SERVICE check is then the only guard")
    assert not connected


def _isolation_off(results) -> None:
    results.put(sandbox._isolate(os.getppid()))


def test_isolation_can_be_forced_off_and_says_so(monkeypatch):
    """The "unshare refused" path (Docker's seccomp profile, Ubuntu's userns restriction), made
    reproducible: the worker reports that it is still on the network."""
    monkeypatch.setenv(sandbox.ISOLATION, "off")
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_isolation_off, args=(results,))
    child.start()
    assert results.get(timeout=60) is False
    child.join()


def test_pyoxigraph_itself_fetches_what_an_update_loads(canary):
    """Why updates run in an isolated worker: in the server process, LOAD reaches the canary."""
    store = ox.Store()
    store.update(f"LOAD <{canary.url}data.ttl>")
    assert any("/data.ttl" in hit for hit in canary.hits) and len(store) == 1


def test_the_update_worker_applies_updates_to_the_graphs_it_is_given():
    worker = sandbox.UpdateWorker()
    try:
        quads = ox.serialize([ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"),
                                      ox.BlankNode("b1"), ox.NamedNode(G1))],
                             format=ox.RdfFormat.N_QUADS)
        after = worker.run(quads, f"INSERT DATA {{ GRAPH <{G1}> {{ <urn:b> <urn:p> 2 }} }}", 30)
        result = set(ox.parse(after, format=ox.RdfFormat.N_QUADS))
        assert ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.BlankNode("b1"),
                       ox.NamedNode(G1)) in result and len(result) == 2
        with pytest.raises(sandbox.UpdateFailed, match="does not parse"):
            worker.run(b"", "INSERT DATA { <urn:a> }", 30)
    finally:
        worker.close()


def test_the_update_worker_cannot_fetch_even_past_the_screen(canary):
    """The second line of defence: a LOAD or SERVICE handed to the worker directly reaches
    nothing, and the message says nothing of what a fetch would have read."""
    worker = sandbox.UpdateWorker()
    try:
        offline = worker.started()
        if not offline:
            pytest.skip("this kernel does not let an unprivileged process leave the network; "
                        "the screen is then the only guard")
        for update in (f"LOAD <{canary.url}hidden-ttl>",
                       f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{canary.url}sparql> "
                       "{ ?s ?p ?o } }"):
            with pytest.raises(sandbox.UpdateFailed) as error:
                worker.run(b"", update, 30)
            assert "canary" not in str(error.value)
        assert canary.hits == []
    finally:
        worker.close()


def test_a_deep_update_ends_at_most_its_worker():
    worker = sandbox.UpdateWorker()
    try:
        with pytest.raises(sandbox.UpdateFailed):
            worker.run(b"", "INSERT DATA " + "{" * 100_000 + "}" * 100_000, 60)
        assert worker.run(b"", "INSERT DATA { <urn:a> <urn:p> 1 }", 30).count(b"\n") == 1
    finally:
        worker.close()


def test_without_isolation_the_check_logs_one_clear_line(monkeypatch):
    monkeypatch.setenv(sandbox.ISOLATION, "off")
    worker = sandbox.UpdateWorker()
    monkeypatch.setattr(sandbox, "_updates", worker)
    lines: list[str] = []
    try:
        assert sandbox.check_isolation(lines.append) is False
        assert lines == [sandbox.ISOLATION_UNAVAILABLE]
        assert "network isolation is unavailable" in lines[0]
    finally:
        worker.close()
