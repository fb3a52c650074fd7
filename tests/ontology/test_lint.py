"""Lint the ontology folder and every pas: term the project uses.

Why: the shapes, the seed graph and the API queries all rely on the IRIs in ontology/core.ttl.
A misspelt pas: term would otherwise be a new, undocumented term that no query matches; a file
without its metadata block cannot be published; a datatype property with a class range (or the
reverse) makes validation and exports disagree. ontology/README.md is the contract between the
people writing these files, so the declared terms and their hierarchy are checked against it.
"""

import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

ROOT = Path(__file__).parents[2]
ONTOLOGY_DIR = ROOT / "ontology"
README = ONTOLOGY_DIR / "README.md"

PAS = Namespace("https://w3id.org/passerelle/ontology#")
# A plain Namespace: rdflib's closed XSD namespace warns when pytest probes module globals.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
ONTOLOGY = URIRef("https://w3id.org/passerelle/ontology")
VERSION_BASE = "https://w3id.org/passerelle/ontology/"
LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
SUPER_PROPERTIES = {RDFS.subClassOf, RDFS.subPropertyOf}
# Namespaces a pas: term may specialise (ontology/README.md, "Reused").
KNOWN = {
    "org": "http://www.w3.org/ns/org#",
    "schema": "http://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "cv": "http://data.europa.eu/m8g/",
    "cpsv": "http://purl.org/vocab/cpsv#",
}
PREFIXES = {**KNOWN, "pas": str(PAS), "rdfs": str(RDFS)}

ONTOLOGY_FILES = sorted(ONTOLOGY_DIR.glob("*.ttl"))
SCANNED_FILES = (
    ONTOLOGY_FILES
    + sorted((ROOT / "shapes").glob("*.ttl"))
    + sorted((ROOT / "graph" / "data").glob("*.ttl"))
)


def curie(node) -> str:
    """Short name for test ids and messages."""
    for prefix, ns in PREFIXES.items():
        if isinstance(node, URIRef) and str(node).startswith(ns):
            return f"{prefix}:{node[len(ns) :]}"
    return str(node)


@cache
def parsed(path: Path) -> Graph | None:
    """Parse a file once; None if it is not valid Turtle (test_parses reports why)."""
    try:
        return Graph().parse(path, format="turtle")
    except Exception:  # any parser error: collection must go on so the other files are linted
        return None


def core() -> Graph:
    graph = parsed(ONTOLOGY_DIR / "core.ttl")
    assert graph is not None, "ontology/core.ttl is missing or does not parse"
    return graph


def pas_terms(graph: Graph) -> set[URIRef]:
    """Every pas: IRI in any position, including literal datatypes."""
    nodes = (n.datatype if isinstance(n, Literal) else n for triple in graph for n in triple)
    return {n for n in nodes if isinstance(n, URIRef) and n.startswith(PAS)}


def readme_rows() -> list[list[str]]:
    """Table rows of the README whose first cell is a pas: term, split into cells."""
    rows = re.findall(r"^\|\s*`pas:\w+`.*$", README.read_text(encoding="utf-8"), re.MULTILINE)
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def readme_hierarchy() -> set[tuple[str, str, str]]:
    """(term, rdfs:subClassOf|rdfs:subPropertyOf, super) as the README tables state them."""
    axioms = set()
    for cells in readme_rows():
        term = cells[0].strip("`")
        if cells[1] in ("object", "datatype"):
            for target in re.findall(r"sub-property of `([\w-]+:\w+)`", cells[-1]):
                axioms.add((term, "rdfs:subPropertyOf", target))
        elif not cells[1].startswith("(none"):
            for target in re.findall(r"`([\w-]+:\w+)`", cells[1]):
                axioms.add((term, "rdfs:subClassOf", target))
    return axioms


USED = sorted(set().union(*(pas_terms(g) for g in map(parsed, SCANNED_FILES) if g is not None)))
CORE_GRAPH = parsed(ONTOLOGY_DIR / "core.ttl") or Graph()
DECLARED = sorted(
    s for t in TERM_TYPES for s in CORE_GRAPH.subjects(RDF.type, t) if isinstance(s, URIRef)
)
PROPERTIES = [t for t in DECLARED if (t, RDF.type, OWL.Class) not in CORE_GRAPH]
SUPER_AXIOMS = sorted(
    {
        (s, p, o)
        for g in map(parsed, ONTOLOGY_FILES)
        if g is not None
        for p in SUPER_PROPERTIES
        for s, o in g.subject_objects(p)
        if isinstance(s, URIRef) and s.startswith(PAS)
    }
)


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_ontology_folder_is_fully_checked():
    ttl_in_folder = [p for p in ONTOLOGY_DIR.iterdir() if p.suffix == ".ttl" and p.is_file()]
    assert len(ONTOLOGY_FILES) >= 2
    assert len(ONTOLOGY_FILES) == len(ttl_in_folder)


