"""The ontology negotiated like every resource, its version IRIs, and the w3id redirects that make
its IRIs resolve, read rule by rule as Apache's mod_rewrite applies them."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from tests.conftest import ROOT

OWL_API = ("application/rdf+xml, application/xml;q=0.7, text/xml;q=0.6, text/plain;q=0.1, "
           "*/*;q=0.09")
FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/rdf+xml": ox.RdfFormat.RDF_XML,
           "application/ld+json": ox.RdfFormat.JSON_LD,
           "application/n-triples": ox.RdfFormat.N_TRIPLES}
CORE = "https://w3id.org/passerelle/ontology"
SERVICE = ox.NamedNode("https://w3id.org/passerelle/ontology#Service")
OWL_CLASS = ox.NamedNode("http://www.w3.org/2002/07/owl#Class")
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
HTACCESS = ROOT / "deploy" / "w3id" / ".htaccess"
HOST = "https://passerelle.example.org"


def _triples(response, fmt) -> set[ox.Triple]:
    return {q.triple for q in ox.parse(response.content, format=fmt)}


@pytest.mark.parametrize("accept", FORMATS)
def test_ontology_in_each_rdf_format(server, accept):
    response = server.get("/ontology", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    assert ox.Triple(SERVICE, RDF_TYPE, OWL_CLASS) in _triples(response, FORMATS[accept])


def test_all_formats_say_the_same(server):
    sets = [_triples(server.get("/ontology", headers={"Accept": a}), f)
            for a, f in FORMATS.items()]
    counts = {len(s) for s in sets}
    assert len(counts) == 1 and counts.pop() > 500
    ground = [{t for t in s if not isinstance(t.subject, ox.BlankNode)
               and not isinstance(t.object, ox.BlankNode)} for s in sets]
    assert all(g == ground[0] for g in ground)


def test_browsers_get_html_and_owl_tools_get_rdf(server):
    browser = server.get("/ontology", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert browser.headers["content-type"].startswith("text/html")
    tool = server.get("/ontology", headers={"Accept": OWL_API})
    assert tool.headers["content-type"].startswith("application/rdf+xml")
    assert ox.Triple(SERVICE, RDF_TYPE, OWL_CLASS) in _triples(tool, ox.RdfFormat.RDF_XML)
    assert server.get("/ontology", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("name", ["html", "ttl", "rdfxml", "jsonld", "nt"])
def test_format_parameter_overrides_accept(server, name):
    response = server.get("/ontology", params={"format": name}, headers={"Accept": OWL_API})
    assert response.status_code == 200
    assert ("text/html" in response.headers["content-type"]) == (name == "html")


def test_version_iri_resolves_to_its_module(server):
    response = server.get("/ontology/0.1.0/core", headers={"Accept": OWL_API})
    assert response.status_code == 200
    triples = _triples(response, ox.RdfFormat.RDF_XML)
    assert ox.Triple(ox.NamedNode(CORE), ox.NamedNode("http://www.w3.org/2002/07/owl#versionIRI"),
                     ox.NamedNode(CORE + "/0.1.0/core")) in triples
    statuses = _triples(server.get("/ontology/0.1.0/statuses", headers={"Accept": "text/turtle"}),
                        ox.RdfFormat.TURTLE)
    assert SERVICE not in {t.subject for t in statuses}
    missing = server.get("/ontology/9.9.9/core")
    assert missing.status_code == 404 and "0.1.0/core" in missing.json()["detail"]


def _rewrite(path: str) -> tuple[str, int]:
    """Where the .htaccess sends ``path`` (after ``/passerelle/``): its first matching rule,
    as mod_rewrite's per-directory matching does."""
    for line in HTACCESS.read_text().splitlines():
        rule = re.match(r"RewriteRule\s+(\S+)\s+(\S+)\s+\[R=(\d+),L\]$", line.strip())
        if rule and (found := re.match(rule[1], path)):
            return found.expand(rule[2].replace("$", "\\")), int(rule[3])
    raise AssertionError(f"no rule for {path}")


@pytest.mark.parametrize("iri, target", [
    ("ontology#Service", "/ontology"), ("ontology", "/ontology"),
    ("ontology/0.1.0/core", "/ontology/0.1.0/core"),
    ("id/organisation/au-maquis", "/id/organisation/au-maquis"),
    ("context.jsonld", "/context.jsonld"),
])
def test_w3id_redirects_reach_the_server(server, iri, target):
    location, status = _rewrite(iri.split("#")[0])
    assert status in (302, 303)
    assert location == HOST + target
    answer = server.get(target, headers={"Accept": OWL_API if "ontology" in iri
                                         else "text/turtle"})
    assert answer.status_code == 200
