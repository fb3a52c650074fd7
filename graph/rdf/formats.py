"""The one table of RDF formats (and its companion, the SPARQL query results formats).

Parsing, serialising, file extensions and content negotiation all read this table, so a format
is added or renamed in exactly one place (the way Oxigraph's ``RdfFormat`` works).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib

from passerelle.errors import PasserelleError
from passerelle.graph.rdf.namespaces import RDF, XSD


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

    Returns None when the client accepts none of the offers (the caller says which it offers).
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


XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"


class UnsupportedTerm(PasserelleError):
    """A term rdflib (and so pyshacl) cannot hold: an RDF 1.2 triple term."""

    kind = "triple-term"


def rdflib_term(term):
    """One Oxigraph term as the rdflib term the N-Triples reader would have made of it.

    Term by term, not through N-Triples text: rdflib's N-Triples reader is quadratic in the
    length of a line, so one long literal held a write for minutes. A plain literal comes out
    untyped, as N-Triples writes it, since pyshacl's ``sh:in`` tells plain and ``xsd:string``
    literals apart; rdflib has no base direction, so a literal's is left out.
    """
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return rdflib.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype in (XSD_STRING, RDF_LANG_STRING):
            return rdflib.Literal(term.value)
        return rdflib.Literal(term.value, datatype=rdflib.URIRef(datatype))
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    raise UnsupportedTerm(f"{str(term)[:200]}: triple terms (RDF 1.2) are not supported")


def rdflib_graph(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """Oxigraph triples as an rdflib graph, for the libraries that need one (pyshacl, the export
    profiles). Blank nodes keep their labels, so graphs made from one store agree on them."""
    graph = rdflib.Graph()
    add = graph.add
    for t in triples:
        add((rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object)))
    return graph


# --- what a document may hold before a parser sees it ---------------------------------------

MAX_DEPTH = 100
"""How deeply brackets may nest in a document: JSON arrays and objects; in Turtle, TriG,
N-Triples and N-Quads ``<<``, ``(``, ``[`` and ``{``. pyoxigraph parses JSON-LD objects and
triple terms by recursion: a few thousand levels overflow a thread's stack and end the process
(JSON-LD objects 4,000 deep, triple terms 20,000 deep, in a worker thread), which no exception
handler can answer. Real data nests a handful of levels."""

MAX_NUMBER = 100
"""The most characters a JSON number may have: Python refuses integers over 4,300 digits with an
error that names no position, and no field of ours needs a hundred."""


class Refused(PasserelleError):
    """A document refused before any parser read it; ``kind`` says why and ``line`` where."""

    def __init__(self, message: str, *, kind: str, line: int | None = None):
        super().__init__(message)
        self.kind, self.line = kind, line


_TURTLE_TOKENS = re.compile(
    rb"(?:[^\"'<>#\\\[\](){}]+"
    rb'|"""(?:[^"\\]+|\\.|"(?!""))*(?:"""|\Z)'
    rb"|'''(?:[^'\\]+|\\.|'(?!''))*(?:'''|\Z)"
    rb'|"(?:[^"\\\n\r]+|\\.)*"?'
    rb"|'(?:[^'\\\n\r]+|\\.)*'?"
    rb"|<[^<>\s]*>|<(?!<)|>(?!>)"
    rb"|#[^\n\r]*"
    rb"|\\.?)+"
    rb"|(?P<quote>(?:<<\(?)+)|(?P<unquote>(?:\)?>>)+)"
    rb"|(?P<open>[\[{(]+)|(?P<close>[\]})]+)",
    re.S)
"""Strings, IRIs, comments and escapes are skipped whole; what is left is runs of brackets.
A triple term's ``<<(`` and ``)>>`` are one level each, as a reified triple's ``<<`` and ``>>``."""

_JSON_TOKENS = re.compile(
    rb'(?:[^"\[\]{}0-9-]+|"(?:[^"\\]+|\\.)*"?)+'
    rb"|(?P<number>-?[0-9][-+0-9.eE]*)"
    rb"|(?P<open>[\[{]+)|(?P<close>[\]}]+)",
    re.S)

_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


def _line(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


def check_nesting(data: bytes, *, json: bool = False, limit: int = MAX_DEPTH) -> None:
    """Refuse a document nested deeper than ``limit`` (or, in JSON, with an outsize number),
    naming the line.

    One linear pass that skips strings, IRIs and comments; it counts, it does not parse, so a
    document it lets through can still be refused by the parser, with the parser's message.
    """
    depth = 0
    for match in (_JSON_TOKENS if json else _TURTLE_TOKENS).finditer(data):
        kind = match.lastgroup
        if kind is None:
            continue
        size = match.end() - match.start()
        if kind in ("open", "quote"):
            depth += size if kind == "open" else match.group().count(b"<<")
            if depth > limit:
                line = _line(data, match.start())
                raise Refused(f"line {line}: nested deeper than {limit} levels", kind="too-deep",
                              line=line)
        elif kind in ("close", "unquote"):
            depth = max(0, depth - (size if kind == "close" else match.group().count(b">>")))
        elif size > MAX_NUMBER:
            line = _line(data, match.start())
            raise Refused(f"line {line}: a number of {size} characters (at most {MAX_NUMBER})",
                          kind="number-too-long", line=line)


def screen(data: bytes, fmt: Format) -> None:
    """What every RDF document passes before a parser sees it, whoever sent it.

    RDF/XML may not declare a document type: internal entities expand a few hundred bytes into
    megabytes, and RDF needs none.
    """
    if fmt.oxigraph == ox.RdfFormat.RDF_XML:
        found = _DTD.search(data)
        if found:
            line = _line(data, found.start())
            raise Refused(f"line {line}: document type declarations (<!DOCTYPE>, <!ENTITY>) are "
                          "not accepted in RDF/XML", kind="dtd", line=line)
        return
    check_nesting(data, json=fmt.oxigraph == ox.RdfFormat.JSON_LD)
