"""The write path checks only what a write touches: it must refuse exactly what a full check does.

The full check validates the whole graph after the write; the incremental one validates the
touched nodes with what they point to. Both are run on every invalid example written onto a store
holding the vocabularies and the seed, and on replacements that break another node's shape.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import URIRef
from rdflib.namespace import SH

from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH, RDF_TYPE, graph_iri
from passerelle.graph.store.bundle import open_store
from passerelle.graph.validation.gate import load_shapes, validate
from passerelle.graph.validation.incremental import POINTED_AT, Change, check, touched
from passerelle.graph.write.loader import ValidationFailed, parse, parse_files, to_rdflib, write
from tests.conftest import DATA

INVALID = sorted((DATA / "invalid").glob("*.ttl"))
ID = "https://w3id.org/passerelle/id/"
PASH = "https://w3id.org/passerelle/shapes#"
ORGANISATIONS = graph_iri("organisations")
AU_MAQUIS = ox.NamedNode(ID + "organisation/au-maquis")


@pytest.fixture(scope="module")
def seed():
    """An in-memory store with the vocabularies and the seed; checks never write to it."""
    return open_store(None, seed=True)


def organisations(store) -> list[ox.Triple]:
    return [q.triple for q in store.quads(ORGANISATIONS)]


def full_check(store, change: Change):
    """Validate the whole graph as it would be after the change (the reference)."""
    replaced = set(change.graphs) if change.replace else set()
    after = [q.triple for q in store.quads()
             if q.graph_name.value not in replaced | {INFERRED_GRAPH}]
    after += [t for triples in change.graphs.values() for t in triples]
    return validate(to_rdflib({"after": after}))


def findings(report) -> set[tuple[str, str, str, str]]:
    return {(f.shape, f.node, f.path, f.value) for f in report.violations}


def without(triples: list[ox.Triple], node: ox.NamedNode, predicate: str | None = None):
    return [t for t in triples
            if not (t.subject == node and (predicate is None or t.predicate.value == predicate))]


def test_collected_invalid_examples():
    assert len(INVALID) == 79


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_incremental_check_refuses_what_the_full_check_refuses(seed, path):
    change = Change.plan(seed, parse_files([path]))
    incremental = check(seed, change)
    full = full_check(seed, change)
    assert findings(full), "the example must break a rule on a store holding the seed"
    assert findings(incremental) == findings(full), incremental.to_text()


def test_replacement_removing_a_provider_is_refused(seed):
    graphs = {ORGANISATIONS: without(organisations(seed), AU_MAQUIS)}
    change = Change.plan(seed, graphs, replace=True)
    report = check(seed, change)
    assert findings(report) == findings(full_check(seed, change))
    broken = {(f.node, f.shape) for f in report.violations}
    assert (ID + "service/commune-ferme-training", PASH + "ServiceProviderShape") in broken
    assert all(f.node != AU_MAQUIS.value for f in report.violations)


def test_replacement_removing_only_a_type_is_refused(seed):
    graphs = {ORGANISATIONS: without(organisations(seed), AU_MAQUIS, RDF_TYPE)}
    change = Change.plan(seed, graphs, replace=True)
    report = check(seed, change)
    assert PASH + "ServiceProviderShape" in {f.shape for f in report.violations}
    assert findings(report) == findings(full_check(seed, change))


def test_explicit_deletion_of_a_type_checks_the_nodes_pointing_to_it(seed):
    typed = [q.triple for q in seed.quads(ORGANISATIONS)
             if q.subject == AU_MAQUIS and q.predicate.value == RDF_TYPE]
    change = Change.plan(seed, {}, deleted={ORGANISATIONS: typed})
    assert not check(seed, change).conforms


def test_replacing_a_graph_touches_only_what_differs(seed):
    """A renamed organisation alone is re-checked: its name is no one else's concern."""
    name = ox.NamedNode("http://schema.org/name")
    renamed = [*without(organisations(seed), AU_MAQUIS, name.value),
               ox.Triple(AU_MAQUIS, name, ox.Literal("Au Maquis (renamed)", language="fr"))]
    change = Change.plan(seed, {ORGANISATIONS: renamed}, replace=True)
    assert touched(seed, change) == ({AU_MAQUIS}, set())
    assert check(seed, change).conforms


