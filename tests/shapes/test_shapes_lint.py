"""Lint the SHACL files: they are read by data stewards as much as by pyshacl.

Why: a finding is only useful when its rule has a name and a message a steward understands, and
the split by file is a promise about severity (core and vocabularies refuse data, recommended only
warns), as in DCAT-AP. Blank-node shapes cannot be cited in a report or an invalid example, so
every shape is a named IRI. Each file carries the metadata block a published vocabulary needs.
"""

from functools import cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, SH

SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"
SHAPE_FILES = sorted(SHAPES_DIR.glob("*.ttl"))
SEVERITY = {"core": SH.Violation, "recommended": SH.Warning, "vocabularies": SH.Violation}
SHAPE_COUNTS = {"core": 76, "recommended": 20, "vocabularies": 11}
TARGETS = [SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf]
DOCUMENTATION = [SH.name, SH.description, SH.message]
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
XSD_DATE = URIRef("http://www.w3.org/2001/XMLSchema#date")


@cache
def parsed(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def shapes_in(graph: Graph) -> set:
    """Every node used as a shape: declared, referenced by sh:property, or given a target."""
    declared = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    referenced = set(graph.objects(None, SH.property))
    targeted = {s for target in TARGETS for s in graph.subjects(target, None)}
    return declared | referenced | targeted


NAMED_SHAPES = [(path, shape) for path in SHAPE_FILES for shape in sorted(shapes_in(parsed(path)))]


def test_collected_counts():
    assert [p.stem for p in SHAPE_FILES] == ["core", "recommended", "vocabularies"]
    for stem, expected in SHAPE_COUNTS.items():
        assert sum(1 for path, _ in NAMED_SHAPES if path.stem == stem) == expected, stem


@pytest.mark.parametrize(
    ("path", "shape"), NAMED_SHAPES, ids=[f"{p.stem}:{s.split('#')[-1]}" for p, s in NAMED_SHAPES]
)
def test_shape_is_named_documented_and_graded(path, shape):
    graph = parsed(path)
    assert isinstance(shape, URIRef), "shapes are named IRIs, not blank nodes"
    for prop in DOCUMENTATION:
        texts = list(graph.objects(shape, prop))
        assert any(isinstance(t, Literal) and t.language == "en" and t.strip() for t in texts), (
            f"missing English {prop}"
        )
    assert list(graph.objects(shape, SH.severity)) == [SEVERITY[path.stem]]


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.stem)
def test_referenced_property_shapes_are_defined_in_the_same_file(path):
    graph = parsed(path)
    for shape in graph.objects(None, SH.property):
        assert (shape, SH.path, None) in graph, f"{shape} has no sh:path in {path.name}"


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.stem)
def test_metadata_block(path):
    graph = parsed(path)
    ontologies = list(graph.subjects(RDF.type, OWL.Ontology))
    assert ontologies == [URIRef(f"https://w3id.org/passerelle/shapes/{path.stem}")]
    ontology = ontologies[0]
    titles = {t.language for t in graph.objects(ontology, DCTERMS.title)}
    assert {"en", "fr"} <= titles
    assert graph.value(ontology, DCTERMS.description) is not None
    version = URIRef(f"https://w3id.org/passerelle/shapes/0.1.0/{path.stem}")
    assert graph.value(ontology, OWL.versionIRI) == version
    assert graph.value(ontology, DCTERMS.license) == LICENSE
    assert graph.value(ontology, DCTERMS.modified).datatype == XSD_DATE


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.stem)
def test_sparql_prefixes_are_declared(path):
    """A SPARQL constraint or validator names the node that declares its prefixes, in the same
    file, so each file can be used on its own."""
    graph = parsed(path)
    for holder in graph.subjects(SH.prefixes, None):
        declarer = graph.value(holder, SH.prefixes)
        assert not isinstance(declarer, BNode)
        assert (declarer, SH.declare, None) in graph, f"{declarer} declares no prefixes"


def test_shapes_are_valid_shacl():
    """pyshacl's meta-validation (the SHACL-for-SHACL shapes) raises on a malformed shape."""
    shapes = Graph()
    for path in SHAPE_FILES:
        shapes += parsed(path)
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes, meta_shacl=True)
    assert conforms, text
