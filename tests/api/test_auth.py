"""API tokens: the one format, secrets as configured, scopes, and what the public sees of them.

Why: a token's name is the operator's and may name a person, so it is never published; the
audit graph and ``/api/changes`` show a public name instead, and the audit graph can be kept out
of the dumps. A secret read wrongly (split at a colon, a stray space kept) would lock a steward
out or let a fragment of a secret through; a malformed entry must stop the server at start, not
silently become a differently named token.
"""

from __future__ import annotations

import json

import pytest
import rdflib

from passerelle.errors import PasserelleError
from passerelle.settings import ApiToken, Settings, parse_tokens
from tests.conftest import run_cli, served
from tests.servers import free_port

TURTLE = "text/turtle; charset=utf-8"
TRIPLE = b"<http://example.org/a> <http://example.org/b> <http://example.org/c> ."


def test_name_scope_and_secret_split_at_the_first_colon_and_trimmed():
    assert parse_tokens(" alice : s3cret , vocabteam/admin : adm:in:colons \n bob:x ",
                        "vocabteam=Vocabulary team") == [
        ApiToken("alice", b"s3cret", "editor", "editor"),
        ApiToken("vocabteam", b"adm:in:colons", "admin", "Vocabulary team"),
        ApiToken("bob", b"x", "editor", "editor")]
    assert parse_tokens("") == []
    assert parse_tokens(" , ,\n") == []


@pytest.mark.parametrize("configured, named", [
    ("ZQ9-bare", "entry 1 has no name"),
    ("alice:ZQ9a, ZQ9-bare", "entry 2 has no name"),
    (":ZQ9", "entry 1 has no name"),
    ("my token:ZQ9", "entry 1 has no name"),
    ("alice:", "'alice' has an empty secret"),
    ("alice:   ", "'alice' has an empty secret"),
    ("alice/root:ZQ9", "unknown scope 'root'"),
    ("alice:ZQ9a, alice:ZQ9b", "'alice' is given twice"),
    ("alice:ZQ9, bob:ZQ9", "'bob' has the same secret"),
])
def test_malformed_tokens_are_refused_without_echoing_secrets(configured, named):
    with pytest.raises(PasserelleError) as refused:
        Settings(api_tokens=configured)
    message = str(refused.value)
    assert named in message and "NAME:SECRET" in message
    assert "ZQ9" not in message


def test_public_names_must_name_configured_tokens():
    with pytest.raises(PasserelleError, match="names tokens that do not exist: carol"):
        Settings(api_tokens="alice:s1", audit_names="carol=Someone")
    with pytest.raises(PasserelleError, match="entry 1 is not NAME=Public name"):
        Settings(api_tokens="alice:s1", audit_names="alice")


def test_server_does_not_start_with_a_bare_secret(tmp_path):
    result = run_cli("serve", "--store", str(tmp_path / "store"), "--port", str(free_port()),
                     env={"PASSERELLE_API_TOKENS": "tester:s1, unnamed-s3cret"}, timeout=60)
    assert result.returncode == 2
    error = result.stderr.decode()
    assert "PASSERELLE_API_TOKENS: entry 2 has no name" in error, error
    assert "unnamed-s3cret" not in error and "Traceback" not in error
    assert not (tmp_path / "store").exists(), "refused before the store was opened"


@pytest.fixture(scope="module")
def live(seeded_store, tmp_path_factory):
    with served("embedded", seeded_store, tmp_path_factory.mktemp("auth"), {
            "PASSERELLE_API_TOKENS": " alice : s3cret ,\n vocabteam/admin : adm:in:colons ",
            "PASSERELLE_AUDIT_NAMES": "vocabteam=Vocabulary team",
            "PASSERELLE_PUBLISH_AUDIT": "false"}) as server:
        yield server


def _put(live, graph: str, secret: str):
    return live.request("PUT", "/store", params={"graph": graph}, content=TRIPLE,
                        headers={"Authorization": f"Bearer {secret}", "Content-Type": TURTLE})


@pytest.mark.parametrize("presented, status", [
    ("s3cret", 201),
    ("adm:in:colons", 201),
    ("  s3cret", 201),
    ("alice:s3cret", 401),
    ("alice : s3cret", 401),
    ("in:colons", 401),
    ("adm", 401),
    ("s3cret-not", 401),
])
def test_secrets_match_exactly_as_configured_after_trimming(live, presented, status):
    before = live.triple_count()
    graph = f"http://example.org/presented-{abs(hash(presented))}"
    response = _put(live, graph, presented)
    assert response.status_code == status, response.text
    if status == 401:
        assert response.json()["detail"] == "the API token is not valid"
        assert live.triple_count() == before


def test_audit_and_changes_show_public_names_never_token_names(live):
    assert _put(live, "http://example.org/named-1", "s3cret").status_code == 201
    assert _put(live, "http://example.org/named-2", "adm:in:colons").status_code == 201
    changes = live.get("/api/changes").json()["items"]
    authors = {c["graphs"][0]: c["author"] for c in changes if c["graphs"]}
    assert authors["http://example.org/named-1"] == "editor"
    assert authors["http://example.org/named-2"] == "Vocabulary team"
    audit = live.get("/store", params={"graph": "https://w3id.org/passerelle/graph/audit"},
                     headers={"Accept": "application/n-triples"}).text
    for private in ("alice", "vocabteam", "s3cret", "adm:in"):
        assert private not in json.dumps(changes) and private not in audit


def test_audit_graph_is_kept_out_of_the_dumps_and_their_sizes(live):
    assert _put(live, "http://example.org/dumped", "s3cret").status_code == 201
    assert live.get("/api/changes").json()["items"], "the audit itself is still kept"
    ntriples = live.get("/export/passerelle-graph.nt")
    assert ntriples.status_code == 200
    assert b"<http://example.org/a>" in ntriples.content, "the dump is current"
    assert b"/id/change/" not in ntriples.content
    assert b"/agent/steward/" not in ntriples.content
    jsonld = live.get("/export/passerelle-graph.jsonld").content
    assert b"graph/audit" not in jsonld and b"/id/change/" not in jsonld
    catalogue = rdflib.Graph().parse(data=live.get("/catalog").text, format="turtle")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    sizes = {str(url).rsplit("/", 1)[-1]: int(size) for node, url in
             catalogue.subject_objects(dcat.downloadURL)
             for size in catalogue.objects(node, dcat.byteSize)}
    assert sizes["passerelle-graph.nt"] == len(ntriples.content)