def test_one_new_service_reads_only_its_own_nodes(seed):
    change = Change.plan(seed, parse_files([DATA / "valid" / "service-full.ttl"]))
    nodes, loose = touched(seed, change)
    assert {n.value.rsplit("/", 2)[-2] for n in nodes} == {"service", "organisation", "practice"}
    assert loose == set()
    assert check(seed, change).conforms


def test_a_refused_write_leaves_the_store_as_it_was():
    store = open_store(None, seed=True)
    before = sorted(map(str, store.quads()))
    graphs = {ORGANISATIONS: without(organisations(store), AU_MAQUIS)}
    with pytest.raises(ValidationFailed, match="commune-ferme-training"):
        write(store, graphs, replace=True)
    assert sorted(map(str, store.quads())) == before


def test_new_service_pointing_to_a_node_removed_in_the_same_write_is_refused(seed):
    service = parse(b"""
        @prefix pas: <https://w3id.org/passerelle/ontology#> .
        <https://w3id.org/passerelle/id/service/late> a pas:Service ;
            <http://schema.org/name> "Late"@en ;
            pas:serviceType <https://w3id.org/passerelle/id/service-type/housing> ;
            pas:provider <https://w3id.org/passerelle/id/organisation/au-maquis> .
        """, formats.by_name("ttl"), name="late.ttl", graph=graph_iri("late"))
    remaining = without(organisations(seed), AU_MAQUIS)
    change = Change.plan(seed, {**service, ORGANISATIONS: remaining}, replace=True)
    nodes = {f.node for f in check(seed, change).violations}
    assert ID + "service/late" in nodes


def test_shapes_read_other_nodes_only_through_type_and_scheme():
    """The incremental check re-validates the nodes pointing to a changed node only when that
    node loses an rdf:type or skos:inScheme. That holds while shapes reach other nodes only via
    sh:class and pash:inScheme on simple paths; a new kind of constraint must be reviewed here."""
    shapes = load_shapes()
    local = {"targetClass", "targetSubjectsOf", "targetObjectsOf", "name", "description",
             "message", "severity", "property", "path", "minCount", "maxCount", "datatype",
             "nodeKind", "in", "pattern", "minInclusive", "maxInclusive", "or", "sparql",
             "class", "declare", "prefix", "namespace", "prefixes", "select", "ask",
             "parameter", "validator"}
    used = {str(p)[len(str(SH)):] for p in shapes.predicates() if str(p).startswith(str(SH))}
    assert used <= local, f"review the incremental check for: {sorted(used - local)}"
    assert all(isinstance(path, URIRef) for path in shapes.objects(None, SH.path))
    pointing = [*shapes.subjects(SH["class"]), *shapes.subjects(URIRef(PASH + "inScheme"))]
    assert all((s, SH.path, None) in shapes for s in pointing)
    reviewed = {PASH + "ServiceEligibilityExclusiveShape", PASH + "DateOrderShape",
                PASH + "CuratedGraphSourcesShape", PASH + "CuratedGraphCheckedShape",
                PASH + "SourceLinkShape", PASH + "RecordIriShape", PASH + "TelephoneShape",
                PASH + "HoursOrderShape", PASH + "ServiceAgeOrderShape",
                PASH + "ServiceReachableRecommendedShape"}
    assert {str(s) for s in shapes.subjects(SH.sparql)} == reviewed, "SPARQL rules read $this only"
    assert {RDF_TYPE, "http://www.w3.org/2004/02/skos/core#inScheme"} == POINTED_AT
