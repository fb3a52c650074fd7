"""A page of services, read in two queries, as the one read model's ``Description``.

The search and the service's own page (``GET /api/services/{id}``) show the same read model
(``model.SERVICES``). A page's statements come in one query and the names of what they point to
(types, areas, statuses, languages, provider, service status) in a second one, once per distinct
thing: one query with an optional lookup per statement gave a row per combination and cost two
to three times as much (the benchmark's "describe page" stage).
"""

from __future__ import annotations

from operator import itemgetter

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import SKOS
from passerelle.graph.read.describe import Description
from passerelle.graph.read.model import SERVICE_LINKS
from passerelle.graph.store.base import Store

LABEL = SKOS + "prefLabel"
NOTATION = SKOS + "notation"


def describe(store: Store, services: list[str]) -> Description:
    """The services' statements, their blank nodes' statements, and the labels (one a language,
    the first found) and code of the objects of ``model.SERVICE_LINKS``, the ones the read model
    names; those are asked once per distinct object, after the statements."""
    if not services:
        return Description([])
    text = queries.text("describe-services")
    solutions = store.query(values(text, {"service": [ox.NamedNode(s) for s in services]},
                                   frozenset({"statements"})))
    d = Description()
    named: dict[ox.NamedNode, None] = {}
    for service, p, o, p2, o2 in map(columns(solutions, "service", "p", "o", "p2", "o2"),
                                     solutions):
        if service is None:
            d.add(o, p2.value, o2)
            continue
        d.add(service, p.value, o)
        if p.value in SERVICE_LINKS and isinstance(o, ox.NamedNode):
            named[o] = None
    if named:
        _labels(store, text, list(named), d)
    return d


def columns(solutions, *names: str):
    """A getter of the named variables of a solution, by position: a lookup by name per value
    costs more than the rest of the row's handling."""
    order = [v.value for v in solutions.variables]
    return itemgetter(*(order.index(n) for n in names))


def _labels(store: Store, text: str, named: list[ox.NamedNode], d: Description) -> None:
    """Add each of ``named``'s labels (the first of each language) and notation (the last)."""
    solutions = store.query(values(text, {"concept": named}, frozenset({"labels"})))
    labels: dict[tuple[ox.NamedNode, str], ox.Literal] = {}
    codes: dict[ox.NamedNode, ox.Literal] = {}
    for concept, label, code in map(columns(solutions, "concept", "label", "code"), solutions):
        if label is not None:
            labels.setdefault((concept, label.language or ""), label)
        if code is not None:
            codes[concept] = code
    for (concept, _), label in labels.items():
        d.add(concept, LABEL, label)
    for concept, code in codes.items():
        d.add(concept, NOTATION, code)
