"""The one write path, in one direction: plan, check, commit.

Every write takes these three steps in this order and never goes back to an earlier one: a file
the command line loads (``loader``), an import (``imports``), a record, a graph or a SPARQL Update
from the API (``commit``, which adds the lock and the audit record).
- ``plan`` reads what the change touches, once: each replaced graph's old content (the caller may
  hand over what it read already), so only the difference counts as changed; for the API also
  whether each written graph held data and which graphs already describe the subjects written,
  which both the vocabulary guard and the duplicate warnings read.
- ``check`` refuses what may not be stored, from the data alone first: a literal past the limit,
  a statement the token may not make about the vocabularies, blank nodes nested too deep, a
  concept hierarchy past its limits, then the shapes on what the change touches
  (``validation.incremental``). It returns the validation report, which an import reads row by
  row before deciding.
- ``commit`` refuses a report with violations, else stores the graphs and anything appended
  (the audit record) in one transaction, then brings the derived concept closure up to date when
  the change touched a hierarchy, and the search index (``read.search_index``) with it.
Nothing is stored before ``commit``, so every refusal leaves the store as it was.
A write too large to hold (an import of a large file) takes the same steps a part at a time,
staged on disk, and commits once (``Staged``).
"""

from __future__ import annotations

import gc
import queue
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from passerelle.errors import PasserelleError
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH
from passerelle.graph.read import search_index
from passerelle.graph.store.base import PendingWrite, Store
from passerelle.graph.validation import incremental, limits
from passerelle.graph.validation.gate import Report

Graphs = dict[str, list[ox.Triple]]

CHUNK = 500
"""Subjects looked up in one query: the ``VALUES`` block of a large write stays a few kB."""


class ValidationFailed(PasserelleError):
    """The data breaks at least one shape; nothing was written."""

    kind = "invalid"
    exit_code = 1

    def __init__(self, report: Report, what: str):
        self.report = report
        super().__init__(f"{what} breaks {len(report.violations)} rule(s); nothing was stored\n"
                         + report.to_text())


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


@dataclass
class LoadResult:
    graphs: dict[str, int] = field(default_factory=dict)
    report: Report | None = None

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


@dataclass
class Plan:
    """A write and what ``plan`` read for it.

    ``existing`` is, of the written graphs, those that held data (read for replaced graphs, and
    for added ones when the API asks); ``described`` maps each subject IRI written to the graphs
    that describe it already (read when the API asks, else None).
    """

    change: incremental.Change
    existing: set[str] = field(default_factory=set)
    described: dict[str, set[str]] | None = None

    @property
    def graphs(self) -> Graphs:
        return self.change.graphs

    @property
    def replace(self) -> bool:
        return self.change.replace

    @property
    def created(self) -> set[str]:
        """The graphs this write brings into being."""
        return {g for g, triples in self.graphs.items() if triples and g not in self.existing}


def graph_exists(store: Store, graph: str) -> bool:
    return bool(store.query(values(queries.text("graph-holds-data"),
                                   {"g": [ox.NamedNode(graph)]})))


def describing(store: Store, subjects: list[str]) -> dict[str, set[str]]:
    """The graphs that describe each of ``subjects`` (those no graph describes left out)."""
    found: dict[str, set[str]] = {}
    for start in range(0, len(subjects), CHUNK):
        chunk = [ox.NamedNode(s) for s in subjects[start:start + CHUNK]]
        for row in store.query(values(queries.text("graphs-describing"), {"s": chunk})):
            found.setdefault(row["s"].value, set()).add(row["g"].value)
    return found


def plan(store: Store, graphs: Graphs, *, replace: bool = False, before: Graphs | None = None,
         for_outcome: bool = False) -> Plan:
    """Read once what writing ``graphs`` touches (with ``replace`` each loses its old content).

    ``before`` holds old contents the caller has read already. ``for_outcome`` also reads what
    the API answers and guards with: which graphs held data, which graphs describe the subjects.
    """
    change = incremental.Change.plan(store, graphs, replace=replace, before=before)
    planned = Plan(change, existing=set(change.existing))
    if for_outcome:
        if not replace:
            planned.existing = {g for g in graphs if graph_exists(store, g)}
        subjects = {t.subject.value for triples in graphs.values() for t in triples
                    if isinstance(t.subject, ox.NamedNode)}
        planned.described = describing(store, sorted(subjects))
    return planned


