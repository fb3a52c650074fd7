"""Shared fixtures: a seeded on-disk store and a real ``passerelle serve`` process on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
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
from passerelle.graph.bundle import open_store
from passerelle.graph.loader import load
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


def start_server(store: Path, env: dict | None = None) -> LiveServer:
    port = free_port()
    command = Path(sys.executable).with_name("passerelle")
    process = subprocess.Popen(
        [str(command), "serve", "--store", str(store), "--port", str(port)],
        env={**os.environ, "PASSERELLE_PUBLIC_URL": f"http://127.0.0.1:{port}", **(env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return LiveServer(url, process, store)
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start within 60 s")


def stop_server(server: LiveServer) -> None:
    server.client.close()
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def server(seeded_store, tmp_path_factory):
    """One real server for read-only tests (and refused writes), on a copy of the seeded store."""
    store = tmp_path_factory.mktemp("served") / "store"
    shutil.copytree(seeded_store, store)
    live = start_server(store, env={"PASSERELLE_API_TOKENS": "tester:s3cret-token"})
    yield live
    stop_server(live)
