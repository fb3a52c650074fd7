"""A large load checked where Oxigraph holds it: the files loaded into a scratch store, the
limits and the shapes asked of it by queries, no Python pass over the triples.

Parsing a million triples into Python terms and walking them costs several times Oxigraph's own
bulk loader; the scratch store parses in Rust, and every check below is a question the store
answers, or a Python pass over the few rows a question returns (blank nodes held by blank nodes,
concept hierarchy statements, the IRIs a load names that the store describes already).

What is checked is what the general path (``write.steps.check``) checks for a load into graphs
that hold nothing yet:
- triple terms (refused) and literals XML cannot carry, properties and classes RDF/XML cannot
  write (``rdf.xml_safety``): ``unwritable-statements.rq``, ``graph-predicates.rq``,
  ``names-in-data.rq``;
- blank nodes nested past the limit: only blank nodes holding blank nodes nest, so
  ``blank-links.rq`` returns those links and ``limits.check_blank_depth`` measures them; a blank
  node held by several others counts its deepest holder;
- the concept hierarchy (``Store.check_hierarchy``), from ``hierarchy-statements.rq``;
- the shapes (``compiled.Compiled.check_graphs``) over the data graphs, with what
  ``incremental`` gives the validator beside them: the stored statements of the IRIs the data
  describes and of those its targeting properties point to (copied into ``compiled.DATA``, as
  they will be after the load), the stored statements of every other IRI it points to and the
  class axioms (``compiled.CONTEXT``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from passerelle.graph.rdf import formats, queries, xml_safety
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH
from passerelle.graph.store.base import Store
from passerelle.graph.validation import compiled, incremental, limits
from passerelle.graph.validation.gate import Report

LINE_FORMATS = frozenset({ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS})
"""Formats with no nesting but triple terms (``<<``): the nesting screen reads nothing else."""

RESERVED = frozenset({compiled.DATA.value, compiled.CONTEXT.value, INFERRED_GRAPH})
"""Graphs a load checked here may not name: the checks' own, and the derived one."""

CHUNK = 2_000
"""IRIs asked in one query."""

STORE_SUBJECTS = 50_000
"""Up to this many IRIs described by the real store, those the load also describes are found
among them (a lookup each in the scratch store); past it, the load's own IRIs are listed and
looked up in the real store. Either way the Python work follows the smaller side for a store
holding vocabularies and a seed, the common case of a first large load."""

UNWRITABLE_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
"""The control characters ``xml_safety.NOT_IN_XML`` names, as bytes of a UTF-8 document."""

REWRITTEN_WRITTEN_OUT = rb"XMLSchema#(?:\w*Integer|unsigned\w*|int|long|short|byte|dateTimeStamp)\b"
REWRITTEN_IN_LINES = re.compile(REWRITTEN_WRITTEN_OUT + rb"|\^\^<[^>\n]*\\[uU]")
"""In N-Triples or N-Quads, a datatype Oxigraph does not keep as written, or one written with
escapes (then it is not known which). Oxigraph stores the value of a literal of a type derived
from ``xsd:integer`` as an ``xsd:integer``, and an ``xsd:dateTimeStamp`` as an
``xsd:dateTime``: a shape's ``sh:datatype`` would then see another datatype than the file
gives."""

UNESCAPED_IN_LINES = re.compile(REWRITTEN_WRITTEN_OUT)
"""``REWRITTEN_IN_LINES`` for a document with no ``\\``, where no escape can match: a pattern
that starts with its one literal is found by a fast scan, not tried at every byte."""

REWRITTEN_NAMED = re.compile(
    rb"(?:Integer|unsigned|dateTimeStamp)|[#:;](?:int|long|short|byte)\b|\^\^<[^>\n]*\\[uU]")
"""The same in the other formats, where a datatype may be a prefixed name: any word that could
name one (a false alarm costs the general path, not a wrong answer)."""

