"""Vocabularies are not data: scopes, concept hierarchies and nesting limits, on two backends.

Why: the ontology and the concept schemes decide what valid means, which services a search
finds and what the caseworker's form shows. An editor's token once could drop the core ontology
(networks vanished from /api/organisations), relabel "refugee" as "Anyone (no papers needed)", or
empty every graph with one ``DELETE ... WHERE { GRAPH ?g ... }``; a 90 KB chain of 1,500 concepts
held the server for minutes and made its closure over a million triples; blank nodes nested
50,000 deep held validation for minutes. Each case is sent as an attacker would send it and must
be a quick 4xx naming the problem, with the store exactly as it was: its triple count and the
content of every vocabulary graph. They run on the embedded store and behind ``--endpoint`` on an
Oxigraph server and on Virtuoso, since the checks judge a write's effect, whichever engine stores
it.
"""

from __future__ import annotations

import re

import pytest

from passerelle.graph.write.vocabulary_guard import VOCABULARY_GRAPHS
from tests.conftest import ENGINES, served

GRAPH = "https://w3id.org/passerelle/graph/"
ID = "https://w3id.org/passerelle/id/"
EDITOR = {"Authorization": "Bearer s3cret-token"}
ADMIN = {"Authorization": "Bearer adm1n-token"}
TURTLE = "text/turtle; charset=utf-8"
UPDATE = "application/sparql-update"
SKOS = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
REFUGEE = f"<{ID}status/refugee>"
BACKENDS = [e for e in ("embedded", "oxigraph-server", "virtuoso") if e in ENGINES]

POPULATE = """
import sys
from passerelle.graph.store.bundle import open_remote
open_remote(sys.argv[1], sys.argv[2], seed=True)
"""


@pytest.fixture(scope="module", params=BACKENDS)
def live(request, seeded_store, tmp_path_factory):
    env = {"PASSERELLE_API_TOKENS": "tester:s3cret-token, steward/admin:adm1n-token"}
    folder = tmp_path_factory.mktemp(f"rights-{request.param}")
    with served(request.param, seeded_store, folder, env, populate=[POPULATE]) as server:
        yield server


