"""IRIs the code needs by name, and the one table of prefixes; the Turtle files remain the source
of truth for what they mean."""

PAS = "https://w3id.org/passerelle/ontology#"
PASH = "https://w3id.org/passerelle/shapes#"
ID = "https://w3id.org/passerelle/id/"
GRAPH = "https://w3id.org/passerelle/graph/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
CPSV = "http://purl.org/vocab/cpsv#"
CV = "http://data.europa.eu/m8g/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
DCATAP = "http://data.europa.eu/r5r/"
SD = "http://www.w3.org/ns/sparql-service-description#"
NUTS = "http://data.europa.eu/nuts/code/"
RDF_TYPE = RDF + "type"

INFERRED_GRAPH = GRAPH + "inferred"
"""Derived triples (the ``skos:broader`` closure); rebuilt from the data, never edited."""

PREFIXES = {
    "pas": PAS,
    "pash": PASH,
    "schema": SCHEMA,
    "skos": SKOS,
    "dct": DCT,
    "org": ORG,
    "prov": PROV,
    "foaf": FOAF,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "cpsv": CPSV,
    "cv": CV,
}
"""The prefix of each namespace wherever a prefix is shown: readable Turtle and RDF/XML, names of
properties on pages, validation messages, the query page's declarations, the JSON-LD context.
``schema:`` is ``http://schema.org/`` as in the data (rdflib's default is the https form)."""


def prefixes(*names: str) -> dict[str, str]:
    """The table's entries for ``names``, in that order: a format that declares only some."""
    return {name: PREFIXES[name] for name in names}


def graph_iri(stem: str) -> str:
    """The named graph a bundled file (or a file loaded without ``--graph``) goes to."""
    return GRAPH + stem