KEPT_MEANING = re.compile(
    rb'"(?:[1-9][0-9]*\"\^\^(?:<http://www\.w3\.org/2001/XMLSchema#|[A-Za-z][\w.-]*:)'
    rb'(?:positiveInteger|nonNegativeInteger)'
    rb'|0"\^\^(?:<http://www\.w3\.org/2001/XMLSchema#|[A-Za-z][\w.-]*:)nonNegativeInteger)\b')
"""A whole number written plainly, of the two derived types the shapes name beside
``xsd:integer`` (``sh:or``): stored as an ``xsd:integer`` of the same value, it meets the same
shapes as written (the seed's durations and ordinals are such)."""


_IRI = rb'<[^<>"{}|^`\\\x00-\x20]*+>'
_LITERAL = rb'"[^"\\\r\n]*+"(?:\^\^' + _IRI + rb'|@[A-Za-z0-9-]++)?+'
_NODE = rb'(?:' + _IRI + rb'|_:[^\s<>"]++)'
NAMED_STATEMENT = re.compile(
    rb'^[ \t]*+' + _NODE + rb'[ \t]++' + _IRI + rb'[ \t]++(?:' + _NODE + rb'|' + _LITERAL +
    rb')[ \t]++<([A-Za-z][A-Za-z0-9+.-]*+:[^<>"{}|^`\\\x00-\x20]*+)>[ \t]*+\.[ \t]*+'
    rb'(?:#[^\r\n]*+)?\r?$', re.MULTILINE)
"""An N-Quads statement on a line of its own, written without escapes, naming an absolute IRI
as its graph (the group): the graph Oxigraph puts it in, with no base to resolve."""


def named_graphs(source: bytes) -> set[str] | None:
    """The graphs an N-Quads document's statements name, read from its bytes before any parser
    reads it: ``None`` unless every line is a statement ``NAMED_STATEMENT`` matches (an escape,
    a comment line, a blank line, a statement in the default graph all give ``None``). So a
    bulk loader may fill the graphs, known empty, while the scratch store is being filled."""
    lines = source.count(b"\n") + (not source.endswith(b"\n"))
    graphs = NAMED_STATEMENT.findall(source)
    if not source or len(graphs) != lines:
        return None
    try:
        return {g.decode() for g in set(graphs)}
    except UnicodeDecodeError:
        return None


def rewrites_datatypes(source: bytes, fmt: ox.RdfFormat) -> bool:
    """Whether a document may hold a literal whose datatype Oxigraph does not keep, and the
    shapes could tell: the load then takes the general path, which checks terms as written."""
    pattern = REWRITTEN_NAMED
    if fmt in LINE_FORMATS:
        pattern = REWRITTEN_IN_LINES if b"\\" in source else UNESCAPED_IN_LINES
    found = sum(1 for _ in pattern.finditer(source))
    return found > 0 and found != sum(1 for _ in KEPT_MEANING.finditer(source))


