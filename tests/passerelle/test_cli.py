"""The installed ``passerelle`` command: exit codes and one-line errors, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import rdflib

from tests.conftest import DATA, run_cli

INVALID = sorted((DATA / "invalid").glob("*.ttl"))


def assert_clean_error(result, *words: str) -> str:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, err
    return err


@pytest.fixture
def empty_store(tmp_path) -> Path:
    return tmp_path / "store"


def test_help_lists_every_command():
    out = run_cli("--help").stdout.decode()
    for command in ("serve", "load", "validate", "query", "export"):
        assert command in out


def test_validate_bundled_graph_exits_0():
    result = run_cli("validate")
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    assert "0 violation(s)" in result.stdout.decode()


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_validate_invalid_example_exits_1(path):
    result = run_cli("validate", str(path))
    assert result.returncode == 1, result.stdout.decode()
    assert "Violation" in result.stdout.decode()


def test_load_malformed_turtle_names_file_line_and_column(tmp_path, empty_store):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "x .\n')
    err = assert_clean_error(run_cli("load", str(bad), "--store", str(empty_store)),
                             "bad.ttl", "line 3")
    assert "column" in err


def test_load_unknown_format_lists_known_formats(tmp_path, empty_store):
    odd = tmp_path / "data.xyz"
    odd.write_text("nothing")
    assert_clean_error(run_cli("load", str(odd), "--store", str(empty_store)), ".ttl", ".nq")


def test_load_named_unknown_format_lists_known_formats(tmp_path, empty_store):
    assert_clean_error(run_cli("export", "--format", "csv", "--store", str(empty_store)),
                       "ttl", "jsonld", "rdfxml")


def test_directory_that_is_not_a_store_is_refused(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8")
    assert_clean_error(run_cli("query", "ASK {}", "--store", str(folder)),
                       "not a Passerelle store")


def test_invalid_data_is_listed_and_nothing_stored(empty_store):
    before = run_cli("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                     "--format", "csv", "--store", str(empty_store)).stdout.decode()
    result = run_cli("load", *map(str, INVALID[:3]), "--store", str(empty_store))
    assert result.returncode == 1
    assert "nothing was stored" in result.stderr.decode()
    after = run_cli("query", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                    "--format", "csv", "--store", str(empty_store)).stdout.decode()
    assert before == after


def test_new_store_receives_vocabularies_then_loads_valid_data(empty_store):
    valid = sorted((DATA / "valid").glob("*.ttl"))
    result = run_cli("load", *map(str, valid), "--store", str(empty_store))
    assert result.returncode == 0, result.stderr.decode()
    assert "loaded" in result.stdout.decode()
    asked = run_cli("query", "ASK { ?c <http://www.w3.org/2004/02/skos/core#notation> 'refugee' }",
                    "--store", str(empty_store))
    assert asked.stdout.decode().strip() == "true"


def test_query_formats(seeded_store):
    sparql = ("SELECT ?n WHERE { ?c <http://www.w3.org/2004/02/skos/core#notation> ?n "
              "FILTER(?n = 'refugee') }")
    table = run_cli("query", sparql, "--store", str(seeded_store)).stdout.decode()
    assert "refugee" in table and "(1 row)" in table
    body = json.loads(run_cli("query", sparql, "--format", "json", "--store",
                              str(seeded_store)).stdout)
    assert body["results"]["bindings"][0]["n"]["value"] == "refugee"
    csv = run_cli("query", sparql, "--format", "csv", "--store", str(seeded_store)).stdout
    assert csv.decode().splitlines() == ["n", "refugee"]


def test_malformed_query_is_one_line(seeded_store):
    assert_clean_error(run_cli("query", "SELEKT * WHERE {}", "--store", str(seeded_store)),
                       "does not parse")


@pytest.mark.parametrize("fmt,rdflib_format", [("ttl", "turtle"), ("nt", "nt"),
                                                ("nq", "nquads"), ("jsonld", "json-ld"),
                                                ("rdfxml", "xml")])
def test_export_parses_back(seeded_store, fmt, rdflib_format):
    result = run_cli("export", "--format", fmt, "--store", str(seeded_store))
    assert result.returncode == 0, result.stderr.decode()
    graph = rdflib.Dataset() if fmt in ("nq", "jsonld") else rdflib.Graph()
    graph.parse(data=result.stdout, format=rdflib_format)
    triples = sum(len(g) for g in graph.graphs()) if isinstance(graph, rdflib.Dataset) \
        else len(graph)
    assert triples > 1000


def test_query_answers_a_competency_question_from_its_file(seeded_store):
    from passerelle.graph.rdf import queries

    path = Path(queries.__file__).parent / "examples" / "vaucluse-roundtables.rq"
    result = run_cli("query", f"@{path}", "--format", "csv", "--store", str(seeded_store))
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode()
    for day in ("2021-04-22", "2021-07-27", "2021-10-06", "2022-05-09"):
        assert day in text
