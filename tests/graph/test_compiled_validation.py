"""The store's SPARQL checks (``validation.compiled``) find what pySHACL, the reference, finds.

Both run on the same batches of the same changes (``incremental.check`` with each engine): every
valid and invalid example written onto a store holding the seed, the whole seed checked at once,
and randomly broken copies of the seed's graphs (a required property dropped, a value of the wrong
datatype, out of range, an unknown or wrong code, a second value where one is allowed...). A
finding is compared by its node, path, shape, message and severity, and by its value unless that
is a literal (Oxigraph writes numbers in their canonical form: "95.0" comes back "95").
A shape the compiler cannot handle is left to pySHACL, which the last tests show.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from passerelle.graph.rdf.formats import rdflib_graph
from passerelle.graph.rdf.namespaces import (
    ID,
    INFERRED_GRAPH,
    PAS,
    RDF_TYPE,
    SCHEMA,
    XSD,
    graph_iri,
)
from passerelle.graph.store.bundle import open_store, seed_files
from passerelle.graph.validation import compiled, incremental
from passerelle.graph.validation.gate import _checked_shapes, load_class_axioms, validate
from passerelle.graph.validation.incremental import Change, check
from passerelle.graph.write.loader import ValidationFailed, parse_files, write
from tests.conftest import DATA

EXAMPLES = sorted([*(DATA / "invalid").glob("*.ttl"), *(DATA / "valid").glob("*.ttl")])
PASH = "https://w3id.org/passerelle/shapes#"


@pytest.fixture(scope="module")
def seed():
    """An in-memory store with the vocabularies and the seed; checks never write to it."""
    return open_store(None, seed=True)


def findings(report) -> set[tuple[str, ...]]:
    return {(f.node, f.path, f.shape, f.message, f.severity,
             "" if f.value and _literal(f) else f.value)
            for f in [*report.violations, *report.warnings]}


def _literal(finding) -> bool:
    return not finding.value.startswith(("http", "javascript:", "mailto:")) \
        and finding.value not in finding.node


def both(store, change: Change):
    reference = check(store, change, engine="pyshacl")
    sparql = check(store, change, engine="sparql")
    return reference, sparql


def test_collected_examples():
    assert len(EXAMPLES) == 86


def test_every_shape_of_the_project_compiles():
    project = compiled.default()
    assert project.routed == {}
    kinds = {c.kind for c in project.checks}
    assert kinds >= {"min-count", "max-count", "datatype", "or", "node-kind", "in", "pattern",
                     "min-inclusive", "max-inclusive", "class", "component", "sparql"}
    shapes = {str(c.shape) for c in project.checks}
    assert PASH + "ServiceEligibilityStatedShape" in shapes  # a warning, node-level sh:or


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_sparql_checks_find_what_pyshacl_finds_on_every_example(seed, path):
    reference, sparql = both(seed, Change.plan(seed, parse_files([path])))
    assert findings(sparql) == findings(reference), sparql.to_text()
    assert sparql.conforms == (path.parent.name == "valid")


def test_the_whole_seed_checked_at_once_gives_the_same_findings():
    """The seed's graphs written into a store holding only the vocabularies: every node of the
    seed is new, and its warnings are many."""
    vocabularies = open_store(None)
    graphs = parse_files(seed_files())
    reference, sparql = both(vocabularies, Change.plan(vocabularies, graphs))
    assert len(reference.warnings) > 20
    assert findings(sparql) == findings(reference)


# --- randomly broken copies of the seed ----------------------------------------------------

ODD_TERMS = [
    ox.Literal("abc"), ox.Literal("Nom", language="fr"), ox.Literal(""),
    ox.Literal("2021-13-45", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("2021-04-22", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("2021-04", datatype=ox.NamedNode(XSD + "gYearMonth")),
    ox.Literal("2021", datatype=ox.NamedNode(XSD + "gYear")),
    ox.Literal("2021"), ox.Literal("0", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("-1", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("12", datatype=ox.NamedNode(XSD + "integer")),
    ox.Literal("0", datatype=ox.NamedNode(XSD + "positiveInteger")),
    ox.Literal("3.5", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("95.0", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("-181", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("43.79", datatype=ox.NamedNode(XSD + "double")),
    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean")),
    ox.Literal("fr"), ox.Literal("FRA"), ox.Literal("contact@example.org"),
    ox.Literal("mailto:contact@example.org"), ox.Literal("https://example.org/"),
    ox.NamedNode("https://example.org/page"), ox.NamedNode("javascript:alert(1)"),
    ox.NamedNode("mailto:contact@example.org"),
    ox.NamedNode(ID + "status/tourist"), ox.NamedNode(ID + "status/refugee"),
    ox.NamedNode(ID + "service-type/housing"), ox.NamedNode(ID + "region/FRL06"),
    ox.NamedNode(ID + "organisation/au-maquis"), ox.NamedNode(ID + "organisation/nowhere"),
    ox.NamedNode(ID + "service-status/paused"),
    ox.NamedNode("http://publications.europa.eu/resource/authority/language/FRA"),
    ox.NamedNode(SCHEMA + "OnlineEventAttendanceMode"), ox.NamedNode(PAS + "Practice"),
]
"""Values a steward's file may hold where another was expected: wrong datatypes, out of range,
unknown codes, codes from another list, links with other schemes, nodes of the wrong kind."""

MUTATIONS = ("drop", "replace", "add", "blank")


@st.composite
def broken_graph(draw, graphs: dict[str, list[ox.Triple]]):
    name = draw(st.sampled_from(sorted(graphs)))
    triples = list(graphs[name])
    changed = triples
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(changed))
        kind = draw(st.sampled_from(MUTATIONS))
        value = draw(st.sampled_from(ODD_TERMS))
        if kind == "drop":
            changed = [t for t in changed
                       if not (t.subject == target.subject and t.predicate == target.predicate)]
        elif kind == "replace":
            changed = [ox.Triple(t.subject, t.predicate, value) if t == target else t
                       for t in changed]
        elif kind == "add":
            changed = [*changed, ox.Triple(target.subject, target.predicate, value)]
        else:
            changed = [ox.Triple(t.subject, t.predicate, ox.BlankNode()) if t == target else t
                       for t in changed]
        if not changed:
            changed = triples
    return name, changed


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(data=st.data())
def test_broken_copies_of_the_seed_get_the_same_findings(seed, seed_graphs, data):
    name, triples = data.draw(broken_graph(seed_graphs))
    change = Change.plan(seed, {name: triples}, replace=True)
    reference, sparql = both(seed, change)
    assert findings(sparql) == findings(reference), (name, sparql.to_text(),
                                                     reference.to_text())


def test_the_broken_copies_do_break_rules(seed, seed_graphs):
    """The strategy above is no idle one: dropping a service's types or names is refused."""
    services = graph_iri("vaucluse")
    triples = [t for t in seed_graphs[services]
               if t.predicate.value not in (PAS + "serviceType", SCHEMA + "name")]
    reference, sparql = both(seed, Change.plan(seed, {services: triples}, replace=True))
    shapes = {f.shape for f in sparql.violations}
    assert {PASH + "ServiceTypeRequiredShape", PASH + "ServiceNameShape"} <= shapes
    assert findings(sparql) == findings(reference)