class Scratch:
    """The files of one load in an in-memory store, and what checking them needs beside them."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self.data: list[ox.NamedNode] = []
        self.given: set[str] = set()
        """The graphs the loaded files' triples outside a named graph went to."""
        self.plain = True
        """Whether every file is N-Triples or N-Quads with no escape, no triple term and no
        character XML cannot carry: then no statement can be unwritable, unasked."""
        self.rewrites = False
        """Whether a file may hold a datatype Oxigraph does not keep (``rewrites_datatypes``):
        then the load takes the general path."""

    def load(self, source: bytes, fmt: ox.RdfFormat, *, base_iri: str, graph: str,
             rewrites: bool | None = None) -> None:
        """Load one document; its triples outside a named graph go to ``graph``. The bulk
        loader gives each call's blank nodes fresh identities, as ``loader.parse`` does.
        ``rewrites``: ``rewrites_datatypes`` of the document, when the caller asked it already."""
        self.store.bulk_load(source, fmt, base_iri=base_iri, to_graph=ox.NamedNode(graph))
        self.given.add(graph)
        self.plain = self.plain and fmt in LINE_FORMATS and plain(source)
        if rewrites is None:
            rewrites = rewrites_datatypes(source, fmt)
        self.rewrites = self.rewrites or rewrites

    def sizes(self) -> dict[str, int]:
        """The statements of each graph of the files (read before anything else is added)."""
        sizes: dict[str, int] = {}
        self.predicates: set[ox.NamedNode] = set()
        self.nesting: set[ox.NamedNode] = set()
        """The properties of the files, and those linking a blank node to another."""
        for row in self.store.query(queries.text("load/graph-predicates")):
            graph = row["g"].value
            sizes[graph] = sizes.get(graph, 0) + int(row["n"].value)
            self.predicates.add(row["p"])
            if int(row["nested"].value):
                self.nesting.add(row["p"])
        self.data = [ox.NamedNode(g) for g in sorted(sizes)]
        return sizes

    def _ask(self, name: str, bindings: dict | None = None, *, graphs=None):
        sparql = queries.text(name)
        if bindings is not None:
            sparql = values(sparql, bindings)
        return self.store.query(sparql, named_graphs=graphs or self.data)

    def hierarchy(self) -> list[ox.Triple]:
        """The statements of the files that shape a concept hierarchy (none for most loads)."""
        return [ox.Triple(r["s"], r["p"], r["o"])
                for r in self._ask("load/hierarchy-statements")]

    def prepare(self, store: Store, max_blank_depth: int,
                stored: list[str] | None = None) -> None:
        """Refuse what breaks a limit (``limits.LimitExceeded``, ``formats.UnsupportedTerm``)
        and bring in the context from ``store``: from its graphs ``stored`` only, when given
        (the store is receiving the files meanwhile: ``Store.begin_write_from``)."""
        self._guard_terms()
        links = [ox.Triple(r["s"], r["p"], r["o"]) for r in self._ask(
            "load/blank-links", {"p": sorted(self.nesting, key=str)})] if self.nesting else []
        limits.check_blank_depth({"": links}, max_blank_depth)
        self._add_context(store, stored)

    def _guard_terms(self) -> None:
        self.unwritable = []
        for row in () if self.plain else self._ask("load/unwritable-statements"):
            triple = ox.Triple(row["s"], row["p"], row["o"])
            if isinstance(triple.object, ox.Triple):
                raise formats.UnsupportedTerm(
                    f"<{triple.predicate.value}> has a triple term (RDF 1.2 <<( )>> or << >>) "
                    "as its value, which Passerelle does not accept")
            self.unwritable.append(triple)
        properties = {p for p in self.predicates if not xml_safety.writable_name(p.value)}
        classes = {row["class"] for row in self._ask("load/names-in-data")
                   if not xml_safety.writable_name(row["class"].value, as_class=True)}
        if properties or classes:
            rows = self._ask("load/statements-with-predicates",
                             {"p": sorted(properties, key=str), "class": sorted(classes, key=str)})
            self.unwritable += [ox.Triple(r["s"], r["p"], r["o"]) for r in rows]

    def _add_context(self, store: Store, stored: list[str] | None) -> None:
        """What the validator reads beside the data, as ``incremental`` gives it (see the
        module docstring); the IRIs come from the scratch store, their statements from
        ``store`` (its graphs ``stored``, when given)."""
        among = _described_by(store, STORE_SUBJECTS, stored)
        targeting = [ox.NamedNode(p) for p in sorted(incremental.shape_links()[1])]
        if among is None:
            described = [r["s"] for r in self._ask("load/subjects")]
            targeted = [r["o"] for r in self._ask("load/pointed-at", {"p": targeting})]
        else:
            # Only an IRI the store describes has statements to bring: the few it describes
            # are looked up in the data, rather than the data's many IRIs in the store.
            among = sorted(among, key=lambda n: n.value)
            described = self._among("load/described-among", "s", among)
            targeted = self._among("load/pointed-at-among", "o", among, {"p": targeting})
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, compiled.DATA)
                          for t in _stored(store, [*described, *targeted], stored))
        self.data.append(compiled.DATA)
        pointed = [r["o"] for r in self._ask("load/pointed-at")] if among is None else \
            self._among("load/pointed-at-among", "o", among)
        self.store.extend(ox.Quad(t.subject, t.predicate, t.object, compiled.CONTEXT)
                          for t in [*_stored(store, pointed, stored), *compiled.class_axioms()])

    def _among(self, name: str, var: str, among: list[ox.NamedNode],
               bindings: dict | None = None) -> list[ox.NamedNode]:
        """The rows of ``name`` with ``var`` bound to ``among``, a chunk at a time."""
        return [r[var] for start in range(0, len(among), CHUNK)
                for r in self._ask(name, {**(bindings or {}), var: among[start:start + CHUNK]})]

    def validate(self) -> Report:
        """The shapes' findings on the data, with a violation for each statement XML cannot
        carry (``xml_safety.guard``)."""
        report = compiled.default().check_graphs(self.store, self.data)
        return xml_safety.guard(report, self.unwritable)

    def dump_data(self, file: Path) -> None:
        """Write the data graphs as loaded to ``file`` (before ``prepare`` adds the context)."""
        self.store.dump(str(file), format=ox.RdfFormat.N_QUADS)


