"""The recommended details: a service a caseworker cannot reach, or cannot place, is accepted
with a warning that says what to add; one way to reach it and one place silence the warning."""

from __future__ import annotations

import pytest
from rdflib import Graph

from passerelle.graph.validation.gate import validate

PASH = "https://w3id.org/passerelle/shapes#"
SERVICE = """
@prefix pas: <https://w3id.org/passerelle/ontology#> .
@prefix schema: <http://schema.org/> .
<https://w3id.org/passerelle/id/service/example-reach> a pas:Service ;
    schema:name "Example"@en ;
    pas:serviceType <https://w3id.org/passerelle/id/service-type/housing> {extra} .
"""
REACHABLE = PASH + "ServiceReachableRecommendedShape"
LOCATED = PASH + "ServiceLocatedRecommendedShape"


def warned(extra: str) -> set[str]:
    report = validate(Graph().parse(data=SERVICE.replace("{extra}", extra), format="turtle"))
    assert report.conforms, report.to_text()
    return {f.shape for f in report.warnings}


@pytest.mark.parametrize(("extra", "reachable", "located"), [
    ("", False, False),
    ('; schema:contactPoint [ a schema:ContactPoint ; schema:telephone "+33490000000" ]',
     True, False),
    ('; schema:contactPoint [ a schema:ContactPoint ; schema:email "a@example.org" ]',
     True, False),
    ('; schema:contactPoint [ a schema:ContactPoint ; schema:contactType "desk"@en ]',
     False, False),
    ("; schema:url <https://example.org/service>", True, False),
    ('; schema:address [ a schema:PostalAddress ; schema:addressCountry "FR" ]', False, True),
    ("; pas:serviceArea <https://w3id.org/passerelle/id/region/FRL06>", False, True),
])
def test_reach_and_place_warnings(extra, reachable, located):
    found = warned(extra)
    assert (REACHABLE not in found, LOCATED not in found) == (reachable, located), found


def test_the_warnings_say_what_to_add():
    report = validate(Graph().parse(data=SERVICE.replace("{extra}", ""), format="turtle"))
    messages = {f.shape: f.message for f in report.warnings}
    assert "telephone number, an e-mail address or a website" in messages[REACHABLE]
    assert "postal address or the area it covers" in messages[LOCATED]