def vocabularies(live) -> dict[str, list[str]]:
    """Every vocabulary graph's triples, blank-node labels aside."""
    out = {}
    for graph in sorted(VOCABULARY_GRAPHS):
        response = live.get("/store", params={"graph": graph},
                            headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, (graph, response.text)
        out[graph] = sorted(re.sub(r"_:\w+", "_:b", line) for line in response.text.splitlines())
    return out


def snapshot(live) -> tuple[int, dict[str, list[str]]]:
    return live.triple_count(), vocabularies(live)


def label(live, code: str = "refugee") -> str:
    response = live.get(f"/api/statuses/{code}", params={"lang": "en"})
    assert response.status_code == 200, response.text
    return response.json()["label"]


def update(live, text: str, token: dict):
    return live.post("/sparql/update", content=text.encode(),
                     headers={**token, "Content-Type": UPDATE})


def relabel(old: str, new: str) -> str:
    return (SKOS + f'DELETE DATA {{ GRAPH <{GRAPH}statuses> {{ {REFUGEE} skos:prefLabel '
            f'"{old}"@en }} }} ; INSERT DATA {{ GRAPH <{GRAPH}statuses> {{ {REFUGEE} '
            f'skos:prefLabel "{new}"@en }} }}')


def chain(count: int) -> str:
    """``count`` concepts, each narrower than the one before, as N-Triples (also Turtle and
    the body of INSERT DATA): the closure would be count²/2 triples."""
    concept = "<http://www.w3.org/2004/02/skos/core#Concept>"
    broader = "<http://www.w3.org/2004/02/skos/core#broader>"
    kind = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    lines = []
    for i in range(count):
        node = f"<http://example.org/chain/{i}>"
        lines.append(f"{node} {kind} {concept} .")
        if i:
            lines.append(f"{node} {broader} <http://example.org/chain/{i - 1}> .")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    inner = "[ <http://example.org/p> " * depth + '"x"' + " ]" * depth
    return f"<http://example.org/s> <http://example.org/p> {inner} .\n"


EDITOR_CASES = {
    "drop-core-ontology": ("POST", "/sparql/update", {}, UPDATE, f"DROP GRAPH <{GRAPH}core>"),
    "drop-alignments": ("POST", "/sparql/update", {}, UPDATE,
                        f"DROP SILENT GRAPH <{GRAPH}alignments>"),
    "relabel-refugee": ("POST", "/sparql/update", {}, UPDATE,
                        relabel("refugee", "Anyone (no papers needed)")),
    "relabel-refugee-from-a-record-graph": (
        "POST", "/sparql/update", {}, UPDATE,
        SKOS + f'INSERT DATA {{ GRAPH <http://example.org/x> {{ {REFUGEE} skos:prefLabel '
               '"Anyone (no papers needed)"@en } }'),
    "relabel-refugee-in-the-default-graph": (
        "POST", "/sparql/update", {}, UPDATE,
        SKOS + f'INSERT DATA {{ {REFUGEE} skos:altLabel "Anyone"@en }}'),
    "gsp-delete-core": ("DELETE", "/store", {"graph": GRAPH + "core"}, None, ""),
    "gsp-put-statuses": ("PUT", "/store", {"graph": GRAPH + "statuses"}, TURTLE,
                         f'{REFUGEE} <http://www.w3.org/2004/02/skos/core#prefLabel> "x"@en .'),
    "gsp-post-alignments": ("POST", "/store", {"graph": GRAPH + "alignments"}, TURTLE,
                            "<http://example.org/a> <http://example.org/b> 'c' ."),
    "concepts-in-a-record-graph": (
        "PUT", "/store", {"graph": "http://example.org/needs"}, TURTLE,
        SKOS.replace("PREFIX", "@prefix").rstrip() + " .\n<http://example.org/need> a "
        f"skos:Concept ; skos:broader <{ID}service-type/health> ."),
    "broader-in-a-record-graph": (
        "POST", "/sparql/update", {}, UPDATE,
        SKOS + f"INSERT DATA {{ GRAPH <http://example.org/x> {{ <http://example.org/y> "
               f"skos:broader {REFUGEE} }} }}"),
}


@pytest.mark.parametrize("case", EDITOR_CASES)
def test_an_editor_cannot_change_a_vocabulary(live, case):
    method, path, params, media, body = EDITOR_CASES[case]
    before = snapshot(live)
    headers = {**EDITOR, **({"Content-Type": media} if media else {})}
    response = live.request(method, path, params=params, content=body.encode(), headers=headers)
    assert response.status_code == 403, response.text
    assert "admin scope" in response.json()["detail"]
    assert snapshot(live) == before
    assert label(live) == "refugee"


@pytest.mark.parametrize("token", ["editor", "admin"])
def test_deleting_every_graph_through_a_variable_is_refused(live, token):
    before = snapshot(live)
    everything = update(live, "DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { GRAPH ?g { ?s ?p ?o } }",
                        EDITOR if token == "editor" else ADMIN)
    assert everything.status_code in (400, 403, 422), everything.text
    data = update(live, f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                        f"FILTER (?g NOT IN (<{GRAPH}inferred>, <{GRAPH}audit>)) }}",
                  EDITOR if token == "editor" else ADMIN)
    assert data.status_code == (403 if token == "editor" else 422), data.text
    assert ("admin scope" if token == "editor" else "would empty the vocabulary graph") \
        in data.json()["detail"]
    assert snapshot(live) == before
    organisations = live.get("/api/organisations", params={"limit": 100}).json()
    assert organisations["total"] > 0


@pytest.mark.parametrize("method, path, params, body", [
    ("POST", "/sparql/update", {}, f"DROP GRAPH <{GRAPH}core>"),
    ("POST", "/sparql/update", {}, f"CLEAR GRAPH <{GRAPH}statuses>"),
    ("DELETE", "/store", {"graph": GRAPH + "alignments"}, ""),
    ("PUT", "/store", {"graph": GRAPH + "statuses"}, ""),
])
def test_not_even_an_admin_empties_a_vocabulary(live, method, path, params, body):
    before = snapshot(live)
    media = UPDATE if path == "/sparql/update" else TURTLE
    response = live.request(method, path, params=params, content=body.encode(),
                            headers={**ADMIN, "Content-Type": media})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert "would empty the vocabulary graph" in detail and "whole new content" in detail
    assert snapshot(live) == before


def test_an_admin_may_change_a_label(live):
    before = vocabularies(live)
    changed = update(live, relabel("refugee", "refugee (recognised)"), ADMIN)
    assert changed.status_code == 200, changed.text
    assert changed.json()["graphs"] == [GRAPH + "statuses"]
    assert label(live) == "refugee (recognised)"
    last = live.get("/api/changes").json()["items"][-1]
    assert (last["author"], last["graphs"]) == ("admin", [GRAPH + "statuses"])
    assert update(live, relabel("refugee (recognised)", "refugee"), ADMIN).status_code == 200
    assert label(live) == "refugee"
    assert vocabularies(live) == before


@pytest.mark.parametrize("token, status, message", [
    (EDITOR, 403, "admin scope"),
    (ADMIN, 422, "more than 32 broader concepts"),
])
def test_a_concept_chain_of_1500_is_refused(live, token, status, message):
    body = chain(1500)
    before = snapshot(live)
    response = live.request("PUT", "/store", params={"graph": "http://example.org/chain"},
                            content=body.encode(), headers={**token, "Content-Type": TURTLE})
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    as_update = update(live, f"INSERT DATA {{ GRAPH <http://example.org/chain> {{ {body} }} }}",
                       token)
    assert as_update.status_code == status, as_update.text
    assert snapshot(live) == before


def test_a_shallow_hierarchy_from_an_admin_gets_its_closure_and_loses_it(live):
    closure = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://w3id.org/passerelle/graph/"
               "inferred> { ?c <https://w3id.org/passerelle/ontology#broaderOrSelf> ?a } }")

    def rows() -> int:
        answer = live.get("/sparql", params={"query": closure},
                          headers={"Accept": "application/sparql-results+json"}).json()
        return int(answer["results"]["bindings"][0]["n"]["value"])

    before, count = rows(), 10
    response = live.request("PUT", "/store", params={"graph": "http://example.org/shallow"},
                            content=chain(count).encode(),
                            headers={**ADMIN, "Content-Type": TURTLE})
    assert response.status_code == 201, response.text
    assert rows() == before + count * (count + 1) // 2
    deepest = live.get("/sparql", params={"query": (
        "SELECT ?a WHERE { <http://example.org/chain/9> "
        "<https://w3id.org/passerelle/ontology#broaderOrSelf> ?a }")},
        headers={"Accept": "application/sparql-results+json"}).json()
    assert len(deepest["results"]["bindings"]) == count
    dropped = live.request("DELETE", "/store", params={"graph": "http://example.org/shallow"},
                           headers=ADMIN)
    assert dropped.status_code == 204, dropped.text
    assert rows() == before


