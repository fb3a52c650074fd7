"""The reference vocabularies (statuses, service types, regions) as trees and as single concepts.

Clients build pickers and check codes from these answers, so each concept carries its code
(``notation``), its labels in both languages and its place in the hierarchy. A scheme is small
enough to read whole in one query; a single concept is then looked up in memory, so the code a
user sends is never part of a query at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import SKOS
from passerelle.graph.read.describe import Description
from passerelle.graph.read.model import CONCEPTS, concept_name, render
from passerelle.graph.store.base import Store

LABEL = ox.NamedNode(SKOS + "prefLabel")
NOTATION = ox.NamedNode(SKOS + "notation")
DEFINITION = ox.NamedNode(SKOS + "definition")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


@dataclass
class Concept:
    iri: str
    notation: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    definitions: dict[str, str] = field(default_factory=dict)
    broader: set[str] = field(default_factory=set)
    narrower: set[str] = field(default_factory=set)


def concepts(store: Store, scheme: str) -> dict[str, Concept]:
    """Every concept of the scheme by IRI, with broader and narrower links inside the scheme."""
    sparql = values(queries.text("concept-tree"), {"scheme": [ox.NamedNode(scheme)]})
    found: dict[str, Concept] = {}
    for row in store.query(sparql):
        if not isinstance(row["concept"], ox.NamedNode):
            continue
        concept = found.setdefault(row["concept"].value, Concept(row["concept"].value))
        if row["notation"] is not None:
            concept.notation = row["notation"].value
        for name, target in (("label", concept.labels), ("definition", concept.definitions)):
            if isinstance(row[name], ox.Literal):
                target.setdefault(row[name].language or "", row[name].value)
        if isinstance(row["broader"], ox.NamedNode):
            concept.broader.add(row["broader"].value)
    for concept in found.values():
        concept.broader &= found.keys()
        for parent in concept.broader:
            found[parent].narrower.add(concept.iri)
    return found


def _order(found: dict[str, Concept], iris) -> list[Concept]:
    return sorted((found[i] for i in iris), key=lambda c: ((c.notation or c.iri).casefold(), c.iri))


def description(found: dict[str, Concept]) -> Description:
    """The concepts as the read model reads them: their codes, labels and definitions."""
    triples = []
    for concept in found.values():
        node = ox.NamedNode(concept.iri)
        if concept.notation is not None:
            triples.append(ox.Triple(node, NOTATION, ox.Literal(concept.notation)))
        for predicate, texts in ((LABEL, concept.labels), (DEFINITION, concept.definitions)):
            triples += [ox.Triple(node, predicate, ox.Literal(text, language=language)
                                  if language else ox.Literal(text))
                        for language, text in texts.items()]
    return Description(triples)


def summary(d: Description, concept: Concept, lang: str) -> dict:
    """The short form used for links: IRI, code and label."""
    return render(CONCEPTS, d, concept.iri, lang, CONCEPTS.summary)


def label(concept: Concept, lang: str) -> str:
    """What a concept is called in ``lang`` (the read model's ``concept_name``)."""
    return concept_name(concept.labels, concept.notation, concept.iri, lang)


def tree(store: Store, scheme: str, lang: str) -> list[dict]:
    """The scheme as nested nodes, roots first (concepts with no broader concept in it)."""
    found = concepts(store, scheme)
    d = description(found)

    def grow(concept: Concept, path: frozenset[str]) -> dict:
        node = render(CONCEPTS, d, concept.iri, lang)
        node["children"] = [grow(child, path | {child.iri})
                            for child in _order(found, concept.narrower - path)]
        return node

    roots = [iri for iri, c in found.items() if not c.broader]
    return [grow(root, frozenset({root.iri})) for root in _order(found, roots)]


def find(found: dict[str, Concept], code: str) -> Concept | None:
    """The concept with this notation, or with this full IRI."""
    if code in found:
        return found[code]
    if not CODE.fullmatch(code):
        return None
    return next((c for c in found.values() if c.notation == code), None)


def concept(store: Store, scheme: str, code: str, lang: str) -> dict | None:
    """One concept with its chain of broader concepts (nearest first) and its narrower ones."""
    found = concepts(store, scheme)
    target = find(found, code)
    if target is None:
        return None
    d = description(found)
    out = render(CONCEPTS, d, target.iri, lang)
    chain, seen, current = [], {target.iri}, target
    while current.broader:
        parent = _order(found, current.broader)[0]
        if parent.iri in seen:
            break
        seen.add(parent.iri)
        chain.append(summary(d, parent, lang))
        current = parent
    out["broader"] = chain
    out["narrower"] = [summary(d, c, lang) for c in _order(found, target.narrower)]
    return out
