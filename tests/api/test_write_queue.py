"""Slow writes cannot take the site down: reads answer while a write runs, writes past the
queue's bound are refused at once with 503 and Retry-After, and SIGTERM ends the server even with
a write in progress, leaving the store with none or all of it.

Why: writes hold one lock, and waiting for it in the request thread pool let forty slow writes
take every thread: ``/healthz``, ``/`` and ``/api/services`` timed out and SIGTERM no longer
stopped the server. These tests know a write is in progress without timing it: with no place to
wait in the queue, a probe write answered 503 means another write is running.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.conftest import DATA, ENGINES, POPULATE, start_server, stop_server

TOKEN = {"Authorization": "Bearer s3cret-token"}
TURTLE = {**TOKEN, "Content-Type": "text/turtle"}
SLOW = 40_000
"""Triples in a slow write: several seconds of validation, far longer than a few reads."""
BACKENDS = [e for e in ENGINES if e in ("embedded", "oxigraph-server")]
PROBE = "/store?graph=http://example.org/never-there"
"""A write that stores nothing when it runs (404, no such graph): 503 when the queue is full."""


AUDIT = "https://w3id.org/passerelle/graph/audit"


def data_count(server) -> int:
    """Triples outside the audit graph, whose records of each change are counted apart."""
    body = server.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g "
                                                  f"{{ ?s ?p ?o }} FILTER (?g != <{AUDIT}>) }}"},
                      headers={"Accept": "application/sparql-results+json"}).json()
    return int(body["results"]["bindings"][0]["n"]["value"])


def changes(server) -> int:
    return len(server.get("/api/changes", params={"limit": 1000}).json()["items"])


def stored_triples(server, graph: str) -> int:
    response = server.get("/store", params={"graph": graph},
                          headers={"Accept": "application/n-triples"})
    if response.status_code == 404:
        return 0
    return sum(1 for line in response.text.splitlines() if line.strip())


def slow_body() -> bytes:
    return "".join(f"<http://example.org/slow/{n}> <http://example.org/p> \"value {n}\" .\n"
                   for n in range(SLOW)).encode()


class Backend:
    """A ``passerelle serve`` process on a private copy of the seeded data, on either backend."""

    def __init__(self, name: str, seeded_store, folder, env: dict):
        self.name, self.env, self.engine = name, env, None
        if name == "embedded":
            self.store = folder / "store"
            shutil.copytree(seeded_store, self.store)
            self.options = None
        else:
            from tests.engines import start_oxigraph_server

            self.engine = start_oxigraph_server(folder)
            subprocess.run([sys.executable, "-c", POPULATE, self.engine.query_url,
                            self.engine.update_url, str(DATA / "valid")], check=True, timeout=600)
            self.store = None
            self.options = ["--endpoint", self.engine.query_url, "--update-endpoint",
                            self.engine.update_url]
        self.server = self.start()

    def start(self):
        return start_server(self.store, env=self.env, backend=self.options)

    def close(self):
        stop_server(self.server)
        if self.engine:
            self.engine.stop()


@pytest.fixture(params=BACKENDS)
def backend(request, seeded_store, tmp_path):
    live = Backend(request.param, seeded_store, tmp_path, {
        "PASSERELLE_API_TOKENS": "tester:s3cret-token", "PASSERELLE_WRITE_QUEUE": "0",
        "PASSERELLE_WRITE_RETRY_AFTER_S": "7"})
    yield live
    live.close()


def _post(url: str, graph: str, body: bytes, out: list) -> None:
    """POST until the queue takes it, as Retry-After asks: a probe may hold the queue a moment."""
    while True:
        try:
            status = httpx.post(url + "/store", params={"graph": graph}, content=body,
                                headers=TURTLE, timeout=600).status_code
        except httpx.HTTPError as error:
            status = type(error).__name__
        if status != 503:
            out.append(status)
            return
        time.sleep(0.1)


def _probe(server) -> int:
    """503 while a write runs; otherwise the probe runs (404), and pauses to let writes in."""
    status = server.request("DELETE", PROBE, headers=TOKEN).status_code
    if status != 503:
        time.sleep(0.05)
    return status


def _slow_write(server, graph: str, statuses: list) -> threading.Thread:
    thread = threading.Thread(target=_post, args=(server.url, graph, slow_body(), statuses))
    thread.start()
    return thread


def test_reads_answer_and_extra_writes_get_503_while_a_slow_write_runs(backend):
    server = backend.server
    before, changed = data_count(server), changes(server)
    statuses: list = []
    writer = _slow_write(server, "http://example.org/slow/one", statuses)
    cycles, refusals = 0, []
    while writer.is_alive():
        probe = server.request("DELETE", PROBE, headers=TOKEN)
        if probe.status_code != 503:
            assert probe.status_code == 404, probe.text  # no write running: the probe ran
            time.sleep(0.05)  # let the slow write in
            continue
        refusals.append(probe)
        reads = [server.get(path).status_code for path in
                 ("/healthz", "/", "/api/services?need=language")]
        assert reads == [200, 200, 200]
        if _probe(server) == 503:
            cycles += 1  # the reads were answered while the write was still running
    writer.join()
    assert statuses == [201]
    assert cycles >= 1, "the write ended before a probe found it running"
    refused = refusals[0]
    assert refused.headers["retry-after"] == "7"
    assert "too many writes" in refused.json()["detail"]
    assert "PASSERELLE_WRITE_QUEUE" in refused.json()["detail"]
    assert data_count(server) == before + SLOW
    assert changes(server) == changed + 1


def test_sigterm_ends_the_server_during_a_write(backend):
    server = backend.server
    before, changed = data_count(server), changes(server)
    graph = "http://example.org/slow/interrupted"
    statuses: list = []
    writer = _slow_write(server, graph, statuses)
    while writer.is_alive():
        if _probe(server) == 503:
            break
    else:
        pytest.fail(f"the write ended ({statuses}) before a probe found it running")
    server.process.send_signal(signal.SIGTERM)
    server.process.wait(timeout=120)  # it exits: a hang fails here after two minutes
    writer.join()
    server.client.close()
    backend.server = server = backend.start()
    stored = stored_triples(server, graph)
    assert stored in (0, SLOW)
    assert data_count(server) == before + stored
    assert changes(server) == changed + (stored == SLOW)
    assert server.get("/healthz").status_code == 200
