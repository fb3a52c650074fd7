"""The one table of RDF formats (and its companion, the SPARQL query results formats).

Parsing, serialising, file extensions and HTTP content negotiation all read this table, so a format
is added or renamed in exactly one place (the way Oxigraph's ``RdfFormat`` works).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib


@dataclass(frozen=True)
class Format:
    """One RDF serialisation: its CLI name, media types, file extensions and parser names."""

    name: str
    label: str
    media_type: str
    extensions: tuple[str, ...]
    oxigraph: ox.RdfFormat
    rdflib: str
    dataset: bool
    aliases: tuple[str, ...] = ()

    @property
    def extension(self) -> str:
        return self.extensions[0]


FORMATS: tuple[Format, ...] = (
    Format("ttl", "Turtle", "text/turtle", ("ttl",), ox.RdfFormat.TURTLE, "turtle", False,
           ("application/x-turtle",)),
    Format("nt", "N-Triples", "application/n-triples", ("nt",), ox.RdfFormat.N_TRIPLES, "nt", False,
           ("text/plain",)),
    Format("nq", "N-Quads", "application/n-quads", ("nq",), ox.RdfFormat.N_QUADS, "nquads", True,
           ("text/x-nquads",)),
    Format("trig", "TriG", "application/trig", ("trig",), ox.RdfFormat.TRIG, "trig", True),
    Format("jsonld", "JSON-LD", "application/ld+json", ("jsonld", "json"), ox.RdfFormat.JSON_LD,
           "json-ld", True),
    Format("rdfxml", "RDF/XML", "application/rdf+xml", ("rdf", "owl", "xml"), ox.RdfFormat.RDF_XML,
           "xml", False),
)


@dataclass(frozen=True)
class ResultsFormat:
    """One serialisation of SELECT and ASK answers (the SPARQL 1.1 query results formats)."""

    name: str
    label: str
    media_type: str
    oxigraph: ox.QueryResultsFormat
    boolean: bool
    aliases: tuple[str, ...] = ()


RESULTS_FORMATS: tuple[ResultsFormat, ...] = (
    ResultsFormat("json", "SPARQL JSON", "application/sparql-results+json",
                  ox.QueryResultsFormat.JSON, True, ("application/json",)),
    ResultsFormat("xml", "SPARQL XML", "application/sparql-results+xml",
                  ox.QueryResultsFormat.XML, True, ("application/xml", "text/xml")),
    ResultsFormat("csv", "CSV", "text/csv", ox.QueryResultsFormat.CSV, False),
    ResultsFormat("tsv", "TSV", "text/tab-separated-values", ox.QueryResultsFormat.TSV, False),
)
"""SPARQL JSON first: it is what an endpoint answers when the client states no preference.
``boolean`` is False for CSV and TSV, which define no form for an ASK answer."""

_BY_NAME = {f.name: f for f in FORMATS}
_BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}
_BY_MEDIA_TYPE = {m: f for f in FORMATS for m in (f.media_type, *f.aliases)}
_CANONICAL = {m: f.media_type for f in (*FORMATS, *RESULTS_FORMATS) for m in f.aliases}


class UnknownFormat(ValueError):
    """Raised with a message that lists the formats that do exist."""


def names() -> str:
    return ", ".join(f.name for f in FORMATS)


def by_name(name: str) -> Format:
    try:
        return _BY_NAME[name.lower()]
    except KeyError:
        raise UnknownFormat(f"unknown format {name!r}; known formats: {names()}") from None


def by_extension(path: str) -> Format:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    try:
        return _BY_EXTENSION[ext]
    except KeyError:
        known = ", ".join(f".{e}" for e in _BY_EXTENSION)
        raise UnknownFormat(
            f"cannot tell the format of {path!r} from its extension; known extensions: {known}"
        ) from None


def by_media_type(media_type: str) -> Format | None:
    return _BY_MEDIA_TYPE.get(media_type.split(";")[0].strip().lower())


def parse_accept(accept: str | None) -> list[tuple[str, float]]:
    """Media ranges of an Accept header, highest preference first (stable for equal q)."""
    if not accept:
        return []
    ranges = []
    for position, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q, position))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(m, q) for m, q, _ in ranges if q > 0]


def negotiate(accept: str | None, offers: list[str], default: str | None = None) -> str | None:
    """The offered media type the Accept header prefers; ``default`` when no header is sent.

    Returns None when the client accepts none of the offers (the caller answers 406).
    """
    ranges = parse_accept(accept)
    if not ranges:
        return default if accept is None or not accept.strip() else None
    for media_range, _q in ranges:
        if media_range in ("*/*", "*"):
            return default or offers[0]
        if media_range.endswith("/*"):
            family = media_range[:-1]
            for offer in offers:
                if offer.startswith(family):
                    return offer
            continue
        for offer in offers:
            if offer == media_range:
                return offer
        if _CANONICAL.get(media_range) in offers:
            return _CANONICAL[media_range]
    return None


def rdflib_graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """Oxigraph triples as an rdflib graph, for the libraries that need one (pyshacl, the export
    profiles): N-Triples is the exact, fast way across."""
    graph = rdflib.Graph()
    payload = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    if payload:
        graph.parse(data=payload, format="nt")
    return graph
