"""HTML documentation of the vocabulary, generated from the Turtle files in ``ontology/``.

The Turtle is the source of truth, so the page is rendered from it (classes and properties with
their labels, comments, domains and ranges, and the concept schemes with their concepts), never
written by hand. It speaks the reader's language: the words around the terms come from the
catalogues, the terms' names and comments from the vocabulary, picked by the one label picker
(a text that fell back to another language is marked with it). ``GET /ontology`` serves it in
the language of the request; ``make docs`` writes the English page to a folder.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS as DCT

from passerelle.api.i18n import messages
from passerelle.api.web import environment
from passerelle.graph.read.labels import pick, pick_tagged
from passerelle.graph.store.bundle import vocabulary_files
from passerelle.settings import Settings

PROPERTY_TYPES = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)


@dataclass
class Term:
    iri: str
    curie: str
    labels: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    kind: str = ""
    parents: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    notation: str = ""


@cache
def vocabulary() -> Graph:
    graph = Graph()
    for path in vocabulary_files():
        graph.parse(path, format="turtle")
    return graph


@cache
def turtle() -> bytes:
    return vocabulary().serialize(format="turtle", encoding="utf-8")


@cache
def _labels() -> dict[str, dict[str, str]]:
    graph = vocabulary()
    found: dict[str, dict[str, str]] = {}
    for prop in (RDFS.label, SKOS.prefLabel):
        for subject, text in graph.subject_objects(prop):
            found.setdefault(str(subject), {}).setdefault(getattr(text, "language", None) or "",
                                                          str(text))
    return found


def label(iri: str, lang: str) -> str | None:
    """The vocabulary's own label of a term in ``lang``, with the one picker's fallbacks."""
    return pick(_labels().get(iri, {}), lang)


@cache
def modules() -> dict[str, Path]:
    """Each ontology file by the path of its version IRI after ``.../ontology/``
    (``0.1.0/core``), so version IRIs resolve to the module they name."""
    found = {}
    for path in vocabulary_files():
        graph = Graph().parse(path, format="turtle")
        for version in graph.objects(None, OWL.versionIRI):
            _, marker, rest = str(version).partition("/ontology/")
            if marker and rest:
                found[rest] = path
    return found


@cache
def serialize(rdflib_format: str, module: str | None = None) -> bytes:
    """The whole vocabulary, or one module by its version path, in an rdflib format."""
    graph = vocabulary() if module is None else Graph().parse(modules()[module],
                                                              format="turtle")
    if rdflib_format == "turtle" and module is None:
        return turtle()
    return graph.serialize(format=rdflib_format, encoding="utf-8")


def _texts(graph: Graph, node, *props) -> dict[str, str]:
    found: dict[str, str] = {}
    for prop in props:
        for value in graph.objects(node, prop):
            found.setdefault(getattr(value, "language", None) or "", str(value))
    return found


def _term(graph: Graph, node: URIRef) -> Term:
    term = Term(str(node), graph.namespace_manager.normalizeUri(node),
                _texts(graph, node, RDFS.label, SKOS.prefLabel),
                _texts(graph, node, RDFS.comment, SKOS.definition))
    term.parents = sorted(graph.namespace_manager.normalizeUri(p) for p in
                          (*graph.objects(node, RDFS.subClassOf),
                           *graph.objects(node, RDFS.subPropertyOf),
                           *graph.objects(node, SKOS.broader)) if isinstance(p, URIRef))
    term.domains = sorted(graph.namespace_manager.normalizeUri(d)
                          for d in graph.objects(node, RDFS.domain) if isinstance(d, URIRef))
    term.ranges = sorted(graph.namespace_manager.normalizeUri(r)
                         for r in graph.objects(node, RDFS.range) if isinstance(r, URIRef))
    term.notation = str(next(iter(graph.objects(node, SKOS.notation)), ""))
    return term


def model() -> dict:
    graph = vocabulary()
    classes = [_term(graph, c) for c in sorted(set(graph.subjects(RDF.type, OWL.Class)))
               if isinstance(c, URIRef)]
    properties = []
    for kind in PROPERTY_TYPES:
        for prop in sorted(set(graph.subjects(RDF.type, kind))):
            if isinstance(prop, URIRef) and all(p.iri != str(prop) for p in properties):
                term = _term(graph, prop)
                term.kind = graph.namespace_manager.normalizeUri(kind)
                properties.append(term)
    schemes = []
    for scheme in sorted(set(graph.subjects(RDF.type, SKOS.ConceptScheme))):
        info = _term(graph, scheme)
        info.labels = info.labels or _texts(graph, scheme, DCT.title)
        info.comments = info.comments or _texts(graph, scheme, DCT.description)
        concepts = [_term(graph, c) for c in sorted(set(graph.subjects(SKOS.inScheme, scheme)))]
        schemes.append((info, concepts))
    return {"classes": classes, "properties": properties, "schemes": schemes}


@cache
def html(lang: str = Settings.languages.default) -> str:
    """The page in ``lang`` (an interface language)."""
    return environment().get_template("ontology.html").render(
        **model(), lang=lang, direction=Settings.languages.get(lang).direction,
        t=messages(lang), pick_tagged=pick_tagged)


def main(argv: list[str]) -> int:
    """``python -m passerelle.api.ontology_doc DIR``: write DIR/index.html and DIR/ontology.ttl."""
    target = Path(argv[0] if argv else "docs")
    target.mkdir(parents=True, exist_ok=True)
    (target / "index.html").write_text(html(), encoding="utf-8")
    (target / "ontology.ttl").write_bytes(turtle())
    print(f"wrote {target / 'index.html'} and {target / 'ontology.ttl'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
