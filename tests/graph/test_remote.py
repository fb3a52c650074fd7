"""The remote store against a real Oxigraph server process: the same Store contract as the
embedded one, and large loads through the Graph Store Protocol from the command line."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph.remote import RemoteStore, returns_graph
from tests.conftest import run_cli
from tests.engines import start_oxigraph_server

EX = "https://example.org/"


@pytest.fixture
def engine(tmp_path):
    running = start_oxigraph_server(tmp_path)
    yield running
    running.stop()


def test_store_contract(engine):
    store = RemoteStore(engine.query_url, engine.update_url)
    triples = [ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal(f"v{i}"))
               for i in range(3)]
    store.write({EX + "g1": triples})
    store.write({EX + "g2": triples[:1]})
    assert store.graphs() == {EX + "g1", EX + "g2"}
    assert store.count() == 4
    store.write({EX + "g1": triples[:2]}, replace=True)
    assert store.count() == 3
    assert {q.graph_name.value for q in store.quads(EX + "g2")} == {EX + "g2"}
    rows = store.select(f"SELECT ?o WHERE {{ GRAPH <{EX}g1> {{ ?s ?p ?o }} }} ORDER BY ?o")
    assert [r["o"].value for r in rows] == ["v0", "v1"]
    graph = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{EX}g2> {{ ?s ?p ?o }} }}")
    assert len(list(graph)) == 1
    with pytest.raises(SyntaxError):
        store.query("SELEKT nothing")


def test_query_form_is_read_past_comments_and_prologue():
    assert returns_graph("# a comment\nPREFIX ex: <http://e/>\nCONSTRUCT { ?s ?p ?o } WHERE {}")
    assert not returns_graph("# CONSTRUCT in a comment\nSELECT * WHERE { ?s ?p ?o }")


def test_cli_loads_a_large_file_through_the_graph_store_endpoint(engine, tmp_path):
    big = tmp_path / "big.nt"
    big.write_text("".join(f"<{EX}s{i}> <{EX}p> \"{i}\" .\n" for i in range(30_000)))
    base = engine.query_url.rsplit("/", 1)[0]
    result = run_cli("load", str(big), "--no-validate", "--graph", EX + "big",
                     "--endpoint", engine.query_url, "--update-endpoint", engine.update_url,
                     "--store-endpoint", base + "/store")
    assert result.returncode == 0, result.stderr.decode()
    count = run_cli("query", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{EX}big> {{ ?s ?p ?o }} }}",
                    "--format", "csv", "--endpoint", engine.query_url)
    assert count.stdout.decode().split() == ["n", "30000"]