def check(store: Store, planned: Plan, *, max_literal: int | None = None,
          may_change_vocabularies: bool | None = None, batch: int | None = None,
          progress: str | None = None) -> Report:
    """Refuse what may not be stored; return the validation report of what the change touches.

    ``may_change_vocabularies`` is the token's right (None: the operator, who is not checked).
    Raises ``LiteralTooLarge``, ``vocabulary_guard.Refused`` or ``limits.LimitExceeded``; a
    report with violations is returned, not raised (``commit`` refuses it). ``batch`` and
    ``progress`` are ``incremental.check``'s.
    """
    change = planned.change
    check_literals(planned.graphs, max_literal)
    if may_change_vocabularies is not None:
        # Here, not at the top: the guard reads the bundle's vocabulary graphs, and the bundle
        # loads its files through this path.
        from passerelle.graph.write import vocabulary_guard

        vocabulary_guard.check(planned.graphs, planned.described or {}, replace=planned.replace,
                               may_change_vocabularies=may_change_vocabularies)
    limits.check_blank_depth(planned.graphs, limits.configured()[2])
    if change.touches_hierarchy():
        store.check_hierarchy(change.added, change.removed)
    return incremental.check(store, change, batch=batch, progress=progress)


def commit(store: Store, planned: Plan, report: Report, *, what: str,
           append: Graphs | None = None) -> LoadResult:
    """Store a checked write in one transaction with ``append`` (the audit record), or raise
    ``ValidationFailed`` when ``report`` has violations. A replacing write that finds none of
    its graphs holding data only adds: the same result, without the store's work of replacing."""
    if not report.conforms:
        raise ValidationFailed(report, what)
    change = planned.change
    hierarchy = change.touches_hierarchy()
    with search_index.following(store, change.added, change.removed, hierarchy):
        store.write(planned.graphs, replace=planned.replace and bool(planned.existing),
                    append=append)
        if hierarchy:
            store.refresh_inferences(None if INFERRED_GRAPH in planned.graphs
                                     else [*change.added, *change.removed])
    return LoadResult(graphs={g: len(t) for g, t in planned.graphs.items()}, report=report)


FILE_QUADS = 400_000
"""Quads of a staged write loaded at a time: the bulk loader's memory is that of one file, and
fewer, larger loads leave the store less to merge."""


