"""A small write is checked by the compiled checks its data can match (``incremental._focused``),
and gets exactly pySHACL's findings: the same nodes, paths, shapes, messages, severities and
values, warnings included, in the same order.

pySHACL stays the reference (``engine="pyshacl"``). Both run on every valid and invalid example
written onto a store holding the seed, on randomly broken copies of the seed's graphs, and along
sequences of writes (create, replace, break a provider, delete) that the store then takes. A
typed literal Oxigraph would store in another form ("016", "1" for true, an
``xsd:positiveInteger``, stored as an ``xsd:integer``) is checked as written.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import DCT, ID, PAS, RDF_TYPE, graph_iri
from passerelle.graph.store.bundle import open_store
from passerelle.graph.validation import incremental
from passerelle.graph.validation.incremental import Change, check
from passerelle.graph.write import audit
from passerelle.graph.write.loader import ValidationFailed, parse, parse_files, write
from tests.conftest import DATA
from tests.graph.test_compiled_validation import broken_graph

EXAMPLES = sorted([*(DATA / "invalid").glob("*.ttl"), *(DATA / "valid").glob("*.ttl")])
PASH = "https://w3id.org/passerelle/shapes#"
TURTLE = formats.by_name("ttl")


@pytest.fixture(scope="module")
def seed():
    """An in-memory store with the vocabularies and the seed; checks never write to it."""
    return open_store(None, seed=True)


def both(store, change: Change):
    return check(store, change, engine="pyshacl"), check(store, change, engine="focused")


def test_collected_examples():
    assert len(EXAMPLES) == 86


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_every_example_gets_pyshacls_findings(seed, path):
    reference, focused = both(seed, Change.plan(seed, parse_files([path])))
    assert focused == reference, focused.to_text()
    assert focused.conforms == (path.parent.name == "valid")


def test_a_small_write_takes_the_focused_checks(seed, monkeypatch):
    used = []
    real = incremental._focused
    monkeypatch.setattr(incremental, "_focused", lambda d, c: used.append(1) or real(d, c))
    check(seed, Change.plan(seed, parse_files([DATA / "valid" / "service-full.ttl"])))
    assert used == [1]


def test_a_service_write_runs_only_the_checks_that_can_find_something(seed, monkeypatch):
    """No event or organisation shape, no test of a property the service does not give, no
    count its values already satisfy; what the service lacks is still checked."""
    chosen = []
    real = incremental._matching_checks
    monkeypatch.setattr(incremental, "_matching_checks",
                        lambda d, c: chosen.extend(real(d, c)) or chosen)
    report = check(seed, Change.plan(seed, service(6), replace=True))
    ran = {(c.kind, c.shape.removeprefix(PASH)) for c, _ in chosen}
    assert not any(shape.startswith(("Event", "Organisation")) for _, shape in ran)
    assert ("min-count", "ServiceNameShape") not in ran
    assert ("max-count", "ServiceOpenToAllShape") not in ran
    assert ("min-count", "ServiceStatusRecommendedShape") in ran
    assert "Service status recommended" in report.to_text()
    assert len(ran) < len(incremental._check_targets()) / 3


def test_a_value_that_passed_a_check_is_not_asked_again_and_a_failure_is_kept(seed,
                                                                              monkeypatch):
    monkeypatch.setattr(incremental, "_passed", {})
    asked = []
    real = incremental._remember_passed
    monkeypatch.setattr(incremental, "_remember_passed",
                        lambda c, v: asked.append(c.shape.removeprefix(PASH)) or real(c, v))
    first = check(seed, Change.plan(seed, service(10), replace=True))
    assert "ServiceOpenToAllShape" in asked and "ServiceMinimumAgeShape" in asked
    asked.clear()
    again = check(seed, Change.plan(seed, service(11), replace=True))
    assert "ServiceOpenToAllShape" not in asked and "ServiceMinimumAgeShape" not in asked
    assert again.to_text() == first.to_text().replace("sequence-10", "sequence-11")
    for n in (12, 13):
        change = Change.plan(seed, service(n, age='"200"^^xsd:integer'), replace=True)
        reference, focused = both(seed, change)
        assert focused == reference
        assert [f.path for f in focused.violations] == ["pas:minimumAge"]


def test_a_records_timestamp_does_not_send_it_to_pyshacl(seed, monkeypatch):
    """Oxigraph reads a write's ``dct:modified`` back with "Z" for "+00:00"; no shape reads
    it, so the write stays on the compiled checks."""
    graphs = service(5)
    [(graph, triples)] = graphs.items()
    stamp = audit.timestamp(audit.now())
    assert stamp.value.endswith("+00:00")
    graphs = {graph: [*triples, ox.Triple(ox.NamedNode(graph), ox.NamedNode(DCT + "modified"),
                                          stamp)]}
    monkeypatch.setattr(incremental, "_pyshacl", lambda d, c: pytest.fail("sent to pySHACL"))
    assert check(seed, Change.plan(seed, graphs, replace=True)).conforms


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_broken_copies_of_the_seed_get_pyshacls_findings(seed, seed_graphs, data):
    name, triples = data.draw(broken_graph(seed_graphs))
    change = Change.plan(seed, {name: triples}, replace=True)
    if len(incremental.touched(seed, change)[0]) >= incremental.SPARQL_FROM:
        return
    reference, focused = both(seed, change)
    assert focused == reference, (name, focused.to_text(), reference.to_text())


SERVICE = """
@prefix pas: <https://w3id.org/passerelle/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{id}service/sequence-{n}> a pas:Service ;
    schema:name "Sequence probe {n}"@en ;
    pas:serviceType <{id}service-type/language> ;
    pas:provider <{id}organisation/{provider}> ;
    pas:openToAllStatuses "{open}"^^xsd:boolean ;
    pas:serviceArea <{id}region/FRL06> ;
    pas:minimumAge {age} ;
    schema:address [ schema:addressLocality "Lauris" ; schema:addressCountry "FR" ] .
