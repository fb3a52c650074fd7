"""Hostile writes and hostile input over HTTP: every one answered with a clear 4xx, never a 500,
a reset or a dead process, and the store left exactly as it was.

Why: a body nested a few thousand levels deep crashed the whole server (pyoxigraph parses
JSON-LD and triple terms by recursion), a 649-byte RDF/XML body expanded to a 30 MB literal, a
long literal held the write lock for minutes, and odd dates, numbers or Host headers got 500s,
resets or a redirect to any host. Each case runs on the embedded store and behind an Oxigraph
server, and counts the store's triples before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.api.hostile import refused
from tests.conftest import ENGINES

TOKEN = {"Authorization": "Bearer s3cret-token"}
LIMIT = 1024 * 1024
"""The default longest literal (PASSERELLE_WRITE_MAX_LITERAL)."""
SERVICE = "https://w3id.org/passerelle/id/service/"
GRAPH = "/store?graph=http://example.org/hostile"
BACKENDS = [e for e in ENGINES if e in ("embedded", "oxigraph-server")]


def deep_jsonld_objects(n: int) -> bytes:
    return ('{"@id": "http://example.org/a", "http://example.org/p": '
            + '{"http://example.org/p": ' * n + '1' + '}' * n + '}').encode()


def deep_jsonld_arrays(n: int) -> bytes:
    return ('{"@id": "http://example.org/a", "http://example.org/p": '
            + '[' * n + '1' + ']' * n + '}').encode()


def deep_triple_terms(n: int, *, newline: bool = False) -> bytes:
    triple = "<http://example.org/a> <http://example.org/p> "
    return (triple + f"<<( {triple}" * n + "<http://example.org/c>" + " )>>" * n
            + " .\n").encode()


def deep(opening: str, closing: str, n: int) -> bytes:
    return ("@prefix ex: <http://example.org/> .\n# a comment ((((\nex:a ex:p \"[[[[\" .\n"
            + "ex:a ex:p " + opening * n + " 1 " + closing * n + " .\n").encode()


ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:schema="http://schema.org/">
 <rdf:Description rdf:about="http://example.org/a"><schema:description>&d;</schema:description>
 </rdf:Description>
</rdf:RDF>
"""


def long_service(size: int) -> dict:
    return {"id": "long-description", "lang": "en", "name": {"en": "Long"},
            "description": {"en": "x" * size}, "provider": "au-maquis",
            "service_types": ["language"], "eligibility": {"state": "open-to-all"},
            "areas": ["lauris"], "languages": ["fr"], "cost": "free"}


@dataclass
class Hostile:
    name: str
    method: str
    path: str
    status: int
    names: tuple[str, ...]
    content: bytes | None = None
    json: object = None
    ctype: str | None = None
    headers: dict = field(default_factory=lambda: dict(TOKEN))
    files: dict | None = None

    def send(self, server):
        headers = dict(self.headers)
        if self.ctype:
            headers["Content-Type"] = self.ctype
        return server.request(self.method, self.path, content=self.content, json=self.json,
                              headers=headers, files=self.files)


