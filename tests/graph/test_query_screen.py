"""The checks made on a query's text before any parser sees it.

Why: the depth limit is what keeps 3,000 nested braces from killing a query engine, and the
``SERVICE`` test is what keeps a query from making the server fetch a URL. Each must see through
strings, IRIs and comments without being fooled by them, and stay fast on a megabyte of text.
"""

from __future__ import annotations

import time

import pytest

from passerelle.graph.query_screen import Refused, declares_dataset, screen


def refused(text: str, max_depth: int = 200) -> str | None:
    try:
        screen(text, max_depth=max_depth)
    except Refused as error:
        return str(error)
    return None


def test_nesting_is_counted_up_to_the_limit():
    assert refused("SELECT * WHERE " + "{" * 200 + "}" * 200) is None
    assert "deep" in refused("SELECT * WHERE " + "{" * 201 + "}" * 201)
    assert "deep" in refused("ASK { FILTER(" + "(" * 201 + "1" + ")" * 201 + ") }")


@pytest.mark.parametrize("hidden", [
    '"' + "{" * 300 + '"', "'" + "(" * 300 + "'", '"""' + "{\n" * 300 + '"""',
    "'''" + "[" * 300 + "'''", "# " + "{" * 300 + "\n", "<http://example.org/" + "[" * 300 + ">",
], ids=["double-quoted", "single-quoted", "long", "long-single", "comment", "iri"])
def test_brackets_in_strings_comments_and_iris_do_not_count(hidden):
    assert refused(f"SELECT * WHERE {{ ?s ?p {hidden} }}") is None


def test_parentheses_after_less_than_count_even_when_they_look_like_an_iri():
    assert "deep" in refused("ASK { FILTER(?a<" + "(" * 300 + "1" + ")" * 300 + ">?b) }")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { service silent <http://example.org/> {} }",
    "SELECT * WHERE { SeRvIcE<http://example.org/>{} }",
    "SELECT * WHERE { ?s ?p 1SERVICE <http://example.org/> {} }",
    "SELECT * WHERE { ?s ?p true SERVICE <http://example.org/> {} }",
    "SELECT * WHERE { ?s ?p ?o .SERVICE <http://example.org/> {} }",
    'SELECT * WHERE { ?s ?p "x"SERVICE<http://example.org/>{} }',
    "PREFIX x: <http://example.org/> SELECT * WHERE { SERVICE x:y {} }",
    "SELECT * WHERE { BIND(<http://example.org/> AS ?u) SERVICE ?u {} }",
    "SELECT * WHERE { SERVICE # why not\n <http://example.org/> # here\n {} }",
    # a '<' the lexer could take for an IRI, followed by what a lexer could take for a string
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<'x>' ) SERVICE <http://example.org/> {} #'\n}",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o<#>'''\n ?o) SERVICE <http://example.org/> {} #'''\n}",
    "ASK { SERVICE <http://example.org/" + "a" * 5000 + "> {} }",
    "ASK { SERVICE " + " " * 5000 + "<http://example.org/> {} }",
])
def test_service_is_refused_however_it_is_written(query):
    assert "SERVICE is not allowed" in refused(query)


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service a ?type }",
    "SELECT ?myservice WHERE { ?myservice ?p ?o }",
    'SELECT * WHERE { ?s ?p "Legal service for refugees" }',
    "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o {} }",
    "SELECT * WHERE { # each service\n ?s ?p ?o }",
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT * WHERE { ?s <http://example.org/service> <http://example.org/x> {} }",
])
def test_the_word_service_elsewhere_is_fine(query):
    assert refused(query) is None


@pytest.mark.parametrize("update", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "  drop all", "LOAD <file:///etc/passwd>",
    "PREFIX insert: <urn:x> BASE <urn:y> DELETE WHERE { ?s ?p ?o }",
    "# a comment\nWITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "CLEAR ALL",
])
def test_updates_are_sent_to_the_update_endpoint(update):
    assert "/sparql/update" in refused(update)


def test_queries_whose_words_look_like_updates_are_queries():
    assert refused("PREFIX drop: <urn:x> SELECT ?insert WHERE { ?insert drop:load 'CLEAR' }") \
        is None


def test_a_dataset_is_declared_only_by_a_from_keyword():
    assert declares_dataset("SELECT * FROM <urn:g> WHERE { ?s ?p ?o }")
    assert declares_dataset("select * from named <urn:g> where { graph ?g { ?s ?p ?o } }")
    assert not declares_dataset('SELECT ?from WHERE { ?from ?p "FROM" } # FROM')
    assert not declares_dataset("SELECT * WHERE { ?s <urn:from> ?o }")
    assert not declares_dataset("PREFIX ex: <urn:x#> DESCRIBE ex:taken.from ex:a-from")
    assert declares_dataset("SELECT *FROM<urn:g>{}")


@pytest.mark.parametrize("text", [
    "SERVICE<" * 131_072, "SERVICE" * 149_796, " service #" * 104_857, "?service " * 116_508,
    "ex:service " * 95_325, '"' + "a{" * 524_288, "'''" + "x" * 1_048_576, "{" * 1_048_576,
    "?a<" * 349_525, ("service #" + "c" * 4000 + "\n") * 261,
])
def test_a_megabyte_of_hostile_text_is_screened_in_linear_time(text):
    started = time.perf_counter()
    refused(text)
    declares_dataset(text)
    assert time.perf_counter() - started < 3
