"""Linked data over HTTP: every instance IRI dereferences at /id/ with content negotiation."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib import Literal, URIRef

ID = "https://w3id.org/passerelle/id/"
SCHEMA = "http://schema.org/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
AU_MAQUIS = URIRef(ID + "organisation/au-maquis")
FORMATS = {  # Accept header -> rdflib parser
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def parsed(response, parser: str) -> rdflib.Graph:
    assert response.status_code == 200, response.text
    return rdflib.Graph().parse(data=response.text, format=parser)


@pytest.mark.parametrize("accept", FORMATS)
def test_each_format_holds_the_resource_and_the_names_of_what_it_links_to(server, accept):
    response = server.get("/id/organisation/au-maquis", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(accept)
    assert "accept" in response.headers["vary"].lower()
    graph = parsed(response, FORMATS[accept])
    assert (AU_MAQUIS, URIRef(SCHEMA + "name"), Literal("Au Maquis", lang="fr")) in graph
    assert (AU_MAQUIS, URIRef(ID.replace("/id/", "/ontology#") + "region"),
            URIRef(ID + "region/FRL06")) in graph
    assert (URIRef(ID + "region/FRL06"), URIRef(SKOS + "prefLabel"),
            Literal("Vaucluse", lang="en")) in graph


def test_blank_node_objects_come_with_their_statements(server):
    graph = parsed(server.get("/id/organisation/entraide-pierre-valdo",
                              headers={"Accept": "text/turtle"}), "turtle")
    epv = URIRef(ID + "organisation/entraide-pierre-valdo")
    address = graph.value(epv, URIRef(SCHEMA + "address"))
    assert isinstance(address, rdflib.BNode)
    assert graph.value(address, URIRef(SCHEMA + "addressLocality")) == Literal("Saint-Étienne")


def test_the_derived_graph_is_not_part_of_a_description(server):
    graph = parsed(server.get("/id/region/lauris", headers={"Accept": "text/turtle"}), "turtle")
    lauris = URIRef(ID + "region/lauris")
    assert (lauris, URIRef(SKOS + "broader"), URIRef(ID + "region/FRL06")) in graph
    assert not any("broaderOrSelf" in str(p) for p in graph.predicates())


def test_no_accept_header_gives_turtle(server):
    response = server.get("/id/status/refugee", headers={"Accept": ""})
    assert response.headers["content-type"].startswith("text/turtle")
    parsed(response, "turtle")


def test_format_parameter_overrides_accept(server):
    response = server.get("/id/organisation/au-maquis", params={"format": "jsonld"},
                          headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("application/ld+json")
    assert (AU_MAQUIS, None, None) in parsed(response, "json-ld")


def test_browsers_get_html_linking_to_the_rdf_and_to_local_pages(server):
    response = server.get("/id/organisation/au-maquis", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "accept" in response.headers["vary"].lower()
    page = response.text
    assert "<h1>Au Maquis</h1>" in page
    for name in ("ttl", "jsonld"):
        assert f'href="?format={name}"' in page
    assert 'href="/id/region/FRL06"' in page
    assert ">Vaucluse</a>" in page


def test_every_local_link_on_a_page_dereferences(server):
    page = server.get("/id/event/vaucluse-roundtable-3", headers={"Accept": BROWSER}).text
    links = set(re.findall(r'href="(/id/[^"?]+)"', page))
    assert len(links) >= 8, links
    for link in sorted(links):
        assert server.get(link, headers={"Accept": BROWSER}).status_code == 200, link


def test_page_escapes_text_from_the_data(server):
    page = server.get("/id/organisation/au-maquis", headers={"Accept": BROWSER}).text
    assert "An &#34;association d&#39;éducation populaire&#34;" in page


@pytest.mark.parametrize("path", [
    "/id/organisation/no-such-organisation",
    "/id/nothing",
    "/id/organisation/au-maquis%3E%20%3Fp%20%3Fo%20%7D%20%23",
    "/id/organisation/x'%20%7D%3B%20DROP%20ALL%3B%20%23",
    "/id/organisation/..%2F..%2Fetc%2Fpasswd",
    "/id/organisation/%00",
    "/id/organisation/<script>",
    "/id/" + "a" * 500,
])
def test_unknown_or_malformed_iris_are_404(server, path):
    response = server.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404, response.text
    assert "accept" in response.headers["vary"].lower()


def test_unacceptable_media_type_is_406(server):
    response = server.get("/id/organisation/au-maquis", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "accept" in response.headers["vary"].lower()


def test_unknown_format_parameter_is_422_naming_it(server):
    response = server.get("/id/organisation/au-maquis", params={"format": "docx"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "format"]
