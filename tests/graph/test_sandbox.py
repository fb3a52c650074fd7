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

from passerelle.graph import sandbox
from passerelle.graph.store import EmbeddedStore

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
