"""What a document passes before any parser sees it, and how parsed triples reach rdflib.

Why: pyoxigraph parses JSON-LD objects and triple terms by recursion, so a body nested a few
thousand levels deep ended the process with no exception to catch; RDF/XML internal entities
turned 649 bytes into a 30 MB literal; and the N-Triples text that carried triples into rdflib
was read in time quadratic in a line's length. The screen must refuse exactly what nests too
deep, naming the line, and let every document we publish or ship through; the direct conversion
must give the graph the N-Triples route gave.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from passerelle.errors import PasserelleError
from passerelle.graph.rdf import formats
from passerelle.graph.write import commit as writes
from passerelle.graph.write import loader
from tests.conftest import DATA, ROOT

LIMIT = formats.MAX_DEPTH
SHIPPED = sorted([*(ROOT / "ontology").glob("*.ttl"), *(ROOT / "shapes").glob("*.ttl"),
                  *(ROOT / "graph" / "data").glob("*.ttl"), *(DATA / "valid").glob("*.ttl"),
                  *(DATA / "invalid").glob("*.ttl")])

NESTINGS = {
    "turtle-blank-nodes": ("ttl", "ex:a ex:p ", "[ ex:p ", "1", " ]", " ."),
    "turtle-collections": ("ttl", "ex:a ex:p ", "( ", "1", " )", " ."),
    "turtle-triple-terms": ("ttl", "ex:a ex:p ", "<<( ex:a ex:p ", "ex:c", " )>>", " ."),
    "turtle-reifiers": ("ttl", "ex:a ex:p ", "<< ex:a ex:p ", "ex:c", ">>", " ."),
    "trig-blank-nodes": ("trig", "ex:g { ex:a ex:p ", "[ ex:p ", "1", "]", " }"),
    "ntriples-triple-terms": ("nt", "<http://x/a> <http://x/p> ", "<<(<http://x/a> <http://x/p> ",
                              "<http://x/c>", ")>>", " ."),
    "jsonld-objects": ("jsonld", '{"@id": "http://x/a", "http://x/p": ', '{"http://x/p": ', "1",
                       "}", "}"),
    "jsonld-arrays": ("jsonld", '{"@id": "http://x/a", "http://x/p": ', "[", "1", "]", "}"),
}


def nested(case: str, depth: int) -> tuple[bytes, formats.Format]:
    name, start, opening, inner, closing, end = NESTINGS[case]
    head = "" if name in ("nt", "jsonld") else "@prefix ex: <http://x/> .\n# ((( [[[ <<(\n"
    text = head + start + opening * depth + inner + closing * depth + end + "\n"
    return text.encode(), formats.by_name(name)


@pytest.mark.parametrize("case", sorted(NESTINGS))
@pytest.mark.parametrize("depth", [LIMIT + 1, 50_000])
def test_nesting_near_the_limit_parses_and_past_it_is_refused_by_line(case, depth):
    data, fmt = nested(case, LIMIT - 2)  # the statement around it nests one or two levels
    formats.screen(data, fmt)
    assert list(ox.parse(data, format=fmt.oxigraph))
    data, fmt = nested(case, depth)
    with pytest.raises(formats.Refused) as refused:
        formats.screen(data, fmt)
    line = 1 if fmt.name in ("nt", "jsonld") else 3
    assert refused.value.kind == "too-deep" and refused.value.line == line
    assert str(refused.value).startswith(f"line {line}: nested deeper than {LIMIT}")


def test_brackets_in_strings_iris_and_comments_do_not_count():
    text = ('@prefix ex: <http://x/#> .\n# (((((( [[[[ <<<<\n'
            'ex:a ex:p "((((\\"[[[[" , """ <<<<\n[[[[ """ , \'((((\' , \'\'\'[[[\'\'\' ;\n'
            '  ex:q <http://x/((((#[[[> , ex:b\\(\\( .\n') * 50
    formats.check_nesting(text.encode(), limit=1)
    formats.check_nesting(b'{"a": "[[[[\\"{{{{", "b": [1, -2.5e10, {"c": "]]]"}]}', json=True,
                          limit=3)


def test_unterminated_strings_leave_the_message_to_the_parser():
    formats.check_nesting(b'<http://x/a> <http://x/p> "(((((\n<http://x/a> <http://x/p> 1 .\n',
                          limit=1)


def test_json_numbers_of_more_than_a_hundred_characters_are_refused():
    formats.check_nesting(b"[" + b"9" * formats.MAX_NUMBER + b"]", json=True)
    with pytest.raises(formats.Refused, match="line 2: a number of 5000 characters"):
        formats.check_nesting(b'{\n"a": ' + b"7" * 5000 + b"}", json=True)


def test_rdfxml_document_types_are_refused():
    entities = (b'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY a "aaaa"> ]>\n'
                b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    with pytest.raises(formats.Refused, match="line 2: document type declarations") as refused:
        formats.screen(entities, formats.by_name("rdfxml"))
    assert refused.value.kind == "dtd"
    formats.screen(entities.replace(b"<!DOCTYPE rdf:RDF [ <!ENTITY a \"aaaa\"> ]>\n", b""),
                   formats.by_name("rdfxml"))


def _shipped_dataset() -> ox.Store:
    store = ox.Store()
    for path in SHIPPED:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE,
                   to_graph=ox.NamedNode(f"http://example.org/{path.stem}"))
    return store


@pytest.mark.parametrize("fmt", formats.FORMATS, ids=[f.name for f in formats.FORMATS])
def test_everything_we_ship_passes_the_screen_in_every_format(fmt):
    store = _shipped_dataset()
    data = (store.dump(format=fmt.oxigraph) if fmt.dataset else
            store.dump(format=fmt.oxigraph, from_graph=ox.NamedNode("http://example.org/core")))
    formats.screen(data, fmt)
    for path in SHIPPED:
        formats.screen(path.read_bytes(), formats.by_name("ttl"))
    assert len(SHIPPED) > 20


def _via_ntriples(triples) -> rdflib.Graph:
    """The conversion this module replaced, kept here as the reference."""
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def test_direct_conversion_gives_the_graph_the_ntriples_route_gave():
    triples = [q.triple for q in _shipped_dataset()]
    direct = formats.rdflib_graph(triples)
    assert len(direct) == len(_via_ntriples(triples)) > 3000
    assert isomorphic(direct, _via_ntriples(triples))
    odd = [q.triple for q in ox.parse(
        b'<http://x/a> <http://x/p> "plain", "typed"^^<http://www.w3.org/2001/XMLSchema#string>,'
        b' "fr"@fr, "dir"@ar--rtl, "7"^^<http://www.w3.org/2001/XMLSchema#integer>, "bad"^^'
        b'<http://www.w3.org/2001/XMLSchema#date>, _:b . _:b <http://x/q> "x\\n\\"y\\"" .',
        format=ox.RdfFormat.TURTLE)]
    assert isomorphic(formats.rdflib_graph(odd), _via_ntriples(
        [t for t in odd if not (isinstance(t.object, ox.Literal) and t.object.value == "dir")]
        + [ox.Triple(ox.NamedNode("http://x/a"), ox.NamedNode("http://x/p"),
                     ox.Literal("dir", language="ar"))]))
    plain = set(formats.rdflib_graph(odd).objects(rdflib.URIRef("http://x/a"),
                                                  rdflib.URIRef("http://x/p")))
    assert rdflib.Literal("typed") in plain and rdflib.Literal("plain") in plain


def test_a_triple_term_is_refused_by_name(tmp_path):
    body = b"<http://x/a> <http://x/p> << <http://x/a> <http://x/p> 1 >> ."
    with pytest.raises(formats.UnsupportedTerm, match="triple term"):
        loader.parse(body, formats.by_name("ttl"), name="body", graph="http://x/g")


def test_a_literal_over_the_limit_is_refused_naming_subject_and_predicate():
    body = b'<http://x/a> <http://x/p> "' + b"x" * 11 + b'" .'
    assert loader.parse(body, formats.by_name("ttl"), name="body", graph="http://x/g",
                        max_literal=11)
    with pytest.raises(loader.LiteralTooLarge) as refused:
        loader.parse(body, formats.by_name("ttl"), name="body", graph="http://x/g",
                     max_literal=10)
    assert (refused.value.subject, refused.value.predicate) == ("<http://x/a>", "http://x/p")
    assert "11 characters long, over the limit of 10" in str(refused.value)


def test_a_deep_file_is_refused_by_the_loader_naming_file_and_line(tmp_path):
    data, _ = nested("turtle-collections", 5000)
    path = tmp_path / "deep.ttl"
    path.write_bytes(data)
    with pytest.raises(PasserelleError, match=r"deep.ttl: line 3: nested deeper than 100"):
        loader.parse_files([path])


# --- the write queue ---------------------------------------------------------------------

def test_write_queue_runs_in_order_bounds_the_waiting_and_sets_the_literal_limit():
    queue = writes.WriteQueue(1, max_literal=123)
    release, started = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(60)
        return ("slow", threading.current_thread().daemon)

    first = queue.submit(slow)
    started.wait(60)
    assert not queue.full
    second = queue.submit(writes.MAX_LITERAL.get)
    assert queue.full
    with pytest.raises(writes.Busy):
        queue.submit(writes.MAX_LITERAL.get)
    assert not second.done()
    release.set()
    assert first.result(60) == ("slow", True)
    assert second.result(60) == 123
    assert not queue.full
    assert writes.MAX_LITERAL.get() is None  # only the queue's thread sees the limit
    assert queue.submit(lambda: 1 / 0).exception(60).__class__ is ZeroDivisionError
    assert queue.submit(lambda: "free again").result(60) == "free again"


def test_every_shipped_file_still_parses_through_the_loader():
    for path in SHIPPED:
        assert loader.parse(Path(path), formats.by_name("ttl"), name=path.name,
                            graph="http://x/g") is not None
