"""Reading RDF files into named graphs, behind the validation gate, in one transaction.

A load parses every file first, validates what the batch touches (its nodes, the nodes pointing
to what it removes, and what they reference in the store), and only then writes, with one atomic
store write: a file that does not parse, data that breaks a shape, or a process killed half-way
leaves the store exactly as it was. Large files into graphs that hold nothing yet take the same
steps without Python terms: parsed by Oxigraph into a scratch store, checked there by queries
(``validation.scratch``), and read by the store's bulk loader (``_load_by_scratch``).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import rdflib
from tqdm import tqdm

from passerelle.errors import PasserelleError
from passerelle.graph.rdf import formats, queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import graph_iri
from passerelle.graph.store.base import DelegatingStore, Store
from passerelle.graph.validation import limits, scratch
from passerelle.graph.write import steps
from passerelle.graph.write.steps import (
    LiteralTooLarge,
    LoadResult,
    ValidationFailed,
    check_literal,
)

__all__ = ["LiteralTooLarge", "LoadResult", "ValidationFailed", "load", "parse", "write"]


Graphs = dict[str, list[ox.Triple]]



def _screen(source: bytes, fmt, name: str) -> None:
    """``formats.screen`` of a file's bytes, its refusal naming the file."""
    try:
        formats.screen(source, fmt)
    except formats.Refused as error:
        raise formats.Refused(f"{name}: {error} (refused before parsing {fmt.label})",
                              kind=error.kind, line=error.line) from None

def parse(data: bytes | Path, fmt: formats.Format, *, name: str, graph: str | None,
          base_iri: str | None = None, max_literal: int | None = None) -> Graphs:
    """Parse one document; triples outside a named graph go to ``graph`` (or one named after it).

    The document passes ``formats.screen`` first (nesting depth, RDF/XML document types), since
    what it refuses would crash or flood the parser. Triple terms are refused: the validator
    cannot read them. ``max_literal`` refuses a literal longer than that many characters.
    """
    target = graph or graph_iri(Path(name).stem)
    out: Graphs = {}
    blanks: dict[str, ox.BlankNode] = {}
    source = data.read_bytes() if isinstance(data, Path) else data
    _screen(source, fmt, name)
    try:
        quads = ox.parse(source, format=fmt.oxigraph, base_iri=base_iri)
        for quad in tqdm(quads, desc=name, unit=" triples", delay=1.0, file=sys.stderr,
                         disable=None, leave=False):
            g = quad.graph_name
            key = g.value if isinstance(g, ox.NamedNode) else target
            triple = _own_blank_nodes(quad.triple, blanks)
            if isinstance(triple.object, ox.Triple) or isinstance(triple.subject, ox.Triple):
                raise formats.UnsupportedTerm(
                    f"{name}: <{triple.predicate.value}> has a triple term (RDF 1.2 "
                    "<<( )>> or << >>) as its value, which Passerelle does not accept")
            if max_literal is not None:
                check_literal(triple, max_literal)
            out.setdefault(key, []).append(triple)
    except SyntaxError as error:
        line, column = _position(error)
        where = f"line {line}, column {column}: " if line else ""
        message = str(error.msg if hasattr(error, "msg") else error)
        raise PasserelleError(f"{name}: {where}{message} (not valid {fmt.label})") from None
    except ValueError as error:
        raise PasserelleError(f"{name}: {error} (not valid {fmt.label})") from None
    return out


def _own_blank_nodes(triple: ox.Triple, blanks: dict[str, ox.BlankNode]) -> ox.Triple:
    """Give a document's blank nodes fresh identities.

    The parser keeps labels as written, so `_:b0` in two files (or in a file loaded twice) would
    be one node once stored; a blank node belongs to its document only.
    """
    subject, obj = triple.subject, triple.object
    if not isinstance(subject, ox.BlankNode) and not isinstance(obj, ox.BlankNode):
        return triple
    if isinstance(subject, ox.BlankNode):
        subject = blanks.setdefault(subject.value, ox.BlankNode())
    if isinstance(obj, ox.BlankNode):
        obj = blanks.setdefault(obj.value, ox.BlankNode())
    return ox.Triple(subject, triple.predicate, obj)


def _position(error: SyntaxError) -> tuple[int | None, int | None]:
    args = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], tuple) else ()
    line = args[1] if len(args) > 1 else getattr(error, "lineno", None)
    column = args[2] if len(args) > 2 else getattr(error, "offset", None)
    return line, column


