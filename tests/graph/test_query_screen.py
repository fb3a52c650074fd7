"""The checks made on a query's text before any parser sees it.

Why: the depth limit is what keeps 3,000 nested braces from killing a query engine, and the
``SERVICE`` test is what keeps a query from making the server fetch a URL. Each must see through
strings, IRIs and comments without being fooled by them, and stay fast on a megabyte of text.
"""

from __future__ import annotations

import time

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from passerelle.graph.endpoint.screen import Refused, declares_dataset, screen, screen_update
from passerelle.graph.rdf.sparql_text import decode_escapes


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


# What the red-team pass of issue 17 found, and its relatives: codepoint escapes, keywords run
# together, comments, every spelling of a target. Each must be refused for what it is.
TARGET = "http://127.0.0.1:18099/get"
ESCAPED_SERVICE = [
    rf"SELECT * WHERE {{ SERVICE <{TARGET}-\u0078> {{ ?s ?p ?o }} }}",
    rf"SELECT * WHERE {{ SERVICE SILENT <{TARGET}-\u0078> {{ ?s ?p ?o }} }}",
    rf"SELECT * WHERE {{ SERVICE <{TARGET}-\U00000078> {{ }} }}",
    rf"SELECT * WHERE {{ \u0053ERVICE <{TARGET}> {{ }} }}",
    rf"SELECT * WHERE {{ \u0073\u0065rvice silent <{TARGET}> {{ }} }}",
    rf"SELECT * WHERE {{ ?s ?p <http://example.org/\u0041#> . SERVICE <{TARGET}> {{ }} }}",
    rf"SELECT * WHERE {{ ?s ?p ?o # \u000A SERVICE <{TARGET}> {{ }}" + "\n}",
    rf'SELECT * WHERE {{ ?s ?p "\u0022 }} SERVICE <{TARGET}> {{ }} #" }}',
    rf'SELECT * WHERE {{ ?s ?p "x\u0022" SERVICE <{TARGET}> {{ }} "\u0022" }}',
    rf"SELECT * WHERE {{ ?s ?p '\u0027' SERVICE <{TARGET}> {{ }} }}",
]
SPELLED_SERVICE = [
    f"SELECT * WHERE {{ SERVICESILENT<{TARGET}>{{}} }}",
    f"SELECT * WHERE {{ ?s ?p trueSERVICE SILENT <{TARGET}> {{}} }}",
    f"PREFIX : <{TARGET}> SELECT * WHERE {{ SERVICE:x {{}} }}",
    f"PREFIX : <{TARGET}> SELECT * WHERE {{ SERVICE SILENT:x {{}} }}",
    f"SELECT * WHERE {{ SERVICE?u {{}} BIND(<{TARGET}> AS ?u) }}",
    f"SELECT * WHERE {{ sErViCe # a comment\n silent # another\n <{TARGET}> {{}} }}",
    f"SELECT * WHERE {{ OPTIONAL {{ SERVICE <{TARGET}> {{}} }} }}",
    f"SELECT * WHERE {{ FILTER EXISTS {{ SERVICE <{TARGET}> {{}} }} }}",
    f"ASK {{ ?s ?p ?o FILTER(?o<'x>' ) SERVICE <{TARGET}> {{}} #'\n}}",
    f"ASK {{ ?s <p'x> ?o . SERVICE <{TARGET}> {{}} #'\n}}",
    f"ASK {{ ?s ?p ?o . FILTER(?a<?b) SERVICE <{TARGET}> {{}} }}",
    f"ASK {{ ?s ?p ex:a\\#b . SERVICE <{TARGET}> {{}} }}",
    f"ASK {{ ?s ?p ex:a\\'b . SERVICE <{TARGET}> {{}} #'\n}}",
]


@pytest.mark.parametrize("query", ESCAPED_SERVICE + SPELLED_SERVICE)
def test_service_is_refused_through_escapes_and_run_together_keywords(query):
    assert "SERVICE is not allowed" in refused(query)