HOSTILE = [
    Hostile("jsonld-objects-5000-deep", "PUT", GRAPH, 400, ("line 1", "nested deeper than 100"),
            deep_jsonld_objects(5000), ctype="application/ld+json"),
    Hostile("jsonld-arrays-100000-deep", "POST", GRAPH, 400, ("nested deeper",),
            deep_jsonld_arrays(100_000), ctype="application/ld+json"),
    Hostile("turtle-triple-terms-50000-deep", "PUT", GRAPH, 400, ("line 1", "nested deeper"),
            deep_triple_terms(50_000), ctype="text/turtle"),
    Hostile("ntriples-triple-terms-50000-deep", "PUT", GRAPH, 400, ("nested deeper",),
            deep_triple_terms(50_000), ctype="application/n-triples"),
    Hostile("turtle-blank-nodes-50000-deep", "POST", GRAPH, 400, ("line 4", "nested deeper"),
            deep("[ ex:p ", "]", 50_000), ctype="text/turtle"),
    Hostile("turtle-collections-50000-deep", "PUT", GRAPH, 400, ("line 4", "nested deeper"),
            deep("(", ")", 50_000), ctype="text/turtle"),
    Hostile("multipart-part-nested", "POST", GRAPH, 400, ("nested deeper",),
            files={"part": ("deep.jsonld", deep_jsonld_objects(5000), "application/ld+json")}),
    Hostile("rdfxml-internal-entities", "PUT", GRAPH, 400, ("line 2", "<!DOCTYPE>"),
            ENTITIES, ctype="application/rdf+xml"),
    Hostile("turtle-triple-term", "PUT", GRAPH, 400, ("triple term",),
            b"<http://example.org/a> <http://example.org/p> << <http://example.org/a> "
            b"<http://example.org/p> 1 >> .", ctype="text/turtle"),
    Hostile("turtle-literal-over-limit", "PUT", GRAPH, 413,
            ("http://example.org/a", "http://schema.org/description", "1,048,577"),
            b'<http://example.org/a> <http://schema.org/description> "'
            + b"x" * (LIMIT + 1) + b'" .', ctype="text/turtle"),
    Hostile("json-literal-over-limit", "PUT", "/api/services/long-description", 413,
            (SERVICE + "long-description", "http://schema.org/description", "limit"),
            json=long_service(LIMIT + 1)),
    Hostile("update-literal-over-limit", "POST", "/sparql/update", 413,
            ("http://example.org/a", "http://example.org/p"),
            b'INSERT DATA { GRAPH <http://example.org/hostile> { <http://example.org/a> '
            b'<http://example.org/p> "' + b"x" * (LIMIT + 1) + b'" } }',
            ctype="application/sparql-update"),
    Hostile("json-100000-nested-arrays", "POST", "/api/services", 400,
            ("line 1", "nested deeper than 100"), b"[" * 100_000 + b"]" * 100_000,
            ctype="application/json"),
    Hostile("json-5000-digit-integer", "POST", "/api/services", 400,
            ("line 1", "number of 5000 characters"), b'{"id": ' + b"7" * 5000 + b"}",
            ctype="application/json"),
    Hostile("json-nan", "POST", "/api/services", 400, ("NaN",), b'{"id": "x", "age": NaN}',
            ctype="application/json"),
    Hostile("json-lone-surrogate", "POST", "/api/organisations", 400, ("surrogate", "ud800"),
            b'{"\\ud800": 1}', ctype="application/json"),
    Hostile("json-null-record", "POST", "/api/services", 422, ("send a json object",),
            b"null", ctype="application/json"),
]


def test_catalogue_size():
    assert len(HOSTILE) == 17
    assert len({h.name for h in HOSTILE}) == len(HOSTILE)


@pytest.mark.parametrize("server", BACKENDS, indirect=True, scope="session")
@pytest.mark.parametrize("hostile", HOSTILE, ids=[h.name for h in HOSTILE])
def test_hostile_write_is_refused_and_changes_nothing(server, hostile):
    before = server.triple_count()
    refused(server, hostile)
    assert server.triple_count() == before
    assert server.get("/healthz").status_code == 200


@pytest.mark.parametrize("server", BACKENDS, indirect=True, scope="session")
def test_changes_since_the_first_and_last_moments(server):
    first = server.get("/api/changes", params={"since": "0001-01-01T00:00:00+01:00"})
    assert first.status_code == 200, first.text
    assert first.json()["items"] == server.get("/api/changes").json()["items"]
    last = server.get("/api/changes", params={"since": "9999-12-31T23:59:59-01:00"})
    assert last.status_code == 200, last.text
    assert last.json()["items"] == []


@pytest.mark.parametrize("server", BACKENDS, indirect=True, scope="session")
@pytest.mark.parametrize("path", ["/store/", "/sparql/?query=ASK%7B%7D", "/docs/"])
def test_redirects_never_name_the_host_header(server, path):
    response = server.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert 300 <= response.status_code < 400, response.status_code
    location = response.headers["location"]
    assert "evil.example" not in location and location.startswith("/") \
        and not location.startswith("//"), location