# --- bulk writes take the SPARQL checks, and a refused one changes nothing ---------------------

def many_services(count: int, broken: int | None = None) -> dict[str, list[ox.Triple]]:
    graph = graph_iri("many-services")
    triples = []
    for i in range(count):
        node = ox.NamedNode(f"{ID}service/many-{i}")
        triples += [
            ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(PAS + "Service")),
            ox.Triple(node, ox.NamedNode(SCHEMA + "name"), ox.Literal(f"Service {i}",
                                                                       language="en")),
            ox.Triple(node, ox.NamedNode(PAS + "serviceType"),
                      ox.NamedNode(ID + ("service-type/housing" if i != broken
                                         else "status/refugee"))),
            ox.Triple(node, ox.NamedNode(PAS + "openToAllStatuses"),
                      ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
        ]
    return {graph: triples}


def test_a_bulk_write_is_checked_by_sparql_and_refused_leaving_the_store_as_it_was(
        monkeypatch):
    store = open_store(None, seed=True)
    before = sorted(map(str, store.quads()))
    graphs = many_services(incremental.SPARQL_FROM + 50, broken=123)
    used = []
    real = compiled.Compiled.check
    monkeypatch.setattr(compiled.Compiled, "check",
                        lambda self, d, c: used.append(1) or real(self, d, c))
    with pytest.raises(ValidationFailed) as refused:
        write(store, graphs)
    assert used, "a write of this size is checked by the SPARQL checks"
    assert [(f.node, f.shape) for f in refused.value.report.violations] == [
        (f"{ID}service/many-123", PASH + "ServiceTypeSchemeShape")]
    assert sorted(map(str, store.quads())) == before


