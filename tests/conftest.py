"""Shared fixtures: a seeded on-disk store and a real ``passerelle serve`` process on loopback."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import servers

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def run_cli(*args: str, env: dict | None = None, timeout: float = 120,
            input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the installed ``passerelle`` command (the console script of the venv)."""
    command = Path(sys.executable).with_name("passerelle")
    return subprocess.run([str(command), *args], capture_output=True, timeout=timeout,
                          env={**os.environ, **(env or {})}, input=input)


SEED = """
import sys
from pathlib import Path
from passerelle.graph.store.bundle import open_store
from passerelle.graph.write.loader import load
store = open_store(Path(sys.argv[1]), seed=True)
load(store, sorted(Path(sys.argv[2]).glob("*.ttl")))
"""


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory) -> Path:
    """A store holding the vocabularies, the seed graph and the valid example graphs.

    Built in a child process so that no handle (and no RocksDB lock) stays in the test process.
    """
    path = tmp_path_factory.mktemp("store") / "seeded"
    subprocess.run([sys.executable, "-c", SEED, str(path), str(DATA / "valid")], check=True,
                   timeout=300)
    return path


@pytest.fixture
def store_copy(seeded_store, tmp_path) -> Path:
    """A private copy of the seeded store for tests that write."""
    target = tmp_path / "store"
    shutil.copytree(seeded_store, target)
    return target


def writing_server(seeded_store, folder: Path, **env) -> LiveServer:
    """A server on a private copy of the seeded store (in ``folder``) that takes the tests'
    write token; ``env`` adds settings."""
    store = folder / "store"
    shutil.copytree(seeded_store, store)
    return start_server(store, env={"PASSERELLE_API_TOKENS": "tester:s3cret-token", **env})


class LiveServer:
    def __init__(self, url: str, process: subprocess.Popen, store: Path):
        self.url, self.process, self.store = url, process, store
        self.client = httpx.Client(base_url=url, timeout=60)

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs) -> httpx.Response:
        return self.client.post(path, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

    def triple_count(self) -> int:
        body = self.get("/sparql", params={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"},
            headers={"Accept": "application/sparql-results+json"}).json()
        return int(body["results"]["bindings"][0]["n"]["value"])


def start_server(store: Path | None, env: dict | None = None,
                 backend: list[str] | None = None) -> LiveServer:
    """Start ``passerelle serve`` on ``store`` (or on the ``backend`` options, e.g. --endpoint),
    its log in a temporary file."""
    log = Path(tempfile.mkstemp(prefix="passerelle-serve-", suffix=".log")[1])
    process, url = servers.start_passerelle(store, backend=backend, env=env, log=log)
    return LiveServer(url, process, store)


def stop_server(server: LiveServer) -> None:
    server.client.close()
    servers.stop(server.process)


ENGINES = [e for e in os.environ.get(
    "PASSERELLE_TEST_ENGINES", "embedded,oxigraph-server,virtuoso").split(",") if e]
"""The backends the engine-portable API tests run on; CI runs all three."""

ENGINE_MODULES = {"test_services", "test_vocabularies", "test_organisations", "test_practices",
                  "test_openreferral",
                  "test_events", "test_resources", "test_coverage"}
"""Test modules whose questions must get the same answers from every SPARQL engine."""


def pytest_generate_tests(metafunc):
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if "server" in metafunc.fixturenames and module in ENGINE_MODULES:
        metafunc.parametrize("server", ENGINES, indirect=True, scope="session")


POPULATE = """
import sys
from pathlib import Path
from passerelle.graph.store.bundle import open_remote
from passerelle.graph.write.loader import load
store = open_remote(sys.argv[1], sys.argv[2], seed=True)
load(store, sorted(Path(sys.argv[3]).glob("*.ttl")))
"""


@contextlib.contextmanager
def served(backend: str, seeded_store: Path, folder: Path, env: dict,
           populate: list[str] | None = None) -> Iterator[LiveServer]:
    """A real server on ``backend``: a copy of the seeded store (``embedded``), or an Oxigraph
    server or Virtuoso filled by ``populate`` (a script given the query and update URLs; by
    default the seed and the valid examples). Everything it started is stopped on leaving."""
    if backend == "embedded":
        shutil.copytree(seeded_store, folder / "store")
        live = start_server(folder / "store", env=env)
        try:
            yield live
        finally:
            stop_server(live)
        return
    from tests.engines import start_oxigraph_server, start_virtuoso

    engine = (start_oxigraph_server if backend == "oxigraph-server" else start_virtuoso)(folder)
    try:
        script, *args = populate or [POPULATE, str(DATA / "valid")]
        subprocess.run([sys.executable, "-c", script, engine.query_url, engine.update_url, *args],
                       check=True, timeout=600)
        live = start_server(None, env=env, backend=["--endpoint", engine.query_url,
                                                    "--update-endpoint", engine.update_url])
        try:
            yield live
        finally:
            stop_server(live)
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def server(request, seeded_store, tmp_path_factory):
    """A real server holding the seed and the valid examples, on the embedded store by default
    and, for the engine-portable modules, also on an Oxigraph server and on Virtuoso."""
    engine_name = getattr(request, "param", "embedded")
    env = {"PASSERELLE_API_TOKENS": "tester:s3cret-token"}
    with served(engine_name, seeded_store, tmp_path_factory.mktemp(f"served-{engine_name}"),
                env) as live:
        yield live


@pytest.fixture
def canary():
    """A loopback HTTP server that records every request: assert ``canary.hits == []`` to show
    that nothing was fetched (see tests/canary.py)."""
    from tests.canary import Canary

    running = Canary().start()
    yield running
    running.stop()