@pytest.mark.parametrize("query", [
    r'SELECT * WHERE { ?s ?p "Legal \u0073ervice" }',
    r"SELECT * WHERE { ?s <http://example.org/\u0073ervice> ?o }",
    "PREFIX svc: <http://example.org/> SELECT * WHERE { ?s svc:service ?o }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
])
def test_escaped_words_inside_strings_and_iris_stay_data(query):
    assert refused(query) is None


@pytest.mark.parametrize(("query", "kind"), [
    ("SELECT * WHERE { ?s ?p " + "<< ?a ?b " * 200 + "?c" + " >>" * 200 + " }", "term-depth"),
    ("SELECT * WHERE { ?s ?p " + "<< ?a ?b " * 12_000 + "?c" + " >>" * 12_000 + " }",
     "term-depth"),
    ("SELECT (" + "+".join(["1"] * 20_000) + " AS ?x) {}", "depth"),
    ("SELECT (" + "&&".join(["true"] * 5_000) + " AS ?x) {}", "depth"),
    ("SELECT (" + "||".join(["true"] * 5_000) + " AS ?x) {}", "depth"),
    ("SELECT (" + "*".join(["1"] * 5_000) + " AS ?x) {}", "depth"),
    ("SELECT (" + "/".join(["1"] * 5_000) + " AS ?x) {}", "depth"),
    ("SELECT (" + "-".join(["1"] * 5_000) + " AS ?x) {}", "depth"),
    ("SELECT (" + "!" * 5_000 + "true AS ?x) {}", "depth"),
    ("ASK { ?s " + "/".join(["<p>"] * 5_000) + " ?o }", "depth"),
    ("ASK { ?s " + "|".join(["<p>"] * 5_000) + " ?o }", "depth"),
    ("ASK { " + " UNION ".join(["{}"] * 5_000) + " }", "depth"),
    ("ASK { " + " . ".join(["?s ?p ?o"] * 5_000) + " }", "depth"),
    ("ASK { ?s <p> (" + " 1" * 5_000 + ") }", "depth"),
    ("ASK { " + " ".join([f"BIND(1 AS ?v{i})" for i in range(5_000)]) + " }", "depth"),
    ("ASK { ?s <p> " + "[ <p> " * 100 + "1" + " ]" * 100 + " }", "term-depth"),
    ("ASK { ?s <p> " + "(" * 100 + "1" + ")" * 100 + " }", "term-depth"),
    ("ASK { ?s <p> " + "<<( ?a ?b " * 100 + "?c" + " )>>" * 100 + " }", "term-depth"),
    (r"SELECT * WHERE " + r"\u007B" * 300 + "}" * 300, "depth"),
], ids=["200-quoted", "12000-quoted", "plus", "and", "or", "times", "divide", "minus", "not",
        "path-sequence", "path-alternative", "union", "joins", "collection", "binds",
        "blank-nodes", "collections", "triple-terms", "escaped-braces"])
def test_every_nesting_construct_and_chain_counts(query, kind):
    with pytest.raises(Refused) as error:
        screen(query, max_depth=100)
    assert error.value.kind == kind


def test_the_nesting_under_the_limits_is_let_through():
    for query in ("SELECT * WHERE { ?s ?p " + "<< ?a ?b " * 16 + "?c" + " >>" * 16 + " }",
                  "SELECT (" + "+".join(["1"] * 99) + " AS ?x) {}",
                  "ASK { FILTER(1 IN (" + ",".join(["1"] * 50_000) + ")) }",
                  "SELECT * { VALUES ?x { " + " 1" * 50_000 + " } }"):
        assert refused(query, max_depth=100) is None, query[:60]


@pytest.mark.parametrize("update", [
    r"INSERT DATA { <http://example.org/\u0041#> <http://x/p> 1 } ; "
    "LOAD <http://127.0.0.1:18099/hidden-ttl>",
    "LOAD <http://127.0.0.1:18099/x>", "load silent <http://127.0.0.1:18099/x> into graph <g>",
    r"\u004COAD <http://127.0.0.1:18099/x>",
    "INSERT DATA { <a> <b> <c> } ;LOADSILENT<http://127.0.0.1:18099/x>",
    "PREFIX : <http://127.0.0.1:18099/> LOAD:x",
    "INSERT DATA { <a> <b> 'x' } # ;\n ; LOAD <http://127.0.0.1:18099/x>",
])
def test_load_is_refused_in_updates_however_it_is_written(update):
    with pytest.raises(Refused) as error:
        screen_update(update, max_depth=100)
    assert error.value.kind == "load"


