"""A large validated load is checked in a scratch store Oxigraph fills from the files
(``validation.scratch``), and gives what the general path gives.

The general path parses into Python terms and checks what the change touches
(``write.steps.check``, pySHACL for a small batch); the scratch path must find the same rules
broken on every example, on the whole seed and on randomly broken copies of seed graphs, refuse
what breaks a limit, and, refused, leave the store exactly as it was. ``SCRATCH_FROM`` is set to
0 here so that small files take it.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.errors import PasserelleError
from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import ID, PAS, RDF_TYPE, SCHEMA, graph_iri
from passerelle.graph.rdf.xml_safety import RULE
from passerelle.graph.store.base import PendingWrite
from passerelle.graph.store.bundle import open_store, seed_files
from passerelle.graph.store.embedded import PENDING_GRAPH
from passerelle.graph.validation import limits, scratch
from passerelle.graph.validation.limits import LimitExceeded
from passerelle.graph.write import loader, steps
from passerelle.graph.write.loader import ValidationFailed, load, parse_files
from tests.conftest import DATA
from tests.graph.test_compiled_validation import EXAMPLES, broken_graph, findings


@pytest.fixture
def scratch_always(monkeypatch):
    monkeypatch.setattr(loader, "SCRATCH_FROM", 0)


@pytest.fixture(scope="module")
def seed():
    return open_store(None, seed=True)


class Recorded:
    """Stands for the real store's writes, so that one seeded store serves every example."""

    def __init__(self, monkeypatch, store):
        self.files: list[list[Path]] = []
        monkeypatch.setattr(store, "begin_write_from", lambda files, graphs: PendingWrite(
            commit=lambda: self.files.append([Path(f).read_bytes() for f in files])))
        monkeypatch.setattr(store, "refresh_inferences", lambda *_: None)


def general(store, path: Path):
    planned = steps.plan(store, parse_files([path]))
    return steps.check(store, planned)


def by_scratch(store, path: Path):
    try:
        result = load(store, [path])
    except ValidationFailed as failure:
        return failure.report
    return result.report


def test_collected_examples():
    assert len(EXAMPLES) == 86


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_every_example_gets_the_findings_of_the_general_path(seed, path, scratch_always,
                                                             monkeypatch):
    recorded = Recorded(monkeypatch, seed)
    reference = general(seed, path)
    report = by_scratch(seed, path)
    assert findings(report) == findings(reference), report.to_text()
    assert report.conforms == reference.conforms == (path.parent.name == "valid")
    assert len(recorded.files) == (1 if report.conforms else 0)


def test_the_whole_seed_loaded_at_once_gets_the_same_findings(tmp_path, scratch_always):
    vocabularies = open_store(None)
    reference = steps.check(vocabularies, steps.plan(vocabularies, parse_files(seed_files())))
    merged = tmp_path / "seed.nq"
    merged.write_bytes(ox.serialize(
        [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
         for g, triples in parse_files(seed_files()).items() for t in triples],
        format=ox.RdfFormat.N_QUADS))
    result = load(vocabularies, [merged])
    assert len(reference.warnings) > 20
    assert findings(result.report) == findings(reference)
    assert sum(result.graphs.values()) == sum(1 for _ in ox.parse(
        path=merged, format=ox.RdfFormat.N_QUADS))


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_broken_copies_of_seed_graphs_get_the_same_findings(seed_graphs, data, tmp_path_factory,
                                                            monkeypatch):
    """A broken copy of one seed graph, loaded into a store holding the others."""
    monkeypatch.setattr(loader, "SCRATCH_FROM", 0)
    name, triples = data.draw(broken_graph(seed_graphs))
    store = open_store(None)
    store.write({g: t for g, t in seed_graphs.items() if g != name})
    file = tmp_path_factory.mktemp("broken") / "broken.nq"
    file.write_bytes(ox.serialize([ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))
                                   for t in triples], format=ox.RdfFormat.N_QUADS))
    Recorded(monkeypatch, store)
    reference = steps.check(store, steps.plan(store, {name: triples}))
    report = by_scratch(store, file)
    assert findings(report) == findings(reference), (name, report.to_text(),
                                                     reference.to_text())