def parse_files(paths: Iterable[Path], *, graph: str | None = None,
                fmt: formats.Format | None = None) -> Graphs:
    merged: Graphs = {}
    for path in paths:
        if not path.is_file():
            raise PasserelleError(f"{path}: no such file")
        try:
            file_format = fmt or formats.by_extension(path.name)
        except formats.UnknownFormat as error:
            raise PasserelleError(str(error)) from None
        for g, triples in parse(path, file_format, name=str(path), graph=graph,
                                base_iri=path.resolve().as_uri()).items():
            merged.setdefault(g, []).extend(triples)
    return merged


def to_rdflib(graphs: Graphs) -> rdflib.Graph:
    """The triples of all graphs merged into one rdflib graph (what pyshacl validates)."""
    return formats.rdflib_graph(t for triples in graphs.values() for t in triples)


def referenced_context(store: Store, data: rdflib.Graph) -> rdflib.Graph:
    """What the store says about the IRIs the new data points to but does not describe.

    A new service names its provider and its concepts; the shapes check their types and schemes,
    so those nodes' own triples travel with the data into the validator.
    """
    subjects = set(data.subjects())
    referenced = {o for o in data.objects() if isinstance(o, rdflib.URIRef) and o not in subjects}
    if not referenced:
        return rdflib.Graph()
    nodes = [node for node in map(_named, sorted(referenced)) if node is not None]
    return formats.rdflib_graph(store.query(
        values(queries.text("statements-about-subjects"), {"s": nodes})))


def _named(iri: str) -> ox.NamedNode | None:
    """The IRI as a term, or None for text no store can hold as an IRI."""
    try:
        return ox.NamedNode(iri)
    except ValueError:
        return None


def write(store: Store, graphs: Graphs, *, validate_first: bool = True, replace: bool = False,
          what: str = "the data", append: Graphs | None = None) -> LoadResult:
    """Validate ``graphs`` against the shapes, then store them atomically: the write path's
    three steps (``steps``). ``append`` (an audit record) is stored in the same transaction,
    unvalidated; with no ``validate_first`` (the operator's choice) nothing is checked."""
    if not validate_first:
        store.write(graphs, replace=replace, append=append)
        store.refresh_inferences()
        return LoadResult(graphs={g: len(t) for g, t in graphs.items()})
    planned = steps.plan(store, graphs, replace=replace)
    return steps.commit(store, planned, steps.check(store, planned), what=what, append=append)


SCRATCH_FROM = 4 * 1024 * 1024
"""Bytes of files from which a validated load is checked in a scratch store the files are loaded
into by Oxigraph itself (``_load_by_scratch``), rather than parsed into Python terms."""


def load(store: Store, paths: list[Path], *, graph: str | None = None, validate_first: bool = True,
         replace: bool = False, fmt: formats.Format | None = None) -> LoadResult:
    names = ", ".join(str(p) for p in paths)
    if validate_first and all(p.is_file() for p in paths) and \
            sum(p.stat().st_size for p in paths) >= SCRATCH_FROM:
        result = _load_by_scratch(store, paths, graph=graph, fmt=fmt, what=names)
        if result is not None:
            return result
    graphs = parse_files(paths, graph=graph, fmt=fmt)
    return write(store, graphs, validate_first=validate_first, replace=replace, what=names)


