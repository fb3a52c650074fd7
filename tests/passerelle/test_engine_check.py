"""`serve` checks the engine before answering: a real Oxigraph server started the wrong way is
refused with what to do, and a backup restored with Oxigraph's own loader (no derived closure)
gets its closure rebuilt, by `serve` or by `passerelle rebuild-closure`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import servers
from tests.conftest import DATA, POPULATE, run_cli
from tests.engines import start_oxigraph_server
from tests.servers import free_port

CLOSURE = ("SELECT (COUNT(*) AS ?n) WHERE { "
           "?c <https://w3id.org/passerelle/ontology#broaderOrSelf> ?b }")


def _closure_size(engine) -> int:
    import httpx

    answer = httpx.get(engine.query_url, params={"query": CLOSURE},
                       headers={"Accept": "application/sparql-results+json"}, timeout=30)
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def test_serve_refuses_an_engine_without_union_default_graph(tmp_path):
    engine = start_oxigraph_server(tmp_path, union_default_graph=False)
    try:
        subprocess.run([sys.executable, "-c", POPULATE, engine.query_url, engine.update_url,
                        str(DATA / "valid")], check=True, timeout=600)
        done = run_cli("serve", "--endpoint", engine.query_url, "--update-endpoint",
                       engine.update_url, "--port", str(free_port()), timeout=120)
    finally:
        engine.stop()
    assert done.returncode == 2
    message = done.stderr.decode()
    assert len(message.strip().splitlines()) == 1
    assert "default graph" in message and "--union-default-graph" in message
    assert engine.query_url in message


def test_a_backup_restored_by_the_engine_gets_its_closure_back(seeded_store, tmp_path):
    backup = tmp_path / "backup.nq"
    dumped = run_cli("export", "--format", "nq", "--store", str(seeded_store), timeout=300)
    assert dumped.returncode == 0, dumped.stderr
    backup.write_bytes(dumped.stdout)
    oxigraph = Path(sys.executable).with_name("oxigraph")
    subprocess.run([str(oxigraph), "load", "--location", str(tmp_path / "db"), "--file",
                    str(backup)], check=True, timeout=300, capture_output=True)
    engine = start_oxigraph_server(tmp_path)
    try:
        assert _closure_size(engine) == 0  # the dump leaves the derived graph out
        port = free_port()
        serve = subprocess.Popen(
            [str(Path(sys.executable).with_name("passerelle")), "serve", "--endpoint",
             engine.query_url, "--update-endpoint", engine.update_url, "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            first = serve.stderr.readline()
            servers.wait(serve, servers.answers(f"http://127.0.0.1:{port}/sparql", query="ASK {}"),
                         what="passerelle serve", seconds=60)
        finally:
            serve.terminate()
            serve.wait(timeout=20)
        assert "closure is missing" in first and "passerelle rebuild-closure" in first
        rebuilt = _closure_size(engine)
        assert rebuilt > 100

        again = run_cli("rebuild-closure", "--endpoint", engine.query_url, "--update-endpoint",
                        engine.update_url, timeout=120)
        assert again.returncode == 0, again.stderr
        assert "rebuilt" in again.stdout.decode()
        assert _closure_size(engine) == rebuilt
    finally:
        engine.stop()