class Staged:
    """A write too large to hold, planned and checked part by part, committed in one step.

    Each part (an import's few thousand rows) is planned with ``plan``, checked with ``check``
    like any write, and once accepted ``add``ed to N-Quads files of up to ``FILE_QUADS`` quads,
    each holding whole parts, written as text straight from the part's triples. The checks of
    later parts read, of the staged content, only what a later part can point to (a service
    names the organisation an earlier row described): ``add``'s ``referable`` triples, held in
    a small in-memory store. ``plan_rest`` then plans what replacing the graphs removes (the
    old content the new one no longer holds: only when a graph holds data, which is when the
    staged files are read into a scratch store on disk), and ``commit`` has the real store load
    the files in one step (``Store.write_from``). Memory holds one part and the referable
    triples; the real store is untouched until ``commit``.

    Into graphs that hold nothing yet, ``load_meanwhile`` has the store load each file as soon
    as it is whole, while the later parts are read and checked (``Store.begin_write_from``, the
    graphs named pending): ``commit`` then only waits for the last file, and a refusal (or any
    error) before it drops what was loaded, the store left as it was.
    """

    def __init__(self, store: Store, graphs: list[str]):
        self.store = store
        self._dir = tempfile.TemporaryDirectory(prefix="passerelle-staged-")
        self.scratch = ox.Store()
        self.files: list[Path] = []
        self._in_file = 0
        self.counts = dict.fromkeys(graphs, 0)
        self._given: list[weakref.ref[incremental.Change]] = []
        self._whole: queue.SimpleQueue[Path | None] | None = None
        self._pending: PendingWrite | None = None

    def __enter__(self) -> Staged:
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def close(self) -> None:
        """Let go of the scratch store (the plans given out too) and delete the files; a
        load begun by ``load_meanwhile`` and not committed is abandoned."""
        try:
            if self._pending is not None:
                pending, self._pending = self._pending, None
                self._feed(None)
                pending.abandon()
        finally:
            for given in self._given:
                if (change := given()) is not None:
                    change.staged = None
            del self.scratch
            gc.collect()
            self._dir.cleanup()

    def load_meanwhile(self) -> None:
        """Have the store load each staged file once it is whole, before ``commit``: only
        for graphs that hold nothing yet (``plan_rest`` then plans no removal), which the
        caller has seen."""
        self._whole = queue.SimpleQueue()
        self._pending = self.store.begin_write_from(_until_none(self._whole),
                                                    list(self.counts))

    def _feed(self, file: Path | None) -> None:
        if self._whole is not None:
            self._whole.put(file)
            if file is None:
                self._whole = None

    def _file_for(self, size: int) -> Path:
        """The file a part of ``size`` quads goes to: a new one when the last is full, the
        last one then whole."""
        if not self.files or self._in_file + size > FILE_QUADS:
            if self.files:
                self._feed(self.files[-1])
            self.files.append(Path(self._dir.name) / f"part-{len(self.files):06d}.nq")
            self._in_file = 0
        return self.files[-1]

    def plan(self, graphs: Graphs) -> Plan:
        """One part: its triples are new content of the replaced graphs."""
        change = incremental.Change(graphs, replace=True, staged=self.scratch,
                                    added=[t for triples in graphs.values() for t in triples])
        self._given.append(weakref.ref(change))
        return Plan(change)

    def add(self, graphs: Graphs, referable: Iterable[ox.Triple] = ()) -> None:
        """Keep an accepted part in the files ``commit`` loads, and its ``referable`` triples
        (those of nodes later parts may point to, with their blank nodes) where the checks of
        later parts read them."""
        self.scratch.extend(ox.Quad(t.subject, t.predicate, t.object, STAGED)
                            for t in referable)
        size = sum(len(triples) for triples in graphs.values())
        with self._file_for(size).open("ab") as handle:
            for g, triples in graphs.items():
                handle.write(as_quads(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), g))
        self._in_file += size
        for g, triples in graphs.items():
            self.counts[g] = self.counts.get(g, 0) + len(triples)

    def add_text(self, graph: str, ntriples: bytes, size: int,
                 referable: Iterable[ox.Triple] = ()) -> None:
        """``add`` of a part already written as N-Triples (``size`` triples) into ``graph``:
        an import checks the same text in a scratch store, so it is written once."""
        self.scratch.extend(ox.Quad(t.subject, t.predicate, t.object, STAGED)
                            for t in referable)
        with self._file_for(size).open("ab") as handle:
            handle.write(as_quads(ntriples, graph))
        self._in_file += size
        self.counts[graph] = self.counts.get(graph, 0) + size

    def plan_rest(self) -> Plan:
        """What replacing the graphs by the staged content removes: each old triple the new
        content lacks (those with blank nodes always, as a write's blank nodes are new). When
        a graph holds data, the staged files are read into a scratch store on disk, which this
        plan's check reads as the staged content."""
        existing = set() if self._pending is not None else {
            graph for graph in self.counts
            if next(iter(self.store.quads(graph)), None) is not None}
        if not existing:
            return Plan(incremental.Change({g: [] for g in self.counts}, replace=True))
        del self.scratch
        gc.collect()
        self.scratch = ox.Store(str(Path(self._dir.name) / "store"))
        for file in self.files:
            self.scratch.bulk_load(path=str(file), format=ox.RdfFormat.N_QUADS)
        removed: list[ox.Triple] = []
        for graph in existing:
            node = ox.NamedNode(graph)
            for quad in self.store.quads(graph):
                t = quad.triple
                if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) \
                        or ox.Quad(t.subject, t.predicate, t.object, node) not in self.scratch:
                    removed.append(t)
        change = incremental.Change({g: [] for g in self.counts}, replace=True,
                                    removed=removed, existing=existing, staged=self.scratch)
        self._given.append(weakref.ref(change))
        return Plan(change, existing=existing)

    def commit(self, planned: Plan, report: Report, *, what: str) -> LoadResult:
        """Store the staged graphs (``planned`` is ``plan_rest``'s) in one write, or raise
        ``ValidationFailed`` when ``report`` has violations. The search index is not patched
        here: it sees the store's new generation and is built again on the next search."""
        if not report.conforms:
            raise ValidationFailed(report, what)
        if self._pending is not None:
            pending, self._pending = self._pending, None
            if self.files:
                self._feed(self.files[-1])
            self._feed(None)
            pending.commit()
        else:
            self.store.write_from(self.files, list(self.counts),
                                  replace=bool(planned.existing))
        return LoadResult(graphs=dict(self.counts), report=report)


def _until_none(files: queue.SimpleQueue[Path | None]) -> Iterator[Path]:
    """The staged files, each once whole, until ``Staged.commit`` or ``close`` says the last."""
    while (file := files.get()) is not None:
        yield file


STAGED = ox.NamedNode("urn:passerelle:staged")
"""The graph of the staged referable triples in ``Staged``'s in-memory store (checks read them
by subject, whatever the graph)."""


def as_quads(ntriples: bytes, graph: str) -> bytes:
    """N-Triples text as N-Quads of ``graph``: each line ends with a space, a full stop and a
    line feed, found nowhere else, as N-Triples escapes every line break inside a literal."""
    return ntriples.replace(b" .\n", b" <" + ox.NamedNode(graph).value.encode() + b"> .\n")