def plain(source: bytes, *, xml_escapes: bool = False) -> bool:
    """Whether a line-based document can hold neither a triple term nor a character XML cannot
    carry: one written without ``\\`` escapes has each character as itself, in UTF-8. With
    ``xml_escapes`` the text is Oxigraph's own writing (the record mapper's lines), which
    escapes quotes, backslashes, line breaks and tabs (XML allows them) by a letter and every
    control character, ``U+FFFE`` and ``U+FFFF`` by ``\\b``, ``\\f`` or ``\\u``: only those
    escapes are looked for (an escaped backslash before such a letter is taken for one too)."""
    escapes = XML_ESCAPES if xml_escapes else (b"\\",)
    return not any(mark in source for mark in (*escapes, b"<<", *UNWRITABLE_CHARACTERS)) \
        and len(source.translate(None, UNWRITABLE_BYTES)) == len(source)


XML_ESCAPES = (b"\\u", b"\\U", b"\\b", b"\\f")
"""The escapes Oxigraph writes in N-Triples for characters XML cannot carry (and for others)."""
UNWRITABLE_CHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")
"""``U+FFFE`` and ``U+FFFF`` in UTF-8."""


def _described_by(store: Store, most: int,
                  stored: list[str] | None) -> set[ox.NamedNode] | None:
    """The IRIs ``store`` describes (in its graphs ``stored``, when given), when they are no
    more than ``most`` (else None)."""
    sparql = f"{queries.text('load/stored-subjects')}\nLIMIT {int(most) + 1}"
    found = {row["s"] for row in store.query(sparql, named_graphs=stored)}
    return found if len(found) <= most else None


def _stored(store: Store, nodes: Iterable[ox.NamedNode],
            stored: list[str] | None) -> list[ox.Triple]:
    """The statements ``store`` holds about ``nodes`` and the blank nodes they hold, in every
    graph but the derived one (``stored-statements-in-graphs.rq``); with ``stored``, only
    those read from these graphs alone. (Naming them to the store as the query's dataset
    gives the same rows several times slower.)"""
    nodes = sorted(set(nodes), key=lambda n: n.value)
    keep = None if stored is None else {*stored} - {INFERRED_GRAPH}
    found: list[ox.Triple] = []
    for start in range(0, len(nodes), CHUNK):
        sparql = values(queries.text("load/stored-statements-in-graphs"),
                        {"root": nodes[start:start + CHUNK]})
        for r in store.query(sparql):
            graphs = [r[name] for name in ("g", "h0", "h1", "h2")]
            if keep is None and graphs[0].value != INFERRED_GRAPH or keep is not None and \
                    all(g is None or g.value in keep for g in graphs):
                found.append(ox.Triple(r["s"], r["p"], r["o"]))
    return found
