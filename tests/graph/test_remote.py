"""The remote store against a real Oxigraph server process: the same Store contract as the
embedded one, and large loads through the Graph Store Protocol from the command line."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph.endpoint import sandbox
from passerelle.graph.endpoint.screen import Refused, screen
from passerelle.graph.store.remote import RemoteStore, returns_graph
from passerelle.settings import Settings
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


class CountingStore(RemoteStore):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests = 0

    def update(self, sparql):
        self.requests += 1
        super().update(sparql)


def _many(graph: str, n: int) -> dict:
    return {graph: [ox.Triple(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)))
                    for i in range(n)]}


def test_a_write_of_many_batches_is_one_update_request(engine):
    """One request is one transaction on Oxigraph: a server stopped midway leaves none of it."""
    store = CountingStore(engine.query_url, engine.update_url)
    store.write(_many(EX + "big", 45_000), append=_many(EX + "audit", 3))
    assert store.requests == 1
    assert store.count() == 45_003


def test_a_write_past_the_request_size_goes_by_the_graph_store_or_in_parts(engine):
    base = engine.query_url.rsplit("/", 1)[0]
    by_store = CountingStore(engine.query_url, engine.update_url, base + "/store",
                             one_request_bytes=10_000)
    by_store.write(_many(EX + "a", 25_000))
    assert by_store.requests == 0
    in_parts = CountingStore(engine.query_url, engine.update_url, one_request_bytes=10_000)
    in_parts.write(_many(EX + "b", 25_000))
    assert in_parts.requests == 2
    assert in_parts.count() == 50_000


def test_query_form_is_read_past_comments_and_prologue():
    assert returns_graph("# a comment\nPREFIX ex: <http://e/>\nCONSTRUCT { ?s ?p ?o } WHERE {}")
    assert not returns_graph("# CONSTRUCT in a comment\nSELECT * WHERE { ?s ?p ?o }")
    assert returns_graph("PREFIX:<http://e/> BASE <http://b/> describe <x>")
    assert not returns_graph("PREFIX construct: <http://e/> SELECT * { ?s construct:p ?o }")


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


def test_the_engine_fetches_service_targets_so_the_screen_runs_before_it(engine, canary):
    """Why client queries are screened before ``--endpoint``: the engine fetches by itself."""
    store = RemoteStore(engine.query_url, engine.update_url)
    list(store.query(f"SELECT * WHERE {{ SERVICE SILENT <{canary.url}x> {{ ?s ?p ?o }} }}"))
    assert canary.hits, "the engine did not fetch; this test shows nothing"
    canary.hits.clear()
    escaped = rf"SELECT * WHERE {{ SERVICE SILENT <{canary.url}\u0078> {{ ?s ?p ?o }} }}"
    with pytest.raises(sandbox.BadQuery, match="SERVICE"):
        sandbox.execute(store, sandbox.Job(escaped, None, None, None, 10, 100))
    assert canary.hits == []


def _largest_admitted(build) -> str:
    """The largest text ``build(n)`` makes that the screen lets through at the default depth."""
    low, high = 1, 2
    while _admitted(build(high)) and high < 1 << 17:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if _admitted(build(middle)) else (low, middle)
    return build(low)


def _admitted(text: str) -> bool:
    try:
        screen(text, max_depth=Settings().query_max_depth)
    except Refused:
        return False
    return True


AT_THE_LIMIT = {
    "braces": lambda n: "SELECT * WHERE " + "{" * n + "}" * n,
    "parentheses": lambda n: "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "calls": lambda n: "SELECT (" + "STR(" * n + "1" + ")" * n + " AS ?x) {}",
    "exists": lambda n: "ASK " + "{ FILTER EXISTS " * n + "{}" + "}" * n,
    "plus": lambda n: "SELECT (" + "+".join(["1"] * n) + " AS ?x) {}",
    "not": lambda n: "SELECT (" + "!" * n + "true AS ?x) {}",
    "union": lambda n: "SELECT * WHERE { " + " UNION ".join(["{}"] * n) + " }",
    "optional": lambda n: "SELECT * WHERE { " + " ".join(["OPTIONAL {}"] * n) + " }",
    "binds": lambda n: "SELECT * { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(n)) + " }",
    "filters": lambda n: "ASK { " + " ".join(["FILTER(true)"] * n) + " }",
    "minus": lambda n: "SELECT * WHERE { " + " ".join(["MINUS {}"] * n) + " }",
    "collection": lambda n: "ASK { ?s <p> (" + " 1" * n + ") }",
    "path": lambda n: "ASK { ?s " + "|".join(["<p>"] * n) + " ?o }",
    "quoted": lambda n: "ASK { ?s <p> " + "<< ?a ?b " * n + "?c" + " >>" * n + " }",
    "triple-terms": lambda n: "ASK { ?s <p> " + "<<( ?a ?b " * n + "?c" + " )>>" * n + " }",
    "blank-nodes": lambda n: "ASK { ?s <p> " + "[ <p> " * n + "1" + " ]" * n + " }",
    "collections": lambda n: "ASK { ?s <p> " + "(" * n + "1" + ")" * n + " }",
}


def test_no_query_the_screen_lets_through_brings_the_engine_down(engine):
    """Each nesting construct and chain, as deep as the default limits allow, sent to a real
    Oxigraph server with its default stacks: the engine answers every one and lives on."""
    store = RemoteStore(engine.query_url, engine.update_url)
    for name, build in AT_THE_LIMIT.items():
        text = _largest_admitted(build)
        assert len(text) > 20, name
        try:
            store.query(text)
        except SyntaxError:
            pass  # refused by the engine's parser, which is fine: it is still there
        assert engine.process.poll() is None, f"{name} brought the engine down"
    assert store.query("ASK {}")