def test_a_large_load_is_checked_by_oxigraph_and_bulk_loaded(tmp_path, scratch_always,
                                                             monkeypatch):
    monkeypatch.setattr(loader, "parse", lambda *a, **k: pytest.fail("parsed in Python"))
    store = open_store(tmp_path / "store")
    files = sorted((DATA / "valid").glob("*.ttl"))
    result = load(store, files)
    assert set(result.graphs) == {graph_iri(f.stem) for f in files}
    assert PENDING_GRAPH not in store.graphs()
    monkeypatch.undo()
    other = open_store(tmp_path / "other")
    expected = load(other, files)
    assert {g: sum(1 for _ in store.quads(g)) for g in result.graphs} == expected.graphs


def test_an_invalid_large_load_leaves_the_store_as_it_was(tmp_path, scratch_always):
    store = open_store(tmp_path / "store")
    before = sorted(map(str, store.quads()))
    invalid = sorted((DATA / "invalid").glob("*.ttl"))
    with pytest.raises(ValidationFailed) as failure:
        load(store, [*sorted((DATA / "valid").glob("*.ttl")), invalid[0]])
    assert failure.value.report.violations
    assert sorted(map(str, store.quads())) == before


def test_a_graph_holding_data_takes_the_general_path(tmp_path, scratch_always, monkeypatch):
    store = open_store(tmp_path / "store")
    file = sorted((DATA / "valid").glob("*.ttl"))[0]
    load(store, [file])
    parsed = []
    real = loader.parse
    monkeypatch.setattr(loader, "parse", lambda *a, **k: parsed.append(1) or real(*a, **k))
    monkeypatch.setattr(store, "write_from", lambda *a, **k: pytest.fail("bulk loaded"))
    monkeypatch.setattr(store, "begin_write_from", lambda *a, **k: pytest.fail("bulk loaded"))
    load(store, [file], replace=True)
    assert parsed == [1]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def refused(store, path: Path, error) -> PasserelleError:
    before = sorted(map(str, store.quads()))
    with pytest.raises(error) as failure:
        load(store, [path])
    assert sorted(map(str, store.quads())) == before
    return failure.value


def test_blank_nodes_nested_past_the_limit_are_refused(tmp_path, scratch_always, monkeypatch):
    monkeypatch.setattr(limits, "configured", lambda: (20, 100_000, 3))
    store = open_store(tmp_path / "store")
    deep = "<https://example.org/a> <https://example.org/p> [ <https://example.org/p> " \
           "[ <https://example.org/p> [ <https://example.org/p> [ <https://example.org/q> " \
           "\"x\" ] ] ] ] .\n"
    error = refused(store, write(tmp_path / "deep.ttl", deep), LimitExceeded)
    assert "nested more than 3 deep" in str(error)
    shallow = deep.replace("[ <https://example.org/p> [ <https://example.org/q>",
                           "[ <https://example.org/q>").replace("] ] ] ]", "] ] ]")
    load(store, [write(tmp_path / "shallow.ttl", shallow)])


def test_a_triple_term_is_refused(tmp_path, scratch_always):
    store = open_store(tmp_path / "store")
    text = "<https://example.org/a> <https://example.org/says> " \
           "<<( <https://example.org/a> <https://example.org/p> <https://example.org/b> )>> .\n"
    error = refused(store, write(tmp_path / "terms.nt", text), formats.UnsupportedTerm)
    assert "triple term" in str(error)


@pytest.mark.parametrize("text", [
    '<https://example.org/a> <https://example.org/p> "bell\\u0007" <https://example.org/g> .\n',
    '<https://example.org/a> <https://example.org/terms/> "x" <https://example.org/g> .\n',
    '<https://example.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
    '<https://example.org/123> <https://example.org/g> .\n',
    '<https://example.org/a> <https://example.org/p> "bell\x07" <https://example.org/g> .\n',
], ids=["control-character", "property-without-name", "class-without-name",
        "raw-control-character"])
def test_what_xml_cannot_carry_is_refused(tmp_path, scratch_always, text):
    store = open_store(tmp_path / "store")
    error = refused(store, write(tmp_path / "bad.nq", text), ValidationFailed)
    assert {f.shape for f in error.report.violations} == {RULE}


def test_a_concept_hierarchy_past_its_limit_is_refused(tmp_path, scratch_always, monkeypatch):
    monkeypatch.setattr(limits, "configured", lambda: (3, 100_000, 20))
    store = open_store(tmp_path / "store")
    concept = f"{ID}concept/chain-"
    lines = [f"<{concept}{i}> <http://www.w3.org/2004/02/skos/core#broader> <{concept}{i + 1}> ."
             for i in range(6)]
    lines += [f"<{concept}{i}> <{RDF_TYPE}> <http://www.w3.org/2004/02/skos/core#Concept> ."
              for i in range(7)]
    refused(store, write(tmp_path / "chain.nt", "\n".join(lines) + "\n"), LimitExceeded)