def _load_by_scratch(store: Store, paths: list[Path], *, graph: str | None,
                     fmt: formats.Format | None, what: str) -> LoadResult | None:
    """A large validated load with no Python pass over its triples: ``None`` when it does not
    apply (a graph of the files holds data already, or is one the checks use, or a file may hold
    a datatype Oxigraph does not keep: ``scratch.rewrites_datatypes``), and the caller
    takes the general path.

    Oxigraph loads the files into a scratch store in memory, each file's blank nodes its own;
    the limits and the shapes are checked there by queries (``scratch``) while the real store's
    bulk loader reads the data graphs, the graphs named pending meanwhile
    (``Store.begin_write_from``): from the files themselves when they are N-Quads naming every
    graph, else from the scratch store written out as N-Quads. When the files' bytes name their
    graphs (``scratch.named_graphs``), the bulk loader starts before the scratch store is
    filled, and the concept hierarchy is checked against the graphs the store held before
    (``_Before``). A refusal drops what the loader wrote: the real store is left as it was.
    """
    with tempfile.TemporaryDirectory(prefix="passerelle-load-") as folder:
        read = [(path, _format(path, fmt), path.read_bytes()) for path in paths]
        kinds = [file_format.oxigraph for _, file_format, _ in read]
        stored = sorted(store.graphs())
        named = _named_ahead(read)
        pending = None
        if named is not None:
            if not _loadable(store, named):
                return None
            pending = store.begin_write_from(paths, sorted(named))
            if any(scratch.rewrites_datatypes(source, f.oxigraph) for _, f, source in read):
                pending.abandon()
                return None
        try:
            checked = scratch.Scratch()
            for path, file_format, source in read:
                _scratch_file(checked, path, file_format, source, graph,
                              rewrites=None if pending is None else False)
            read = None  # the files' bytes, freed once parsed
            sizes = checked.sizes()
            if pending is None and (checked.rewrites or not _loadable(store, set(sizes))):
                return None
            if pending is not None and set(sizes) != named:
                raise PasserelleError(f"{what}: the graphs read ahead of the parser "
                                      f"({sorted(named)}) are not those it read ({sorted(sizes)})")
            hierarchy = checked.hierarchy()
            if hierarchy:
                meanwhile = pending is not None and pending.meanwhile
                (_Before(store, stored) if meanwhile else store).check_hierarchy(hierarchy, [])
            if pending is None:
                files = paths
                if any(kind != ox.RdfFormat.N_QUADS for kind in kinds) or \
                        checked.given & set(sizes):
                    files = [Path(folder) / "checked.nq"]
                    checked.dump_data(files[0])
                pending = store.begin_write_from(files, list(sizes))
            checked.prepare(store, limits.configured()[2],
                            stored if pending.meanwhile else None)
            report = checked.validate()
            if not report.conforms:
                raise ValidationFailed(report, what)
            checked = None  # the scratch store's memory, freed while the loader ends
        except BaseException:
            if pending is not None:
                pending.abandon()
            raise
        pending.commit()
        if hierarchy:
            store.refresh_inferences(hierarchy)
        return LoadResult(graphs=sizes, report=report)


def _loadable(store: Store, graphs: set[str]) -> bool:
    """Whether a load by the scratch store may fill ``graphs``: some, none of them one the
    checks use, none holding data yet."""
    return bool(graphs) and not graphs & scratch.RESERVED and \
        not any(steps.graph_exists(store, g) for g in sorted(graphs))


def _named_ahead(read: list[tuple[Path, formats.Format, bytes]]) -> set[str] | None:
    """The graphs of files that are all N-Quads whose bytes name every statement's graph
    (``scratch.named_graphs``), else None."""
    named: set[str] = set()
    for _, file_format, source in read:
        found = scratch.named_graphs(source) \
            if file_format.oxigraph == ox.RdfFormat.N_QUADS else None
        if found is None:
            return None
        named |= found
    return named


class _Before(DelegatingStore):
    """The store as it was before a load began filling it: what it answers is read from the
    graphs ``stored`` (those it held then) alone."""

    def __init__(self, inner: Store, stored: list[str]):
        super().__init__(inner)
        self.stored = stored

    def query(self, sparql, *, default_graph=None, named_graphs=None):
        return self.inner.query(
            sparql, default_graph=self.stored if default_graph is None else default_graph,
            named_graphs=self.stored if named_graphs is None else named_graphs)


def _format(path: Path, fmt: formats.Format | None) -> formats.Format:
    try:
        return fmt or formats.by_extension(path.name)
    except formats.UnknownFormat as error:
        raise PasserelleError(str(error)) from None


def _scratch_file(checked: scratch.Scratch, path: Path, file_format: formats.Format,
                  source: bytes, graph: str | None, *, rewrites: bool | None) -> None:
    name = str(path)
    if file_format.oxigraph not in scratch.LINE_FORMATS or b"<<" in source:
        _screen(source, file_format, name)
    try:
        checked.load(source, file_format.oxigraph, base_iri=path.resolve().as_uri(),
                     graph=graph or graph_iri(Path(name).stem), rewrites=rewrites)
    except SyntaxError as error:
        line, column = _position(error)
        where = f"line {line}, column {column}: " if line else ""
        message = str(error.msg if hasattr(error, "msg") else error)
        raise PasserelleError(f"{name}: {where}{message} (not valid {file_format.label})") \
            from None
    except ValueError as error:
        raise PasserelleError(f"{name}: {error} (not valid {file_format.label})") from None
