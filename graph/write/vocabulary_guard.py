"""Vocabularies are not data: who may change the ontology, the concept schemes and their terms.

What valid means, what a search by need or status finds, and what the caseworker's form offers
all come from the vocabulary graphs (one per file of ``ontology/``). So a write is judged by its
effect, whatever path it took (the JSON API, the Graph Store Protocol, the effect of a SPARQL
Update as ``sparql_update.evaluate`` computed it): the write path's ``check`` step calls ``check``
with the new content of every graph it is about to store.
- An editor's token writes records: no vocabulary graph, no concept hierarchy anywhere
  (``skos:Concept``, ``skos:broader``... in a record graph would add needs and statuses that
  searches then follow), and no statement about a term a vocabulary graph describes (a second
  label for ``status:refugee`` would show on every form).
- An admin's token may change a vocabulary graph but not empty it: every record points into the
  vocabularies, so a vocabulary is replaced by sending its new content, never dropped.
The command line is the operator and is not checked here.
"""

from __future__ import annotations

import pyoxigraph as ox

from passerelle.graph.rdf.namespaces import RDF_TYPE, SKOS
from passerelle.graph.store.bundle import vocabulary_graphs

VOCABULARY_GRAPHS = vocabulary_graphs()
"""The graphs the bundled ontology and vocabularies are installed in."""

HIERARCHY = frozenset(SKOS + name for name in (
    "broader", "narrower", "broaderTransitive", "narrowerTransitive", "inScheme",
    "hasTopConcept", "topConceptOf"))
CONCEPT_CLASSES = frozenset(SKOS + name for name in ("Concept", "ConceptScheme", "Collection"))


class Refused(Exception):
    """A write its token may not make; ``kind`` is ``forbidden`` (scope) or ``invalid``."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def _declares_concepts(triple: ox.Triple) -> bool:
    predicate = triple.predicate.value
    return predicate in HIERARCHY or (
        predicate == RDF_TYPE and triple.object.value in CONCEPT_CLASSES)


def check(graphs: dict[str, list[ox.Triple]], described: dict[str, set[str]], *, replace: bool,
          may_change_vocabularies: bool) -> None:
    """Refuse a write of ``graphs`` (their new content with ``replace``, else what is added)
    that its token's scope does not allow; nothing has been stored yet. ``described`` maps the
    subjects written to the graphs describing them, as the write's plan read it."""
    vocabularies = sorted(set(graphs) & VOCABULARY_GRAPHS)
    if may_change_vocabularies:
        emptied = [g for g in vocabularies if replace and not graphs[g]]
        if emptied:
            raise Refused(
                f"this write would empty the vocabulary graph <{emptied[0]}>, which records "
                "point into; to change a vocabulary, send its whole new content (PUT "
                "/store?graph=IRI, or an update that deletes and inserts in one request)",
                "invalid")
        return
    if vocabularies:
        raise Refused(f"<{vocabularies[0]}> is a vocabulary graph: changing it needs a token "
                      "with the admin scope", "forbidden")
    subjects: set[ox.NamedNode] = set()
    for graph, triples in graphs.items():
        for triple in triples:
            if _declares_concepts(triple):
                raise Refused(
                    f"<{triple.subject.value}> <{triple.predicate.value}> in <{graph}>: concepts "
                    "and their hierarchy belong to the vocabularies, which only a token with "
                    "the admin scope changes", "forbidden")
            if isinstance(triple.subject, ox.NamedNode):
                subjects.add(triple.subject)
    terms = {s.value: min(described[s.value] & VOCABULARY_GRAPHS) for s in subjects
             if described.get(s.value, set()) & VOCABULARY_GRAPHS}
    if terms:
        term = min(terms)
        raise Refused(f"<{term}> is a term of the vocabulary graph <{terms[term]}>: statements "
                      "about it need a token with the admin scope", "forbidden")
