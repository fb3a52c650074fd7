"""IRIs the code needs by name; the Turtle files remain the source of truth for what they mean."""

PAS = "https://w3id.org/passerelle/ontology#"
ID = "https://w3id.org/passerelle/id/"
GRAPH = "https://w3id.org/passerelle/graph/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

INFERRED_GRAPH = GRAPH + "inferred"
"""Derived triples (the ``skos:broader`` closure); rebuilt from the data, never edited."""


def graph_iri(stem: str) -> str:
    """The named graph a bundled file (or a file loaded without ``--graph``) goes to."""
    return GRAPH + stem
