"""What every client expects of the HTTP layer, against a real server: HEAD wherever GET is,
CORS on the read-only surface and never on writes, security headers on every page, Swagger and
ReDoc from local assets, a favicon, and CONSTRUCT in the dataset formats."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

READ_PATHS = ["/sparql?query=ASK%7B%7D", "/api/services?need=employment", "/api/regions",
              "/id/organisation/au-maquis", "/catalog", "/export/passerelle-graph.ttl",
              "/ontology", "/context.jsonld"]
PAGES = ["/", "/query", "/id/organisation/au-maquis", "/ontology", "/docs", "/redoc"]
ORIGIN = {"Origin": "https://editor.example"}
CONSTRUCT = ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { "
             "?s a <https://w3id.org/passerelle/ontology#Organisation> ; ?p ?o } }")


@pytest.mark.parametrize("path", [*READ_PATHS, "/", "/query", "/healthz", "/docs"])
def test_head_answers_what_get_would_without_a_body(server, path):
    get = server.get(path)
    head = server.request("HEAD", path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_head_of_an_unknown_resource_is_a_404(server):
    assert server.request("HEAD", "/id/organisation/nobody-here").status_code == 404


@pytest.mark.parametrize("path", READ_PATHS)
def test_read_surface_allows_any_origin_without_credentials(server, path):
    response = server.get(path, headers=ORIGIN)
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers
    preflight = server.request("OPTIONS", path, headers={
        **ORIGIN, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "accept"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]


def test_a_browser_editor_can_post_a_query(server):
    preflight = server.request("OPTIONS", "/sparql", headers={
        **ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    answer = server.post("/sparql", content="ASK {}", headers={
        **ORIGIN, "Content-Type": "application/sparql-query",
        "Accept": "application/sparql-results+json"})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("method, path", [
    ("POST", "/sparql/update"), ("PUT", "/store?graph=https://example.org/g"),
    ("POST", "/store?graph=https://example.org/g"), ("DELETE", "/store?graph=https://example.org/g"),
    ("POST", "/api/services"), ("PUT", "/api/services/x"), ("DELETE", "/api/organisations/x"),
])
def test_writes_get_no_cors(server, method, path):
    before = server.triple_count()
    preflight = server.request("OPTIONS", path, headers={
        **ORIGIN, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-methods" not in preflight.headers
    write = server.request(method, path, headers={**ORIGIN, "Authorization": "Bearer wrong"},
                           content=b"")
    assert write.status_code in (401, 403)
    assert "access-control-allow-origin" not in write.headers
    assert server.triple_count() == before


def test_search_page_is_not_shared_across_origins(server):
    assert "access-control-allow-origin" not in server.get("/", headers=ORIGIN).headers


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_page(server, path):
    response = server.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert re.search(r"script-src 'self'(;|$)", policy)
    assert "unsafe-eval" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/query", "/id/organisation/au-maquis"])
def test_pages_have_no_inline_script_or_style(server, path):
    html = server.get(path).text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html
    assert not re.search(r"\sstyle=|\son[a-z]+=", html)


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_only_local_assets(server, path):
    html = server.get(path).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    for source in sources:
        assert server.get(source).status_code == 200, source


def test_favicon(server):
    response = server.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")


@pytest.mark.parametrize("accept, fmt", [("application/n-quads", ox.RdfFormat.N_QUADS),
                                         ("application/trig", ox.RdfFormat.TRIG)])
def test_construct_in_dataset_formats(server, accept, fmt):
    response = server.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(accept)
    quads = list(ox.parse(response.content, format=fmt))
    assert len(quads) > 20
    assert all(q.graph_name == ox.DefaultGraph() for q in quads)
