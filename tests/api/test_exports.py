"""The open-data endpoints against a real server: catalogue, downloads, vocabulary, context."""

from __future__ import annotations

import hashlib
import json

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT

from passerelle.graph.rdf import formats
from tests.conftest import run_cli

SPDX = Namespace("http://spdx.org/rdf/terms#")
IANA = "https://www.iana.org/assignments/media-types/"
EXPECTED_FILES = {"passerelle-graph.ttl", "passerelle-graph.nt", "passerelle-graph.jsonld",
                  "passerelle-graph.rdf", "passerelle-cpsv-ap.ttl"}


@pytest.fixture(scope="module")
def catalogue(server) -> Graph:
    response = server.get("/catalog")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    return Graph().parse(data=response.text, format="turtle")


def distributions(catalogue: Graph) -> list[URIRef]:
    return sorted(catalogue.subjects(None, DCAT.Distribution))


def test_catalogue_lists_every_file(catalogue):
    names = {str(catalogue.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]
             for d in distributions(catalogue)}
    assert names == EXPECTED_FILES


@pytest.mark.parametrize("accept, parser", [("application/ld+json", "json-ld"),
                                             ("application/rdf+xml", "xml")])
def test_catalogue_negotiates(server, catalogue, accept, parser):
    response = server.get("/catalog", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(accept)
    assert isomorphic(Graph().parse(data=response.content, format=parser), catalogue)


def test_catalogue_refuses_what_it_cannot_give(server):
    assert server.get("/catalog", headers={"Accept": "image/png"}).status_code == 406


def test_every_distribution_downloads_and_matches(server, catalogue):
    checked = 0
    for dist in distributions(catalogue):
        url = str(catalogue.value(dist, DCAT.downloadURL))
        assert url.startswith(server.url + "/export/")
        response = server.get(url.removeprefix(server.url))
        assert response.status_code == 200, url
        media = str(catalogue.value(dist, DCAT.mediaType)).removeprefix(IANA)
        assert response.headers["content-type"].split(";")[0] == media
        fmt = formats.by_media_type(media)
        parsed = (Dataset() if fmt.dataset else Graph()).parse(data=response.content,
                                                               format=fmt.rdflib)
        assert sum(1 for _ in (parsed.quads() if fmt.dataset else parsed)) > 0
        assert int(catalogue.value(dist, DCAT.byteSize)) == len(response.content)
        checksum = catalogue.value(dist, SPDX.checksum)
        assert catalogue.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = catalogue.value(checksum, SPDX.checksumValue)
        assert str(value).lower() == hashlib.sha256(response.content).hexdigest()
        checked += 1
    assert checked == len(EXPECTED_FILES)


def test_turtle_dump_is_the_store(server, store_copy):
    """The served Turtle equals ``passerelle export`` of the same data (the server's store is a
    copy of the seeded store, as ``store_copy`` is; the server holds its own store's lock)."""
    served = server.get("/export/passerelle-graph.ttl").content
    exported = run_cli("export", "--format", "nt", "--store", str(store_copy))
    assert exported.returncode == 0, exported.stderr.decode()
    assert isomorphic(Graph().parse(data=served, format="turtle"),
                      Graph().parse(data=exported.stdout, format="nt"))


def test_cli_exports_the_profiles(store_copy):
    cpsv = run_cli("export", "--profile", "cpsv-ap", "--store", str(store_copy))
    assert cpsv.returncode == 0, cpsv.stderr.decode()
    assert "14 service(s) left out" in cpsv.stderr.decode()
    assert "cpsv:PublicService" in cpsv.stdout.decode()
    dcat = run_cli("export", "--profile", "dcat-ap", "--format", "jsonld",
                   "--store", str(store_copy))
    assert dcat.returncode == 0, dcat.stderr.decode()
    assert "http://www.w3.org/ns/dcat#Catalog" in dcat.stdout.decode()


def test_unknown_file_is_404(server):
    response = server.get("/export/secrets.txt")
    assert response.status_code == 404
    assert "passerelle-graph.ttl" in response.json()["detail"]


def test_cpsv_file_says_what_it_left_out(server):
    text = server.get("/export/passerelle-cpsv-ap.ttl").text
    assert "left out because the data names no public authority" in text
    assert "example-legal-helpline" in text


def test_ontology_html_and_turtle(server):
    page = server.get("/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "pas:Service" in page.text and "Concept schemes" in page.text
    ttl = server.get("/ontology", headers={"Accept": "text/turtle"})
    assert ttl.headers["content-type"].startswith("text/turtle")
    vocab = Graph().parse(data=ttl.text, format="turtle")
    assert (URIRef("https://w3id.org/passerelle/ontology#Service"), None, None) in vocab


def test_context_is_json_with_context(server):
    response = server.get("/context.jsonld")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["@context"]["pas"] == "https://w3id.org/passerelle/ontology#"
