"""What ``/sparql`` answers to well-behaved clients: formats, datasets, its own description.

Why: data portals and researchers' tools read the endpoint with whatever format they prefer and
discover it through its service description; caseworkers' browsers get the query page. These run
against the shared read-only server, and one in-process app over a store in memory (whose queries
run in the server process).
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from passerelle.api.app import create_app
from passerelle.graph.store.embedded import EmbeddedStore
from passerelle.settings import Settings
from tests.conftest import start_server, stop_server

SD = "http://www.w3.org/ns/sparql-service-description#"
CORE = "https://w3id.org/passerelle/graph/core"
TWO_ROWS = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g LIMIT 2"
SELECT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": None,  # lossy: pyoxigraph does not read it back
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


@pytest.mark.parametrize("accept", SELECT_FORMATS)
def test_select_answers_in_each_results_format(server, accept):
    response = server.get("/sparql", params={"query": TWO_ROWS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    if SELECT_FORMATS[accept] is None:
        assert response.text.splitlines()[0] == "g" and len(response.text.splitlines()) == 3
        return
    rows = list(ox.parse_query_results(response.content, format=SELECT_FORMATS[accept]))
    assert len(rows) == 2 and all(isinstance(r["g"], ox.NamedNode) for r in rows)


@pytest.mark.parametrize("accept", GRAPH_FORMATS)
def test_construct_answers_in_each_graph_format(server, accept):
    query = f"CONSTRUCT {{ ?s a ?type }} WHERE {{ GRAPH <{CORE}> {{ ?s a ?type }} }}"
    response = server.get("/sparql", params={"query": query}, headers={"Accept": accept})
    assert response.headers["content-type"].split(";")[0] == accept
    assert len(list(ox.parse(response.content, format=GRAPH_FORMATS[accept]))) > 10


def test_defaults_are_sparql_json_and_turtle(server):
    select = server.post("/sparql", data={"query": "SELECT (1 AS ?one) WHERE {}"})
    assert select.headers["content-type"] == "application/sparql-results+json"
    assert select.json()["results"]["bindings"][0]["one"]["value"] == "1"
    described = server.get("/sparql", params={"query": f"DESCRIBE <{CORE}>"})
    assert described.headers["content-type"].startswith("text/turtle")


def test_the_default_graph_is_the_union_unless_a_dataset_is_named(server):
    def count(query: str, **params) -> int:
        body = server.get("/sparql", params={"query": query, **params}).json()
        return int(body["results"]["bindings"][0]["n"]["value"])

    union = count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    core = count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"default-graph-uri": CORE})
    from_core = count(f"SELECT (COUNT(*) AS ?n) FROM <{CORE}> WHERE {{ ?s ?p ?o }}")
    named = count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                  **{"named-graph-uri": CORE})
    assert 0 < core == from_core == named < union


def test_relative_iris_resolve_against_the_endpoint(server):
    body = server.get("/sparql", params={"query": "SELECT (<x> AS ?iri) WHERE {}"}).json()
    assert body["results"]["bindings"][0]["iri"]["value"] == server.url + "/x"


def test_a_bad_graph_iri_is_a_400(server):
    response = server.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert response.status_code == 400 and "default-graph-uri" in response.text


def test_refusals_are_text_or_json_as_the_client_prefers(server):
    text = server.get("/sparql", params={"query": "ASK {"})
    assert text.status_code == 400 and text.headers["content-type"].startswith("text/plain")
    assert "does not parse" in text.text
    as_json = server.get("/sparql", params={"query": "ASK {"},
                         headers={"Accept": "application/sparql-results+json"})
    assert as_json.status_code == 400 and "does not parse" in as_json.json()["detail"]


def test_without_a_query_clients_get_the_service_description(server):
    response = server.get("/sparql")
    assert response.headers["content-type"].startswith("text/turtle")
    graph = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    endpoint = ox.NamedNode(server.url + "/sparql")

    def objects(predicate: str, subject=endpoint) -> set:
        return {t.object for t in graph if t.subject == subject and t.predicate.value == predicate}

    assert objects(SD + "endpoint") == {endpoint}
    assert ox.NamedNode(SD + "SPARQL11Query") in objects(SD + "supportedLanguage")
    assert ox.NamedNode(SD + "UnionDefaultGraph") in objects(SD + "feature")
    assert len(objects(SD + "resultFormat")) == 10  # 4 results and 6 graph formats
    (dataset,) = objects(SD + "defaultDataset")
    names = {t.object.value for t in graph if t.predicate.value == SD + "name"}
    assert len(objects(SD + "namedGraph", dataset)) == len(names) and CORE in names
    as_json = server.get("/sparql", headers={"Accept": "application/ld+json"})
    assert isinstance(json.loads(as_json.content), list)


def test_without_a_query_browsers_get_the_query_page(server):
    response = server.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<form" in response.text


def test_a_store_in_memory_answers_in_the_server_process():
    store = EmbeddedStore()
    store.write({CORE: [ox.Triple(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"),
                                  ox.Literal(str(i))) for i in range(30)]})
    app = create_app(store, Settings(query_max_rows=10, query_timeout_s=5))
    with TestClient(app) as client:
        rows = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert rows.status_code == 200 and rows.headers["x-passerelle-truncated"] == "true"
        assert len(rows.json()["results"]["bindings"]) == 10
        deep = client.get("/sparql", params={"query": "ASK " + "{" * 3000 + "}" * 3000})
        assert deep.status_code == 400


def test_a_write_is_seen_by_the_next_query(store_copy):
    """Workers read the store read-only, as of opening: a write must make them reopen it."""
    live = start_server(store_copy, env={"PASSERELLE_API_TOKENS": "tester:s3cret-token",
                                         "PASSERELLE_QUERY_CONCURRENCY": "1"})
    try:
        before = live.triple_count()
        written = live.post("/sparql/update", content=(
            'INSERT DATA { GRAPH <urn:passerelle:test> { <urn:a> <urn:b> "c" } }'),
            headers={"Content-Type": "application/sparql-update",
                     "Authorization": "Bearer s3cret-token"})
        assert written.status_code == 200, written.text
        assert live.triple_count() > before
        asked = live.get("/sparql", params={"query": 'ASK { <urn:a> <urn:b> "c" }'})
        assert asked.json()["boolean"] is True
    finally:
        stop_server(live)