def test_updates_are_screened_for_depth_and_service():
    with pytest.raises(Refused) as deep:
        screen_update("INSERT DATA " + "{" * 5_000 + "}" * 5_000, max_depth=100)
    assert deep.value.kind == "depth"
    with pytest.raises(Refused) as service:
        screen_update(r"INSERT { ?s ?p ?o } WHERE { \u0053ERVICE <http://x/> { ?s ?p ?o } }",
                      max_depth=100)
    assert service.value.kind == "service"
    screen_update("PREFIX load: <http://x/> INSERT DATA { load:a load:b 'LOAD' }", max_depth=100)


def test_data_blocks_are_flat_lists_not_chains():
    """A steward's INSERT DATA of many triples is no deeper than one triple; the same triples
    as a query's patterns are a chain the planner joins, and are refused."""
    triples = " . ".join(f"<http://e/{i}> <http://p> 'x' , 'y'" for i in range(500))
    screen_update(f"INSERT DATA {{ GRAPH <http://g> {{ {triples} }} }}", max_depth=100)
    screen_update(f"DELETE DATA {{ {triples} }}", max_depth=100)
    with pytest.raises(Refused) as chained:
        screen_update(f"INSERT {{ <http://e/x> <http://p> 'x' }} WHERE {{ {triples} }}",
                      max_depth=100)
    assert chained.value.kind == "depth"


def test_codepoint_escapes_are_decoded_once_as_the_grammar_says():
    assert decode_escapes(r"\u0041\U00000042") == "AB"
    assert decode_escapes(r"\\u0041") == r"\\u0041"
    assert decode_escapes(r"\u005Cu0041") == r"\u0041"
    assert decode_escapes(r"\uD800 \u00zz") == r"\uD800 \u00zz"


def test_a_dataset_named_through_escapes_counts():
    assert declares_dataset(r"SELECT * \u0046ROM <urn:g> WHERE { ?s ?p ?o }")
    assert not declares_dataset(r"SELECT * WHERE { ?s ?p '\u0046ROM' }")


# Differential tests: the screen's verdicts against pyoxigraph's own parser, on generated texts.
# Oxigraph refuses port 9 before connecting, so "the engine ran SERVICE (or LOAD)" shows as an
# error naming the port or the service, and nothing is fetched while testing.
PORT9 = "http://127.0.0.1:9/"
PROLOGUE = f"PREFIX p9: <{PORT9}> PREFIX ex: <http://example.org/> "
SERVICE_WORDS = ["SERVICE", "service", "SeRvIcE", r"\u0053ERVICE", r"SERVIC\u0045",
                 "SERVICE SILENT", "SERVICESILENT", "service silent", "trueSERVICE"]
GAPS = [" ", "\n", "", " # note\n", "\t", "#c\r", " #'\n", ' #"\n']
TARGETS = [f"<{PORT9}x>", r"<http://127.0.0.1:9/\u0078>", "p9:x", "?u", f"<{PORT9}a#b>",
           r"<http://127.0.0.1:9/\u0041#>", ":x", r"p9:a\#b"]
FILLERS = ["?s ?p ?o .", "FILTER(?o < 'x>')", "FILTER(?a<?b)", "# c {\n", "'s {'", '"""a\n}"""',
           "<http://example.org/a#b>", f"BIND(<{PORT9}> AS ?u)", "OPTIONAL {}", "{}",
           "?s <p'x> ?o .", ".", "'", '"', "#", r'"\u0022"', r"'\u0027'", r"ex:a\#b", "}", "{",
           "FILTER(?o<'x>' )", "<<( ?a ?b ?c )>>", "(", ")", r"<http://example.org/\u003E>"]