@pytest.mark.parametrize(("depth", "status", "reason"), [
    (50, 422, "nested more than 16 deep"),  # parses, then the write's blank-node limit
    (50_000, 400, "nested deeper than 100 levels"),  # refused before any parser sees it
])
@pytest.mark.parametrize("token", ["editor", "admin"])
def test_blank_nodes_nested_deep_are_refused(live, token, depth, status, reason):
    before = snapshot(live)
    response = live.request("PUT", "/store", params={"graph": "http://example.org/nested"},
                            content=nested(depth).encode(),
                            headers={**(EDITOR if token == "editor" else ADMIN),
                                     "Content-Type": TURTLE})
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]
    assert snapshot(live) == before


def test_an_admin_replaces_a_vocabulary_with_its_whole_new_content(live):
    before = vocabularies(live)
    graph = {"graph": GRAPH + "statuses"}
    old = live.get("/store", params=graph, headers={"Accept": "application/n-triples"}).text
    new = old.replace('"refugee"@en', '"refugee (Geneva Convention)"@en')
    assert new != old
    for body in (new, old):
        response = live.request("PUT", "/store", params=graph, content=body.encode(),
                                headers={**ADMIN, "Content-Type": "application/n-triples"})
        assert response.status_code in (200, 204), response.text
        assert label(live) == ("refugee (Geneva Convention)" if body is new else "refugee")
    assert vocabularies(live) == before
