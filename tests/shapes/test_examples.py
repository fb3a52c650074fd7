"""The example graphs show, one file a case, what the shapes accept and what they refuse.

tests/data/valid holds graphs that must conform; each file in tests/data/invalid breaks exactly
one rule and names it on its first line (`# violates: pash:SomeShape`). Checking that only the
named rule fires catches both a rule that misses its case and a rule that fires too widely. The
bundled seed graph must conform as well: it is what a fresh install serves.
"""

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from passerelle.graph.validation.gate import load_shapes, validate

ROOT = Path(__file__).resolve().parents[2]
VALID = sorted((ROOT / "tests" / "data" / "valid").glob("*.ttl"))
INVALID = sorted((ROOT / "tests" / "data" / "invalid").glob("*.ttl"))
SEED = sorted((ROOT / "graph" / "data").glob("*.ttl"))
PASH = "https://w3id.org/passerelle/shapes#"
HEADER = re.compile(r"# violates: pash:(\w+)")


def named_shape(path: Path) -> URIRef:
    """The shape an invalid example declares it breaks, from its first line."""
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    match = HEADER.fullmatch(first_line)
    assert match, f"{path.name}: first line must be '# violates: pash:<ShapeName>'"
    return URIRef(PASH + match.group(1))


def test_collected_example_counts():
    assert len(VALID) == 7
    assert len(INVALID) == 79


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_example_conforms(path):
    report = validate(Graph().parse(path))
    assert report.violations == [], report.to_text()
    assert report.conforms


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_example_breaks_exactly_its_shape(path):
    expected = named_shape(path)
    report = validate(Graph().parse(path))
    assert not report.conforms
    assert {f.shape for f in report.violations} == {str(expected)}, report.to_text()


def test_every_violation_rule_has_an_invalid_example():
    """Rules that can fire on their own (property shapes, SPARQL shapes) each have a failing
    example, and every example names a rule that exists."""
    shapes = load_shapes()
    firing = {
        shape
        for shape in shapes.subjects(SH.severity, SH.Violation)
        if (shape, SH.path, None) in shapes or (shape, SH.sparql, None) in shapes
    }
    named = {named_shape(path) for path in INVALID}
    assert sorted(named - firing) == [], "examples name rules that do not exist"
    assert sorted(firing - named) == [], "rules without an invalid example"


def test_seed_graph_conforms():
    assert SEED, "graph/data holds no seed files"
    seed = Graph()
    for path in SEED:
        seed.parse(path)
    report = validate(seed)
    assert report.violations == [], report.to_text()
