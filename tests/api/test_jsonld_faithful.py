"""The API's JSON-LD read by two independent processors (pyld and rdflib) gives only triples the
store holds, in the default graph, with the store's language tags; JSON answers link the context."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld as pyld

LD = {"Accept": "application/ld+json"}
ANSWERS = ["/api/services?need=employment&limit=100", "/api/services?lang=fr&limit=100",
           "/api/services/agir-vaucluse", "/api/organisations?limit=100",
           "/api/organisations/au-maquis", "/api/practices", "/api/events", "/api/statuses",
           "/api/service-types", "/api/regions/FRL06"]


def _by_pyld(document: dict) -> set[ox.Quad]:
    nquads = pyld.to_rdf(document, {"format": "application/n-quads"})
    return set(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS))


def _by_rdflib(document: bytes) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(data=document, format="json-ld")
    return dataset


def _ask(server, body: str) -> bool:
    answer = server.post("/sparql", data={"query": body},
                         headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text
    return answer.json()["boolean"]


def _components(triples) -> list[list[ox.Triple]]:
    """The triples that share blank nodes, together: each group is one pattern to match."""
    groups: list[tuple[set, list]] = []
    for triple in triples:
        blanks = {t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)}
        joined = [g for g in groups if g[0] & blanks]
        merged = (set(blanks), [triple])
        for group in joined:
            groups.remove(group)
            merged[0].update(group[0])
            merged[1].extend(group[1])
        groups.append(merged)
    return [triples for _, triples in groups]


def _held(server, triples) -> bool:
    """Every triple is in the store, blank nodes read as variables (each group of triples that
    share one is matched as a whole); the triples with no blank node are asked as one VALUES
    block, so the question stays shallow however long the answer."""
    groups = _components(triples)
    ground = sorted({t for g in groups if len(g) == 1 for t in g
                     if not isinstance(t.subject, ox.BlankNode)
                     and not isinstance(t.object, ox.BlankNode)}, key=str)
    if ground:
        rows = "\n".join(f"({t.subject} {t.predicate} {t.object})" for t in ground)
        answer = server.post("/sparql", data={"query": "SELECT (COUNT(*) AS ?n) WHERE { "
                                              f"VALUES (?s ?p ?o) {{\n{rows}\n}} ?s ?p ?o }}"},
                             headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200, answer.text
        if int(answer.json()["results"]["bindings"][0]["n"]["value"]) != len(ground):
            return False
    return all(_ask(server, "ASK {\n" + "\n".join(
        f"{t.subject} {t.predicate} {t.object} ." for t in group) + "\n}")
        for group in groups if group[0] not in ground)


@pytest.mark.parametrize("path", ANSWERS)
def test_json_ld_says_only_what_the_store_holds(server, path):
    response = server.get(path, headers=LD)
    assert response.status_code == 200, response.text
    quads = _by_pyld(response.json())
    assert len(quads) >= 3
    assert all(q.graph_name == ox.DefaultGraph() for q in quads), "an accidental named graph"
    triples = [q.triple for q in quads]
    for triple in triples:
        if not isinstance(triple.subject, ox.BlankNode) and \
                not isinstance(triple.object, ox.BlankNode):
            assert _held(server, [triple]), f"not in the store: {triple}"
    assert _held(server, triples)

    dataset = _by_rdflib(response.content)
    assert {str(g.identifier) for g in dataset.graphs() if len(g)} <= {
        str(rdflib.graph.DATASET_DEFAULT_GRAPH_ID)}, "rdflib reads a named graph"
    from_rdflib = ox.parse(dataset.default_graph.serialize(format="nt", encoding="utf-8"),
                           format=ox.RdfFormat.N_TRIPLES)
    assert {str(t) for t in from_rdflib if not any(
        isinstance(x, ox.BlankNode) for x in (t.subject, t.object))} == {
        str(t) for t in triples if not any(
            isinstance(x, ox.BlankNode) for x in (t.subject, t.object))}


def test_texts_keep_their_language(server):
    quads = _by_pyld(server.get("/api/organisations/au-maquis", headers=LD).json())
    names = {q.object for q in quads if q.predicate.value == "http://schema.org/name"}
    assert ox.Literal("Au Maquis", language="fr") in names


def test_authored_terms_are_declared_in_the_ontology(server):
    ontology = server.get("/ontology", headers={"Accept": "application/n-triples"})
    declared = {t.subject.value for t in ox.parse(ontology.content,
                                                   format=ox.RdfFormat.N_TRIPLES)}
    for path in ANSWERS:
        quads = _by_pyld(server.get(path, headers=LD).json())
        ours = {q.predicate.value for q in quads
                if q.predicate.value.startswith("https://w3id.org/passerelle/ontology#")}
        assert ours <= declared, ours - declared


def test_json_answers_link_the_context(server):
    response = server.get("/api/services?need=employment")
    assert response.headers["content-type"].startswith("application/json")
    link = response.headers["link"]
    assert "</context.jsonld>" in link and 'rel="http://www.w3.org/ns/json-ld#context"' in link
    assert server.get("/context.jsonld").json()["@context"]["name"] == "schema:name"
