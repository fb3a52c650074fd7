"""The validation gate: what callers of `validate` can rely on.

The shapes themselves are tested with the example graphs in tests/shapes; here the concern is
the gate around them: context handling, which findings count, and the plain-words report.
"""

import dataclasses
import json

import pytest
from rdflib import Dataset, Graph, URIRef

from passerelle.graph.validation.gate import Finding, Report, load_context, load_shapes, validate

PREFIXES = """
@prefix pas:     <https://w3id.org/passerelle/ontology#> .
@prefix schema:  <http://schema.org/> .
@prefix st:      <https://w3id.org/passerelle/id/service-type/> .
@prefix service: <https://w3id.org/passerelle/id/service/> .
@prefix orgn:    <https://w3id.org/passerelle/id/organisation/> .
"""
SERVICE = "https://w3id.org/passerelle/id/service/"
PASH = "https://w3id.org/passerelle/shapes#"


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


GOOD_SERVICE = """
service:good a pas:Service ; schema:name "Good service"@en ; pas:serviceType st:housing ;
    pas:provider orgn:provider ."""
PROVIDER = """orgn:provider a pas:Organisation ; schema:name "Provider"@en ."""
NAMELESS_SERVICE = """service:nameless a pas:Service ; pas:serviceType st:housing ."""


def test_to_text_names_node_property_message_and_rule():
    report = validate(turtle(NAMELESS_SERVICE))
    line = report.to_text().splitlines()[0]
    assert line.startswith("Violation: ")
    assert SERVICE + "nameless" in line
    assert "schema:name" in line
    assert "A service needs a name in at least one language" in line
    assert "[rule: Service name]" in line


def test_to_json_is_plain_dicts_of_strings():
    findings = validate(turtle(NAMELESS_SERVICE)).to_json()
    assert findings, "the nameless service must produce findings"
    json.dumps(findings)
    assert set(findings[0]) == {f.name for f in dataclasses.fields(Finding)}
    assert all(isinstance(v, str) for f in findings for v in f.values())
    assert findings[0]["shape"] == PASH + "ServiceNameShape"


def test_findings_on_context_nodes_are_ignored():
    broken_context = turtle(NAMELESS_SERVICE + PROVIDER)
    report = validate(turtle(GOOD_SERVICE), context=broken_context)
    assert report.violations == []
    # The same node in the data is reported: the filter, not the shapes, hid it above.
    assert not validate(turtle(NAMELESS_SERVICE)).conforms


def test_context_supplies_what_the_data_points_to():
    without = validate(turtle(GOOD_SERVICE))
    assert {f.shape for f in without.violations} == {PASH + "ServiceProviderShape"}
    with_context = validate(turtle(GOOD_SERVICE), context=turtle(PROVIDER))
    assert with_context.conforms


def test_ontology_is_always_included_so_a_network_is_an_organisation():
    data = turtle(GOOD_SERVICE + """ orgn:provider a pas:Network ; schema:name "A network"@en .""")
    assert validate(data).violations == []


def test_warnings_do_not_break_conformance():
    report = validate(turtle(GOOD_SERVICE + PROVIDER))
    assert report.conforms
    assert report.warnings, "a bare service lacks recommended properties"
    assert {f.severity for f in report.warnings} == {"Warning"}
    assert "Warning: " + SERVICE + "good pas:serviceArea" in report.to_text()


def test_focus_nodes_limit_the_check():
    data = turtle(GOOD_SERVICE + PROVIDER + NAMELESS_SERVICE)
    assert not validate(data).conforms
    assert validate(data, focus_nodes=[URIRef(SERVICE + "good")]).conforms


def test_named_graphs_of_a_dataset_are_all_checked():
    dataset = Dataset()
    dataset.graph(URIRef("https://w3id.org/passerelle/graph/test")).parse(
        data=PREFIXES + NAMELESS_SERVICE, format="turtle"
    )
    report = validate(dataset)
    assert [f.node for f in report.violations] == [SERVICE + "nameless"]


def test_blank_node_is_described_by_what_holds_it():
    data = turtle(PROVIDER[:-1] + """; schema:contactPoint [ schema:email "no-at-sign" ] .""")
    (finding,) = validate(data).violations
    assert (
        finding.node
        == "https://w3id.org/passerelle/id/organisation/provider schema:contactPoint [...]"
    )
    assert finding.value == "no-at-sign"


def test_report_is_frozen_and_empty_report_says_so():
    report = validate(turtle(GOOD_SERVICE + PROVIDER), focus_nodes=[URIRef(SERVICE + "good")])
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.conforms = False
    assert Report(conforms=True, violations=[], warnings=[]).to_text() == "No problems found."


def test_shapes_and_context_are_parsed_once():
    assert load_shapes() is load_shapes()
    assert load_context() is load_context()
    assert len(load_context()) > 0 and len(load_shapes()) > 0
