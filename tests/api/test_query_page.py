"""The query page for researchers, over HTTP: common prefixes declared for them, errors in one
line with the place marked, the answer first, CSV for spreadsheets (BOM, separator, formula cells
neutralised) while /sparql's CSV stays exact."""

from __future__ import annotations

import csv
import io
import re

import pytest

NAMES = ("SELECT ?name WHERE { ?s a pas:Organisation ; schema:name ?name "
         "FILTER(lang(?name) = 'fr') } ORDER BY ?name LIMIT 3")
FORMULAS = ("SELECT ?a ?b ?c ?d ?e ?f ?g WHERE { BIND('=HYPERLINK(\"http://x\")' AS ?a) "
            "BIND('+1' AS ?b) BIND('-2' AS ?c) BIND('@SUM(A1)' AS ?d) BIND('\\tx' AS ?e) "
            "BIND('\\rx' AS ?f) BIND('EÑE; a,b' AS ?g) }")


def test_common_prefixes_are_declared_for_the_reader(server):
    page = server.get("/query", params={"query": NAMES})
    assert page.status_code == 200, page.text
    assert "3 rows." in page.text
    assert "Declared for you: pas, schema." in page.text
    for name in ("pas", "schema", "skos", "dct", "prov", "org", "rdfs", "xsd"):
        assert f"<code>{name}:</code>" in page.text


def test_a_prefix_the_reader_declares_is_theirs(server):
    own = "PREFIX schema: <https://schema.org/>\n" + NAMES
    page = server.get("/query", params={"query": own}).text
    assert "Declared for you: pas." in page
    assert "0 rows." in page or "rows." in page


def test_the_sparql_endpoint_itself_stays_strict(server):
    assert server.get("/sparql", params={"query": NAMES}).status_code == 400


def test_an_unknown_prefix_is_one_line_with_its_place_marked(server):
    query = "SELECT * WHERE {\n  ?s foo:bar ?o\n}"
    page = server.get("/query", params={"query": query})
    assert page.status_code == 400
    message = re.search(r'<p id="query-error-text">(.*?)</p>', page.text, re.DOTALL)[1]
    assert "\n" not in message.strip()
    assert "line 2, column" in message
    assert "foo:" in message and "PREFIX foo:" in message
    assert "expected one of" not in page.text and "\\u{" not in page.text
    assert re.search(r"<code>  \?s foo:bar<mark>", page.text)


def test_a_grammar_error_names_what_was_expected(server):
    page = server.get("/query", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert page.status_code == 400
    assert "line 1, column" in page.text and "expected" in page.text


def test_the_answer_comes_before_the_examples_with_links_to_help(server):
    page = server.get("/query", params={"query": NAMES}).text
    assert page.index('id="answer-heading"') < page.index('id="examples-heading"')
    assert 'action="/query#answer"' in page
    for href in ('href="/ontology"', 'href="/catalog"', 'href="#examples-heading"'):
        assert href in page


def _download(server, query, **params) -> list[list[str]]:
    response = server.get("/query", params={"query": query, "download": "csv", **params})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    separator = {"semicolon": ";", "tab": "\t"}.get(params.get("sep"), ",")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""),
                           delimiter=separator))


@pytest.mark.parametrize("sep", ["comma", "semicolon", "tab"])
def test_csv_for_spreadsheets_has_a_bom_a_separator_and_no_live_formulas(server, sep):
    rows = _download(server, FORMULAS, sep=sep)
    assert rows[0] == ["a", "b", "c", "d", "e", "f", "g"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx",
                       "EÑE; a,b"]


def test_the_page_says_what_the_csv_does(server):
    page = server.get("/query", params={"query": FORMULAS}).text
    assert "byte-order mark" in page and "gets a &#39; in front" in page
    assert "sep=semicolon" in page and "sep=tab" in page


def test_sparql_csv_stays_exact(server):
    response = server.get("/sparql", params={"query": FORMULAS}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert not response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert rows[1][:4] == ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)"]