def test_a_valid_bulk_write_is_stored():
    store = open_store(None, seed=True)
    graphs = many_services(incremental.SPARQL_FROM + 50)
    result = write(store, graphs)
    assert result.report.conforms and result.triples == 4 * (incremental.SPARQL_FROM + 50)
    assert {q.graph_name.value for q in store.quads()} >= set(graphs) - {INFERRED_GRAPH}


# --- what does not compile goes to pySHACL -----------------------------------------------

def with_uncompiled_shape() -> Graph:
    """The project's shapes and one whose constraint (``sh:languageIn``) is not compiled."""
    shapes = Graph()
    for triple in _checked_shapes():
        shapes.add(triple)
    shape = URIRef(PASH + "TestNameLanguagesShape")
    listed = BNode()
    shapes.add((shape, SH.targetClass, URIRef(PAS + "Service")))
    shapes.add((shape, SH.path, URIRef(SCHEMA + "name")))
    shapes.add((shape, SH.languageIn, listed))
    shapes.add((listed, RDF.first, Literal("en")))
    shapes.add((listed, RDF.rest, RDF.nil))
    shapes.add((shape, SH.message, Literal("Names in English only.", lang="en")))
    return shapes


def test_a_shape_that_does_not_compile_is_left_to_pyshacl(seed):
    shapes = with_uncompiled_shape()
    gate = compiled.compile_shapes(shapes)
    shape = URIRef(PASH + "TestNameLanguagesShape")
    assert list(gate.routed) == [shape] and "languageIn" in gate.routed[shape]
    assert str(shape) not in {str(c.shape) for c in gate.checks}

    change = Change.plan(seed, parse_files([DATA / "valid" / "service-full.ttl"]))
    nodes, loose = incremental.touched(seed, change)
    after = incremental._After(seed, change)

    def reference(data, context):
        return validate(rdflib_graph(data), rdflib_graph(context),
                        ontology=load_class_axioms(), shapes=shapes)

    routed = incremental._check_nodes(after, nodes, loose, gate.check)
    expected = incremental._check_nodes(after, nodes, loose, reference)
    assert str(shape) in {f.shape for f in expected.violations}, "a French name breaks it"
    assert findings(routed) == findings(expected)


def test_a_batch_the_uncompiled_shape_does_not_target_skips_pyshacl(seed, monkeypatch):
    gate = compiled.compile_shapes(with_uncompiled_shape())
    calls = []
    monkeypatch.setattr(compiled.gate, "validate", lambda *a, **k: calls.append(1))
    change = Change.plan(seed, parse_files([DATA / "valid" / "event-with-platform.ttl"]))
    nodes, loose = incremental.touched(seed, change)
    report = incremental._check_nodes(incremental._After(seed, change), nodes, loose, gate.check)
    assert report.conforms and calls == []
