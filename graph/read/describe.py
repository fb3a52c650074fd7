"""What dereferencing an IRI returns, and how the API reads values out of it.

A description is a resource's own statements, the statements of the blank nodes it points to
(an address is meaningless apart from its owner) and the labels of the things it links to, so a
reader (a person on the HTML page, or the JSON endpoints) never needs a second request to name
what a resource links to.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from passerelle.graph.rdf import formats, queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import FOAF, RDFS, SCHEMA, SKOS, prefixes
from passerelle.graph.read.labels import pick_tagged
from passerelle.graph.store.base import Store

PREFIXES = prefixes("pas", "schema", "skos", "dct", "org", "prov", "foaf", "rdf", "rdfs", "owl",
                    "xsd", "cpsv", "cv")
"""Prefixes for readable Turtle and RDF/XML, and for the names of properties on the HTML page."""

LABELS = (SCHEMA + "name", SKOS + "prefLabel", RDFS + "label", FOAF + "name")
"""What names a thing, most telling first (the same list as in ``describe-resource.rq``)."""

Node = ox.NamedNode | ox.BlankNode


class Description:
    """The triples of a description, indexed by subject then predicate (duplicates dropped:
    the same statement may sit in several named graphs)."""

    def __init__(self, triples=()):
        self._triples: list[ox.Triple] | None = list(dict.fromkeys(triples))
        self._index: dict[Node, dict[str, dict]] = defaultdict(lambda: defaultdict(dict))
        for t in self._triples:
            self._index[t.subject][t.predicate.value][t.object] = None

    def add(self, subject: Node, predicate: str, value) -> None:
        """One statement more: a read model's fetch adds a page's statements this way, without
        building a triple for each."""
        self._index[subject][predicate][value] = None
        self._triples = None

    @property
    def triples(self) -> list[ox.Triple]:
        """The statements in the order given (by subject and property once ``add`` was used)."""
        if self._triples is None:
            self._triples = [ox.Triple(subject, ox.NamedNode(predicate), o)
                             for subject, about in self._index.items()
                             for predicate, objects in about.items() for o in objects]
        return self._triples

    def about(self, node: Node) -> dict[str, list]:
        """Predicate IRI -> objects, for one subject (empty when nothing is said of it)."""
        return self._index.get(node, {})

    def objects(self, node: Node, predicate: str) -> list:
        return list(self.about(node).get(predicate, ()))

    def languages(self, node: Node, predicates: dict[str, str], lang: str) -> dict[str, str]:
        """For each key of ``predicates`` (key -> property), the language tag of the text the
        one picker shows a reader of ``lang`` ('' when untagged or absent), so a page can mark
        a text that fell back to another language."""
        return {key: pick_tagged({o.language or "": o.value for o in self.objects(node, p)
                                  if isinstance(o, ox.Literal)}, lang)[1]
                for key, p in predicates.items()}
    def reads(self, node: Node) -> set:
        """The subjects a read model of ``node`` reads: the node and what it points to (its
        blank nodes, the things whose labels and codes it shows)."""
        return {node, *(o for objects in self.about(node).values() for o in objects
                        if isinstance(o, ox.NamedNode | ox.BlankNode))}

    def text_languages(self) -> frozenset[str]:
        """The language tags of every text of the description ('' for none)."""
        return frozenset(o.language or "" for about in self._index.values()
                         for objects in about.values() for o in objects
                         if isinstance(o, ox.Literal))

    def labels(self, node: Node) -> dict[str, str]:
        """The node's names by language tag ('' for none), from the most telling property."""
        for predicate in LABELS:
            found = {o.language or "": o.value for o in self.objects(node, predicate)
                     if isinstance(o, ox.Literal)}
            if found:
                return found
        return {}


def describe(store: Store, iris: list[str]) -> Description:
    """The descriptions of some resources, in one query."""
    if not iris:
        return Description([])
    sparql = values(queries.text("describe-resource"),
                    {"resource": [ox.NamedNode(i) for i in iris]})
    return Description(store.query(sparql))


def serialize(description: Description, fmt: formats.Format) -> bytes:
    """The description in an RDF format of the formats table, with readable prefixes."""
    if fmt.oxigraph not in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        return ox.serialize(description.triples, format=fmt.oxigraph)
    iris = {term.value for t in description.triples for term in (t.predicate, t.object)
            if isinstance(term, ox.NamedNode)}
    used = {prefix: namespace for prefix, namespace in PREFIXES.items()
            if any(iri.startswith(namespace) for iri in iris)}
    return ox.serialize(description.triples, format=fmt.oxigraph, prefixes=used)


def curie(iri: str) -> str:
    """``schema:name`` for ``http://schema.org/name``; the IRI itself with no known prefix."""
    for prefix, namespace in PREFIXES.items():
        local = iri.removeprefix(namespace)
        if local != iri and local and all(c.isalnum() or c in "_-" for c in local):
            return f"{prefix}:{local}"
    return iri