@st.composite
def generated_queries(draw) -> str:
    pieces = [PROLOGUE, "PREFIX : <http://127.0.0.1:9/> " if draw(st.booleans()) else "",
              "SELECT * WHERE { "]
    pieces += draw(st.lists(st.sampled_from(FILLERS), max_size=3))
    if draw(st.integers(0, 3)):
        pieces += [draw(st.sampled_from(SERVICE_WORDS)), draw(st.sampled_from(GAPS)),
                   draw(st.sampled_from(TARGETS)), draw(st.sampled_from(GAPS)), "{ }"]
    pieces += draw(st.lists(st.sampled_from(FILLERS), max_size=3))
    pieces.append(" }")
    return draw(st.sampled_from([" ", "\n", ""])).join(pieces)


def _engine_ran_a_fetch(run) -> bool | None:
    """True: the engine tried to fetch; False: it ran without; None: it did not parse."""
    try:
        result = run()
        if result is not None and not isinstance(result, ox.QueryBoolean):
            list(result)
    except SyntaxError:
        return None
    except (OSError, RuntimeError) as error:
        message = str(error)
        return "port 9" in message or "service" in message.lower()
    return False


@settings(max_examples=400, deadline=None)
@given(query=generated_queries())
def test_the_screen_refuses_every_service_the_engine_would_run(query):
    fetched = _engine_ran_a_fetch(lambda: ox.Store().query(query))
    if fetched:
        assert refused(query) is not None and "SERVICE" in refused(query), query


UPDATE_FORMS = ["INSERT DATA { <urn:a> <urn:b> 1 }", "DELETE WHERE { ?s ?p ?o }", "CLEAR ALL",
                "DROP SILENT GRAPH <urn:g>", "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                r"INSERT DATA { <http://example.org/\u0041#> <urn:b> 1 }",
                "INSERT DATA { <urn:a> <urn:b> 'x' } # ;", "INSERT { ?s ?p ?o } WHERE { }"]
LOADS = [f"LOAD <{PORT9}x>", f"load silent <{PORT9}x>", f"LOAD<{PORT9}x>", "LOAD p9:x",
         r"LOAD <http://127.0.0.1:9/\u0078>", f"LOAD <{PORT9}x> INTO GRAPH <urn:g>", "LOAD:x",
         f"LOADSILENT<{PORT9}x>", r"\u004COAD p9:x"]
QUERY_FORMS = ["SELECT * WHERE { ?s ?p ?o }", "ASK {}", "CONSTRUCT WHERE { ?s ?p ?o }",
               "DESCRIBE <urn:a>", "select ?insert where { ?insert ?load 'DROP' }"]


@st.composite
def generated_updates(draw) -> str:
    prologue = draw(st.sampled_from([PROLOGUE, PROLOGUE + "PREFIX : <http://127.0.0.1:9/> ",
                                     "PREFIX load: <urn:l> ", "# INSERT\n", "BASE <urn:y> ",
                                     "PREFIX:<http://127.0.0.1:9/> "]))
    operations = draw(st.lists(st.sampled_from(UPDATE_FORMS + LOADS + QUERY_FORMS),
                               min_size=1, max_size=3))
    return prologue + draw(st.sampled_from([" ; ", ";\n", " ;# c\n", ";"])).join(operations)


@settings(max_examples=400, deadline=None)
@given(text=generated_updates())
def test_the_update_screen_refuses_every_load_or_service_the_engine_would_run(text):
    fetched = _engine_ran_a_fetch(lambda: ox.Store().update(text))
    if fetched:
        with pytest.raises(Refused) as error:
            screen_update(text, max_depth=100)
        assert error.value.kind in ("load", "service"), text


@settings(max_examples=400, deadline=None)
@given(text=generated_updates())
def test_what_the_screen_takes_for_a_query_the_engine_does_not_run_as_an_update(text):
    try:
        screen(text, max_depth=100)
    except Refused:
        return
    with pytest.raises(SyntaxError):
        ox.Store().update(text)