"""


def service(n: int, *, provider: str = "au-maquis", age: str = '"16"^^xsd:integer',
            open_: str = "true"):
    text = SERVICE.format(id=ID, n=n, provider=provider, age=age, open=open_)
    return parse(text.encode(), TURTLE, name="sequence.ttl", graph=graph_iri(f"sequence-{n}"))


@pytest.mark.parametrize(("age", "open_", "refused"), [
    ('"-016"^^xsd:integer', "true", True),
    ('"16"^^xsd:integer', "1", False),
    ('"0"^^xsd:positiveInteger', "true", True),
])
def test_literals_oxigraph_would_rewrite_are_checked_as_written(seed, age, open_, refused):
    change = Change.plan(seed, service(1, age=age, open_=open_), replace=True)
    reference, focused = both(seed, change)
    assert focused == reference
    assert [f.path for f in focused.violations] == (["pas:minimumAge"] if refused else [])


def test_a_sequence_of_writes_gets_pyshacls_findings_at_every_step():
    store = open_store(None, seed=True)
    organisations = graph_iri("organisations")
    au_maquis = ox.NamedNode(ID + "organisation/au-maquis")
    steps = [
        ("create", service(1)),
        ("create", service(2, age='"016"^^xsd:integer')),
        ("replace", service(1, age='"-1"^^xsd:integer')),
        ("replace", service(2, provider="nowhere")),
        ("provider loses its type",
         {organisations: [q.triple for q in store.quads(organisations)
                          if q.triple != ox.Triple(au_maquis, ox.NamedNode(RDF_TYPE),
                                                   ox.NamedNode(PAS + "Organisation"))]}),
        ("delete", {graph_iri("sequence-1"): []}),
        ("create", service(3, open_="1")),
        ("create", service(4, open_="0")),
    ]
    refused = 0
    for what, graphs in steps:
        before = sorted(map(str, store.quads()))
        change = Change.plan(store, graphs, replace=True)
        reference, focused = both(store, change)
        assert focused == reference, (what, focused.to_text(), reference.to_text())
        if focused.conforms:
            write(store, graphs, replace=True)
        else:
            refused += 1
            with pytest.raises(ValidationFailed):
                write(store, graphs, replace=True)
            assert sorted(map(str, store.quads())) == before, what
    assert refused == 4
    assert ox.Triple(ox.NamedNode(ID + "service/sequence-3"), ox.NamedNode(RDF_TYPE),
                     ox.NamedNode(PAS + "Service")) in {q.triple for q in store.quads()}
