"""Turning the codes users send (notations or full IRIs) into concepts of the right scheme.

A code that is not in the scheme is refused by name, so a typo never widens a search silently
and no user text reaches a query except as a bound term. A value that parses as an absolute IRI
is looked up as a concept (or as the authority IRI a concept is ``skos:exactMatch`` of, such as
a data.europa.eu NUTS code), anything else as a notation: both are exact lookups, where comparing
strings against every concept of the scheme grows with the scheme.
"""

from __future__ import annotations

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import ID
from passerelle.graph.store.base import Store

SCHEMES = {
    "status": ID + "scheme/statuses",
    "need": ID + "scheme/service-types",
    "region": ID + "scheme/regions",
    "language": "http://publications.europa.eu/resource/authority/language",
    "service_status": ID + "scheme/service-statuses",
    "organisation_type": ID + "scheme/organisation-types",
}


class UnknownCode(ValueError):
    """A code is not in its scheme; ``parameter`` names the request parameter that sent it."""

    def __init__(self, parameter: str, codes: list[str]):
        self.parameter = parameter
        self.codes = codes
        shown = ", ".join(repr(c[:80]) for c in codes)
        super().__init__(f"unknown {parameter} code(s): {shown}")


def _iri(code: str) -> ox.NamedNode | None:
    try:
        return ox.NamedNode(code)
    except ValueError:
        return None


def resolve(store: Store, parameter: str, codes: list[str]) -> dict[str, ox.NamedNode]:
    """Map each code to its concept in the parameter's scheme; raise UnknownCode for the rest."""
    if not codes:
        return {}
    iris = {code: node for code in dict.fromkeys(codes) if (node := _iri(code)) is not None}
    notations = [ox.Literal(c) for c in dict.fromkeys(codes) if c not in iris]
    parts = {"notations"} if notations else set()
    if iris:
        parts.add("iris")
    if len(parts) == 2:
        parts.add("both")
    sparql = values(queries.text("concept-by-code"), {
        "scheme": [ox.NamedNode(SCHEMES[parameter])],
        "code": notations,
        "concept": list(iris.values()),
        "given": list(iris.values()),
    }, frozenset(parts))
    found: dict[str, ox.NamedNode] = {}
    for row in store.query(sparql):
        code, given, concept = row["code"], row["given"], row["concept"]
        found[code.value if code is not None else given.value] = concept
    missing = [c for c in codes if c not in found]
    if missing:
        raise UnknownCode(parameter, missing)
    return found