@pytest.mark.parametrize("store_subjects", [0, scratch.STORE_SUBJECTS],
                         ids=["load-side", "store-side"])
def test_a_load_reads_what_the_store_says_about_the_nodes_it_names(tmp_path, scratch_always,
                                                                   monkeypatch, store_subjects):
    """A service naming a provider only the store describes is checked against it, and one the
    store describes already is checked with what the store says of it, whichever side lists
    the IRIs both describe."""
    monkeypatch.setattr(scratch, "STORE_SUBJECTS", store_subjects)
    store = open_store(None, seed=True)
    service = f"{ID}service/scratch-new"
    text = "\n".join([
        f"<{service}> <{RDF_TYPE}> <{PAS}Service> .",
        f'<{service}> <{SCHEMA}name> "A new service"@en .',
        f"<{service}> <{PAS}serviceType> <{ID}service-type/housing> .",
        f"<{service}> <{PAS}provider> <{ID}organisation/au-maquis> .",
    ]) + "\n"
    file = write(tmp_path / "one.nt", text)
    reference = steps.check(store, steps.plan(store, parse_files([file])))
    result = load(store, [file])
    assert findings(result.report) == findings(reference)
    assert not any(f.path.endswith("provider") for f in result.report.violations)
    again = write(tmp_path / "again.nt", f'<{ID}organisation/au-maquis> <{SCHEMA}name> '
                                         '"A second name"@en .\n')
    reference = steps.check(store, steps.plan(store, parse_files([again])))
    assert findings(by_scratch(store, again)) == findings(reference)


@pytest.mark.parametrize("count, scratch_path", [
    ('"14"^^xsd:int', False),
    ('"0"^^xsd:positiveInteger', False),
    ('"14"^^<http://www.w3.org/2001/XMLSchema#\\u0069nt>', False),
    ('"14"^^xsd:nonNegativeInteger', True),
    ("14", True),
], ids=["int", "zero-positive", "escaped-int", "non-negative", "integer"])
def test_a_datatype_oxigraph_rewrites_is_checked_as_written(tmp_path, scratch_always,
                                                           monkeypatch, count, scratch_path):
    """Oxigraph stores an ``xsd:int`` as an ``xsd:integer``: checked in the scratch store, a
    count the shapes refuse as written would pass."""
    text = (DATA / "valid" / "event-with-platform.ttl").read_text(encoding="utf-8")
    path = write(tmp_path / "event.ttl",
                 text.replace("pas:participantCount 14 ;", f"pas:participantCount {count} ;"))
    expected = findings(general(open_store(None, seed=True), path))
    assert any("EventParticipantCount" in f[2] for f in expected) is not scratch_path
    parsed = []
    real = loader.parse
    monkeypatch.setattr(loader, "parse", lambda *a, **k: parsed.append(1) or real(*a, **k))
    store = open_store(None, seed=True)
    before = sorted(map(str, store.quads()))
    assert findings(by_scratch(store, path)) == expected
    assert bool(parsed) is not scratch_path
    if expected:
        assert sorted(map(str, store.quads())) == before


NAMED = "<https://example.org/a> <https://example.org/p> {} <https://example.org/g> .\n"


@pytest.mark.parametrize("text, graphs", [
    (NAMED.format("<https://example.org/b>") + NAMED.format('"x"@en').replace("/g>", "/h>"),
     {"https://example.org/g", "https://example.org/h"}),
    (NAMED.format('"x"^^<http://www.w3.org/2001/XMLSchema#string>').rstrip("\n") + "\r\n",
     {"https://example.org/g"}),
    (NAMED.format("_:b0") + "<https://example.org/a> <https://example.org/p> \"x\"^^"
     "<http://www.w3.org/2001/XMLSchema#string> .\n", None),
    (NAMED.format("<https://example.org/b>") + "<https://example.org/a> "
     "<https://example.org/p> <https://example.org/b> .\n", None),
    (NAMED.format('"a \\" b"'), None),
    (NAMED.format('"x"') + "# a comment\n", None),
    (NAMED.format('"x"') + "\n", None),
    (NAMED.format("<https://example.org/b>").replace("<https://example.org/g>", "<g>"), None),
    (NAMED.format("<https://example.org/b>").replace("<https://example.org/g>", "_:g"), None),
    ("", None),
], ids=["iri-and-literal", "typed-crlf", "default-graph", "object-not-graph", "escape",
        "comment", "blank-line", "relative-graph", "blank-graph", "empty"])
