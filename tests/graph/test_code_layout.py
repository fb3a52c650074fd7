"""The code keeps SPARQL in ``.rq`` files and namespace IRIs in one module.

Python builds no query text: every question is an ``.rq`` file in graph/rdf/queries/, values are
bound into it by ``graph/rdf/bind``. A query body in Python (a query form or ``WHERE`` followed by
a group) would be a question nobody can read or run on its own, and a place where a value could be
pasted into the text. Namespace IRIs are written once, in graph/rdf/namespaces.py, with the one
table of prefixes.
"""

from __future__ import annotations

import re
from pathlib import Path

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.namespaces import PREFIXES

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("graph", "api", "passerelle")
SOURCES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))

QUERY_BODY = re.compile(
    r"\b(?:SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE|WHERE)\b[^\n\"'{}]{0,80}\{"
    r"|\b(?:DROP|CLEAR|CREATE|LOAD|COPY|MOVE|ADD)\s+(?:SILENT\s+)?(?:GRAPH\s+)?[<?{]")
"""A query form or ``WHERE`` followed by a group, or a graph management operation."""
QUOTED = re.compile(r"``.*?``|\s#\s.*$")
"""Examples quoted in docstrings and comments: prose about SPARQL, not queries."""

NAMESPACES = ROOT / "graph" / "rdf" / "namespaces.py"
QUERY_NAME = re.compile(r"""queries\.text\(\s*["']([\w/-]+)["']""")


def test_the_scan_covers_the_packages():
    assert len(SOURCES) > 60
    assert {p.relative_to(ROOT).parts[0] for p in SOURCES} == set(PACKAGES)


def test_the_scan_finds_a_query_body():
    assert QUERY_BODY.search('f"SELECT ?s WHERE {{ ?s ?p ?o }}"')
    assert QUERY_BODY.search('"ASK { ?s ?p ?o }"')
    assert QUERY_BODY.search('f"DROP SILENT GRAPH <{g}>"')
    assert not QUERY_BODY.search('"""SELECT results (SPARQL JSON) as CSV for spreadsheets."""')
    documented = '"""Names a graph (``COPY SILENT <a> TO <b>``)."""'
    assert not QUERY_BODY.search(QUOTED.sub("", documented))


def test_no_python_module_holds_a_sparql_query():
    found = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in SOURCES
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if QUERY_BODY.search(QUOTED.sub("", line))]
    assert found == []


def test_every_question_the_code_asks_is_a_file():
    names = {name for path in SOURCES
             for name in QUERY_NAME.findall(path.read_text(encoding="utf-8"))}
    assert len(names) > 30
    for name in sorted(names):
        assert queries.text(name).strip(), name


def test_namespace_iris_are_declared_once():
    """No module writes a namespace, or a term in it, as a string of its own."""
    written = re.compile("|".join(re.escape(f'"{iri}') for iri in PREFIXES.values()))
    found = [f"{path.relative_to(ROOT)}:{number}"
             for path in SOURCES if path != NAMESPACES
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if written.search(line)]
    assert found == []