@pytest.mark.parametrize("path", SCANNED_FILES, ids=relative)
def test_parses(path):
    Graph().parse(path, format="turtle")


@pytest.mark.parametrize("path", ONTOLOGY_FILES, ids=relative)
def test_metadata_block(path):
    graph = Graph().parse(path, format="turtle")
    nodes = list(graph.subjects(RDF.type, OWL.Ontology))
    assert len(nodes) == 1, f"expected one owl:Ontology node, found {len(nodes)}"
    node = nodes[0]
    for prop in (DCTERMS.title, DCTERMS.description):
        languages = {o.language for o in graph.objects(node, prop) if isinstance(o, Literal)}
        assert {"en", "fr"} <= languages, f"{curie(prop)} needs en and fr, has {languages}"
    version = graph.value(node, OWL.versionInfo)
    assert version is not None, "no owl:versionInfo"
    expected_iri = URIRef(f"{VERSION_BASE}{version}/{path.stem}")
    assert graph.value(node, OWL.versionIRI) == expected_iri
    assert (node, DCTERMS.license, LICENSE) in graph
    modified = graph.value(node, DCTERMS.modified)
    assert isinstance(modified, Literal) and modified.datatype == XSD.date, "dct:modified date"


def test_declared_terms_match_readme():
    in_readme = {cells[0].strip("`") for cells in readme_rows()}
    assert in_readme, "no pas: rows found in ontology/README.md"
    assert {curie(t) for t in DECLARED} == in_readme


def test_hierarchy_matches_readme():
    in_core = {(curie(s), curie(p), curie(o)) for s, p, o in SUPER_AXIOMS}
    assert in_core == readme_hierarchy()


@pytest.mark.parametrize("term", USED, ids=curie)
def test_term_declared_in_core(term):
    kinds = set(core().objects(term, RDF.type)) & TERM_TYPES
    assert len(kinds) == 1, f"{curie(term)} declared as {sorted(map(curie, kinds))} in core.ttl"


@pytest.mark.parametrize("term", USED, ids=curie)
def test_term_documented(term):
    graph = core()
    labels = {o.language for o in graph.objects(term, RDFS.label) if isinstance(o, Literal)}
    assert {"en", "fr"} <= labels, f"rdfs:label languages {labels}"
    comments = {o.language for o in graph.objects(term, RDFS.comment) if isinstance(o, Literal)}
    assert "en" in comments, "no English rdfs:comment"
    assert (term, RDFS.isDefinedBy, ONTOLOGY) in graph


def is_datatype(node) -> bool:
    return isinstance(node, URIRef) and (
        node.startswith(str(XSD)) or node in (RDF.langString, RDFS.Literal)
    )


@pytest.mark.parametrize("prop", PROPERTIES, ids=curie)
def test_property_kind_matches_range(prop):
    graph = core()
    ranges = list(graph.objects(prop, RDFS.range))
    assert ranges, "no rdfs:range"
    if (prop, RDF.type, OWL.DatatypeProperty) in graph:
        assert all(is_datatype(r) for r in ranges), f"datatype property, ranges {ranges}"
    else:
        assert all(isinstance(r, URIRef | BNode) and not is_datatype(r) for r in ranges), (
            f"object property with a datatype range {ranges}"
        )


@pytest.mark.parametrize("axiom", SUPER_AXIOMS, ids=lambda a: " ".join(curie(n) for n in a))
def test_super_term_is_known(axiom):
    _, _, target = axiom
    assert isinstance(target, URIRef), "super-class/property must be a named term"
    if target.startswith(PAS):
        assert target in DECLARED, f"{curie(target)} is not declared in core.ttl"
    else:
        assert any(target.startswith(ns) for ns in KNOWN.values()), (
            f"{target} is outside the known namespaces {sorted(KNOWN)}"
        )