def test_the_graphs_of_n_quads_are_read_from_their_bytes_only_when_every_line_names_one(
        text, graphs):
    source = text.encode()
    assert scratch.named_graphs(source) == graphs
    if graphs is not None:
        assert graphs == {q.graph_name.value for q in ox.parse(source,
                                                               format=ox.RdfFormat.N_QUADS)}


def test_n_quads_naming_their_graphs_are_bulk_loaded_while_the_scratch_store_is_filled(
        tmp_path, scratch_always, monkeypatch):
    store = open_store(tmp_path / "store")
    order = []
    real_load, real_begin = scratch.Scratch.load, store.begin_write_from
    monkeypatch.setattr(scratch.Scratch, "load", lambda self, *a, **k: order.append("scratch")
                        or real_load(self, *a, **k))
    monkeypatch.setattr(store, "begin_write_from", lambda *a: order.append("bulk")
                        or real_begin(*a))
    file = tmp_path / "valid.nq"
    file.write_bytes(ox.serialize(
        [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g)) for g, triples in
         parse_files(sorted((DATA / "valid").glob("*.ttl"))).items() for t in triples],
        format=ox.RdfFormat.N_QUADS))
    result = load(store, [file])
    assert order == ["bulk", "scratch"]
    assert {g: sum(1 for _ in store.quads(g)) for g in result.graphs} == result.graphs
    assert PENDING_GRAPH not in store.graphs()


def test_a_concept_hierarchy_past_its_limit_is_refused_while_bulk_loaded(tmp_path,
                                                                         scratch_always,
                                                                         monkeypatch):
    """The hierarchy is checked against the store as it was: not the concepts the bulk loader
    is adding meanwhile, and the graphs it added are dropped."""
    store = open_store(tmp_path / "store")
    concept = f"{ID}concept/chain-"
    graph = graph_iri("chain")
    lines = [f"<{concept}{i}> <http://www.w3.org/2004/02/skos/core#broader> <{concept}{i + 1}> "
             f"<{graph}> ." for i in range(6)]
    lines += [f"<{concept}{i}> <{RDF_TYPE}> <http://www.w3.org/2004/02/skos/core#Concept> "
              f"<{graph}> ." for i in range(7)]
    file = write(tmp_path / "chain.nq", "\n".join(lines) + "\n")
    monkeypatch.setattr(limits, "configured", lambda: (3, 100_000, 20))
    refused(store, file, LimitExceeded)
    monkeypatch.setattr(limits, "configured", lambda: (20, 100_000, 20))
    load(store, [file])
    assert sum(1 for _ in store.quads(graph)) == len(lines)


def test_n_quads_with_a_datatype_oxigraph_rewrites_take_the_general_path_once_bulk_loading(
        tmp_path, scratch_always, monkeypatch):
    """The bulk loader has begun when the datatypes are read: its graphs are dropped, and the
    general path loads the file."""
    store = open_store(tmp_path / "store")
    parsed = []
    real = loader.parse
    monkeypatch.setattr(loader, "parse", lambda *a, **k: parsed.append(1) or real(*a, **k))
    file = write(tmp_path / "int.nq", NAMED.format(
        '"14"^^<http://www.w3.org/2001/XMLSchema#int>'))
    load(store, [file])
    assert parsed == [1]
    assert PENDING_GRAPH not in store.graphs()
    assert [q.object.value for q in store.quads("https://example.org/g")] == ["14"]


@pytest.mark.parametrize("literal, rewrites", [
    ('"14"^^<http://www.w3.org/2001/XMLSchema#int>', True),
    ('"14"^^<http://www.w3.org/2001/XMLSchema#\\u0069nt>', True),
    ('"2024-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTimeStamp>', True),
    ('"3"^^<http://www.w3.org/2001/XMLSchema#positiveInteger>', False),
    ('"x"^^<http://www.w3.org/2001/XMLSchema#string>', False),
    ('"a \\" b"^^<http://www.w3.org/2001/XMLSchema#string>', False),
], ids=["int", "escaped-int", "date-time-stamp", "positive", "string", "escaped-string"])
def test_a_line_document_whose_datatypes_oxigraph_rewrites_is_told(literal, rewrites):
    source = NAMED.format(literal).encode()
    assert scratch.rewrites_datatypes(source, ox.RdfFormat.N_QUADS) is rewrites
