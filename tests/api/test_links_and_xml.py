"""Links and files: what a page links to, and XML that every XML reader can read.

Why: an IRI or a web address in the data (or one a query builds, with no token) becomes an
``href`` on the pages; a ``javascript:`` one would run in the reader's browser when followed, so
only http, https, mailto and tel become links, and the shapes refuse other schemes in web
addresses, sources and record IRIs. The graph is published as RDF/XML and queries answer in
SPARQL XML: a property IRI with no XML name at its end, or a control character in a text, has no
XML form, so writes adding either are refused (store unchanged) and a query answer that would be
ill-formed XML is a 406 pointing to the formats that can carry it. Each case runs on the
embedded store and on an Oxigraph server behind ``--endpoint``.
"""

from __future__ import annotations

import xml.dom.minidom

import pytest

from passerelle.api.web import href_attribute, linkable
from tests.conftest import served

TOKEN = {"Authorization": "Bearer s3cret-token"}
TURTLE = {**TOKEN, "Content-Type": "text/turtle; charset=utf-8"}
UPDATE = {**TOKEN, "Content-Type": "application/sparql-update"}
GRAPH = "https://w3id.org/passerelle/graph/links-test"
PREFIXES = """@prefix pas: <https://w3id.org/passerelle/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix st: <https://w3id.org/passerelle/id/service-type/> .
@prefix orgn: <https://w3id.org/passerelle/id/organisation/> .
"""
ORG = 'orgn:links-test a pas:Organisation ; schema:name "Links test"@en '


@pytest.fixture(scope="module", params=["embedded", "oxigraph-server"])
def live(request, seeded_store, tmp_path_factory):
    env = {"PASSERELLE_API_TOKENS": "tester:s3cret-token"}
    folder = tmp_path_factory.mktemp(f"links-{request.param}")
    with served(request.param, seeded_store, folder, env) as server:
        yield server


# --- the one link rule -----------------------------------------------------------------------

@pytest.mark.parametrize("href", [
    "https://example.org/", "http://example.org/a?b#c", "HTTPS://EXAMPLE.ORG/", "mailto:a@b.org",
    "tel:+33400000000", "/id/service/x", "?format=ttl", "#main"])
def test_web_mail_phone_and_local_targets_are_links(href):
    assert linkable(href)
    assert str(href_attribute(href)).startswith(' href="')


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "\x01javascript:x",
    "java\tscript:alert(1)", "java\nscript:alert(1)", "data:text/html,<b>x</b>",
    "vbscript:msgbox(1)", "file:///etc/passwd", "urn:isbn:123", "", None])
def test_other_targets_are_text(href):
    assert not linkable(href)
    assert str(href_attribute(href)) == ""


def test_the_query_page_shows_a_javascript_iri_as_text(live):
    response = live.get("/query", params={
        "query": 'SELECT ?x WHERE { BIND (IRI("javascript:alert(1)") AS ?x) }'})
    assert response.status_code == 200, response.text[:500]
    assert "javascript:alert(1)" in response.text
    assert 'href="javascript' not in response.text.lower()
    assert "<td>javascript:alert(1)</td>" in response.text


# --- the shapes refuse other schemes; every write path leaves the store as it was -------------

REFUSED_TURTLE = {
    "homepage": ORG + "; schema:url <javascript:alert(1)> .",
    "contact url": ORG + "; schema:contactPoint [ a schema:ContactPoint ; "
                         "schema:url <javascript:alert(document.domain)> ] .",
    "source": ORG + "; dct:source <javascript:alert(1)> .",
    "service iri": '<javascript:alert(1)> a pas:Service ; schema:name "x"@en ; '
                   "pas:serviceType st:language .",
    "property without xml name": ORG + '; <http://example.org/terms/> "x" .',
    "class without xml name": ORG + ". orgn:links-test a <http://example.org/Class/> .",
    "control character": ORG + '; schema:description "tab\\tok, bell \\u0007 not"@en .',
}
RULES = {"homepage": "pash:UrlSchemeShape", "contact url": "pash:UrlSchemeShape",
         "source": "pash:SourceLinkShape", "service iri": "pash:RecordIriShape",
         "property without xml name": "XmlWritable", "class without xml name": "XmlWritable",
         "control character": "XmlWritable"}


