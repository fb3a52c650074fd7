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
from passerelle.graph.read.generations import PerGeneration
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
    """Map each code to its concept in the parameter's scheme; raise UnknownCode for the rest.

    On an embedded store the codes found are remembered until its data changes: a search
    resolves its codes several times, each a query, and that cost a fair share of a search
    answered from the index. Only codes of the scheme are remembered, so the memory is bounded
    by the schemes."""
    kept = _resolved.get(store)
    if kept is not None and all((parameter, c) in kept for c in codes):
        return {c: kept[parameter, c] for c in codes}
    found = lookup(store, parameter, codes)
    missing = [c for c in codes if c not in found]
    if missing:
        raise UnknownCode(parameter, missing)
    if kept is not None:
        kept.update(((parameter, c), concept) for c, concept in found.items())
    return found


_resolved: PerGeneration[dict[tuple[str, str], ox.NamedNode]] = PerGeneration(dict)
"""The codes resolved on an embedded store's current data (None for other stores, whose data
other processes may change)."""


def lookup(store: Store, parameter: str, codes: list[str]) -> dict[str, ox.NamedNode]:
    """The codes that are in the parameter's scheme, each with its concept."""
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
    return found


class Resolver:
    """The one code resolver of every way into the graph (the write API, the spreadsheet, HSDS),
    over ``lookup``, remembering its answers: an import asks for the same codes row after row.

    ``code_for`` also takes a concept's label in any language (what an outside format writes),
    reading a scheme's labels once, the first time a text is not a code.
    """

    def __init__(self, store: Store):
        self.store = store
        self._found: dict[tuple[str, str], ox.NamedNode | None] = {}
        self._labels: dict[str, dict[str, str]] = {}

    def concepts(self, scheme: str, codes: list[str]) -> dict[str, ox.NamedNode]:
        """The codes (notations or IRIs) that are in the scheme, each with its concept."""
        todo = [c for c in codes if (scheme, c) not in self._found]
        if todo:
            todo = list(dict.fromkeys(todo))
            found = lookup(self.store, scheme, todo)
            for code in todo:
                self._found[scheme, code] = found.get(code)
        return {c: node for c in codes if (node := self._found[scheme, c]) is not None}

    def concept(self, scheme: str, code: str) -> ox.NamedNode | None:
        return self.concepts(scheme, [code]).get(code)

    def code_for(self, scheme: str, text: str) -> str | None:
        """The code a text names: the code itself, the concept's IRI, or a label in any
        language (case aside)."""
        if self.concept(scheme, text) is not None:
            return text
        if scheme not in self._labels:
            rows = self.store.query(values(queries.text("scheme-codes-and-labels"),
                                           {"scheme": [ox.NamedNode(SCHEMES[scheme])]}))
            labels: dict[str, str] = {}
            for row in rows:
                code = row["code"].value
                if row["label"] is not None:
                    labels[row["label"].value.casefold()] = code
                labels[row["concept"].value.casefold()] = code
            self._labels[scheme] = labels
        return self._labels[scheme].get(text.strip().casefold())
