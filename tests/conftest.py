"""Shared fixtures: a seeded on-disk store and a real ``passerelle serve`` process on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
    """Start ``passerelle serve`` on ``store`` (or on the ``backend`` options, e.g. --endpoint).

    The server's log goes to a file beside the store: a pipe nobody reads would fill up and
    block the server once enough requests were logged.
    """
    port = free_port()
    command = Path(sys.executable).with_name("passerelle")
    where = backend or ["--store", str(store)]
    log_path = Path(tempfile.mkstemp(prefix="passerelle-serve-", suffix=".log")[1])
    log = log_path.open("wb")
    process = subprocess.Popen(
        [str(command), "serve", *where, "--port", str(port)],
        env={**os.environ, "PASSERELLE_PUBLIC_URL": f"http://127.0.0.1:{port}", **(env or {})},
        stdout=subprocess.DEVNULL, stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, store)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not start within 120 s: {log_path.read_text()[-2000:]}")


def stop_server(server: LiveServer) -> None:
    server.client.close()
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


ENGINES = [e for e in os.environ.get(
    "PASSERELLE_TEST_ENGINES", "embedded,oxigraph-server,virtuoso").split(",") if e]
"""The backends the engine-portable API tests run on; CI runs all three."""

ENGINE_MODULES = {"test_services", "test_vocabularies", "test_organisations", "test_practices",
                  "test_events", "test_resources"}
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


@pytest.fixture(scope="session")
def server(request, seeded_store, tmp_path_factory):
    """A real server holding the seed and the valid examples, on the embedded store by default
    and, for the engine-portable modules, also on an Oxigraph server and on Virtuoso."""
    engine_name = getattr(request, "param", "embedded")
    env = {"PASSERELLE_API_TOKENS": "tester:s3cret-token"}
    folder = tmp_path_factory.mktemp(f"served-{engine_name}")
    if engine_name == "embedded":
        store = folder / "store"
        shutil.copytree(seeded_store, store)
        live = start_server(store, env=env)
        yield live
        stop_server(live)
        return
    from tests.engines import start_oxigraph_server, start_virtuoso

    engine = (start_oxigraph_server if engine_name == "oxigraph-server" else start_virtuoso)(
        folder)
    try:
        subprocess.run([sys.executable, "-c", POPULATE, engine.query_url, engine.update_url,
                        str(DATA / "valid")], check=True, timeout=600)
        live = start_server(None, env=env, backend=["--endpoint", engine.query_url,
                                                    "--update-endpoint", engine.update_url])
        yield live
        stop_server(live)
    finally:
        engine.stop()


@pytest.fixture
def canary():
    """A loopback HTTP server that records every request: assert ``canary.hits == []`` to show
    that nothing was fetched (see tests/canary.py)."""
    from tests.canary import Canary

    running = Canary().start()
    yield running
    running.stop()