@pytest.mark.parametrize("case", sorted(REFUSED_TURTLE))
def test_graph_store_refuses_and_changes_nothing(live, case):
    before = live.triple_count()
    response = live.request("PUT", "/store", params={"graph": GRAPH}, headers=TURTLE,
                            content=(PREFIXES + REFUSED_TURTLE[case]).encode())
    assert response.status_code == 422, response.text[:1000]
    assert RULES[case].split(":")[-1] in response.text
    assert live.triple_count() == before


@pytest.mark.parametrize("case", sorted(REFUSED_TURTLE))
def test_sparql_update_refuses_and_changes_nothing(live, case):
    before = live.triple_count()
    body = PREFIXES.replace("@prefix", "PREFIX").replace(" .\n", "\n")
    body += f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {REFUSED_TURTLE[case]} }} }}"
    response = live.post("/sparql/update", headers=UPDATE, content=body.encode())
    assert response.status_code == 422, response.text[:1000]
    assert live.triple_count() == before


@pytest.mark.parametrize("field", ["url", "contact"])
def test_json_api_refuses_a_javascript_address(live, field):
    before = live.triple_count()
    body = {"id": "links-test", "lang": "en", "name": {"en": "Links test"},
            "provider": "au-maquis", "service_types": ["language"]}
    body[field] = ("javascript:alert(1)" if field == "url"
                   else {"url": "javascript:alert(1)"})
    response = live.post("/api/services", json=body, headers=TOKEN)
    assert response.status_code in (400, 422), response.text[:1000]
    assert "javascript" in response.text or "url" in response.text
    assert live.triple_count() == before
    assert live.get("/api/services/links-test").status_code == 404


# --- XML outputs parse --------------------------------------------------------------------------

def _parses(body: bytes) -> None:
    xml.dom.minidom.parseString(body)


def test_graph_dump_and_resource_pages_are_well_formed_xml(live):
    dump = live.get("/export/passerelle-graph.rdf")
    assert dump.status_code == 200
    _parses(dump.content)
    page = live.get("/id/organisation/au-maquis", params={"format": "rdfxml"})
    assert page.status_code == 200
    _parses(page.content)


@pytest.mark.parametrize("query", [
    'SELECT ?x WHERE { BIND ("bell \\u0007" AS ?x) }',
    'SELECT ?x WHERE { BIND (CONCAT("a", "\\u0001") AS ?x) }',
])
def test_select_with_a_control_character_is_406_in_xml_and_200_in_json(live, query):
    refused = live.get("/sparql", params={"query": query},
                       headers={"Accept": "application/sparql-results+xml"})
    assert refused.status_code == 406, refused.text[:500]
    assert "application/sparql-results+json" in refused.text
    answered = live.get("/sparql", params={"query": query},
                        headers={"Accept": "application/sparql-results+json"})
    assert answered.status_code == 200
    assert answered.json()["results"]["bindings"][0]["x"]["value"].endswith(("\x07", "\x01"))


def test_construct_with_a_property_xml_cannot_name_is_406_in_rdfxml(live):
    query = 'CONSTRUCT { <http://example.org/s> <http://example.org/terms/> "x" } WHERE {}'
    refused = live.get("/sparql", params={"query": query},
                       headers={"Accept": "application/rdf+xml"})
    assert refused.status_code == 406, refused.text[:500]
    assert "text/turtle" in refused.text
    assert live.get("/sparql", params={"query": query},
                    headers={"Accept": "text/turtle"}).status_code == 200


def test_ordinary_xml_answers_still_parse(live):
    answer = live.get("/sparql", params={
        "query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200"},
        headers={"Accept": "application/sparql-results+xml"})
    assert answer.status_code == 200
    _parses(answer.content)
