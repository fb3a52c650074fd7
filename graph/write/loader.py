"""Reading RDF files into named graphs, behind the validation gate, in one transaction.

A load parses every file first, validates what the batch touches (its nodes, the nodes pointing
to what it removes, and what they reference in the store), and only then writes, with one atomic
store write: a file that does not parse, data that breaks a shape, or a process killed half-way
leaves the store exactly as it was.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from tqdm import tqdm

from passerelle.errors import PasserelleError
from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH, graph_iri
from passerelle.graph.store.base import Store
from passerelle.graph.validation import incremental, limits
from passerelle.graph.validation.gate import Report


class ValidationFailed(PasserelleError):
    """The data breaks at least one shape; nothing was written."""

    kind = "invalid"
    exit_code = 1

    def __init__(self, report: Report, what: str):
        self.report = report
        super().__init__(f"{what} breaks {len(report.violations)} rule(s); nothing was stored\n"
                         + report.to_text())


Graphs = dict[str, list[ox.Triple]]


@dataclass
class LoadResult:
    graphs: dict[str, int] = field(default_factory=dict)
    report: Report | None = None

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


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
    try:
        formats.screen(source, fmt)
    except formats.Refused as error:
        raise formats.Refused(f"{name}: {error} (refused before parsing {fmt.label})",
                              kind=error.kind, line=error.line) from None
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


class LiteralTooLarge(PasserelleError):
    """A literal longer than the write limit; ``subject`` and ``predicate`` say which."""

    kind = "too-large"

    def __init__(self, triple: ox.Triple, size: int, limit: int):
        self.subject, self.predicate, self.size, self.limit = (
            str(triple.subject), triple.predicate.value, size, limit)
        super().__init__(f"the value of <{self.predicate}> on {self.subject} is {size:,} "
                         f"characters long, over the limit of {limit:,}")


def check_literal(triple: ox.Triple, limit: int) -> None:
    if isinstance(triple.object, ox.Literal) and len(triple.object.value) > limit:
        raise LiteralTooLarge(triple, len(triple.object.value), limit)


def check_literals(graphs: Graphs, limit: int | None) -> None:
    """Refuse the first literal longer than ``limit`` characters (no limit when None)."""
    if limit is None:
        return
    for triples in graphs.values():
        for triple in triples:
            check_literal(triple, limit)


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
    values = " ".join(f"<{iri}>" for iri in sorted(referenced) if ">" not in iri)
    return formats.rdflib_graph(store.query(
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}"))


def write(store: Store, graphs: Graphs, *, validate_first: bool = True, replace: bool = False,
          what: str = "the data", append: Graphs | None = None) -> LoadResult:
    """Validate ``graphs`` against the shapes, then store them atomically.

    Only what the write touches is validated (see ``incremental``): the nodes it changes, the
    nodes that point to what it removes, and what they point to, as they will be after the write.
    ``append`` (an audit record) is stored in the same transaction, unvalidated.
    """
    if not validate_first:
        store.write(graphs, replace=replace, append=append)
        store.refresh_inferences()
        return LoadResult(graphs={g: len(t) for g, t in graphs.items()})
    limits.check_blank_depth(graphs, limits.configured()[2])
    change = incremental.Change.plan(store, graphs, replace=replace)
    if change.touches_hierarchy():
        store.check_hierarchy(change.added, change.removed)
    return write_checked(store, graphs, change, incremental.check(store, change),
                         replace=replace, what=what, append=append)


def write_checked(store: Store, graphs: Graphs, change: incremental.Change, report: Report, *,
                  replace: bool, what: str, append: Graphs | None = None) -> LoadResult:
    """Store ``graphs`` whose ``change`` was just checked into ``report``; refuse it if it broke
    a rule. For callers that check first to report problems their own way (imports)."""
    if not report.conforms:
        raise ValidationFailed(report, what)
    store.write(graphs, replace=replace, append=append)
    if change.touches_hierarchy():
        store.refresh_inferences(None if INFERRED_GRAPH in graphs
                                 else [*change.added, *change.removed])
    return LoadResult(graphs={g: len(t) for g, t in graphs.items()}, report=report)


def load(store: Store, paths: list[Path], *, graph: str | None = None, validate_first: bool = True,
         replace: bool = False, fmt: formats.Format | None = None) -> LoadResult:
    graphs = parse_files(paths, graph=graph, fmt=fmt)
    names = ", ".join(str(p) for p in paths)
    return write(store, graphs, validate_first=validate_first, replace=replace, what=names)
