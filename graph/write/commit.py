"""The one path every API write takes: serialised, validated, audited, atomic.

The JSON API, the Graph Store Protocol and SPARQL Update each compute the new content of some
named graphs, then take the write path's steps (``steps``) in one direction: ``plan`` (what the
change touches, read once, under the lock), then ``commit`` here, which checks (limits, the
vocabulary guard, the shapes) and stores the change with its audit record in one transaction.
One lock serialises writers, so what a writer read to plan its change (a graph's old content,
whether an IRI exists) is still true when the change is stored; readers are never blocked and,
since a change is one transaction, never see half of it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextvars import ContextVar, copy_context
from dataclasses import dataclass, field
from datetime import datetime

import pyoxigraph as ox

from passerelle.errors import PasserelleError
from passerelle.graph.rdf.namespaces import GRAPH, INFERRED_GRAPH
from passerelle.graph.store.base import Store
from passerelle.graph.validation import limits
from passerelle.graph.validation.gate import Finding, Report
from passerelle.graph.write import audit, steps, vocabulary_guard

Graphs = dict[str, list[ox.Triple]]

WRITE_LOCK = threading.Lock()
"""Held around planning, validating and storing a write; anything that writes takes it."""

MAX_LITERAL: ContextVar[int | None] = ContextVar("max_literal", default=None)
"""The longest literal ``commit`` accepts, in characters: set by the ``WriteQueue`` a write runs
on, so every write path (records, graphs, updates) has the same limit; None for no limit."""


class Busy(PasserelleError):
    """Too many writes are waiting already; nothing was started. Try again later."""

    kind = "busy"


class WriteQueue:
    """Writes run one at a time on their own thread, and at most ``waiting`` more wait.

    A write holds ``WRITE_LOCK``, so writes sent at once run one after another anyway; waiting
    for the lock in the request thread pool let a few slow writes take every thread and stall the
    reads. Here a waiting write holds no thread, a write past the bound is refused at once
    (``Busy``), and the thread is a daemon: stopping the server abandons a write in progress,
    which stores nothing, since a write is one transaction.
    """

    def __init__(self, waiting: int, *, max_literal: int | None = None):
        self.max_literal = max_literal
        self._bound, self._taken, self._count = waiting + 1, 0, threading.Lock()
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="passerelle-writes", daemon=True)
        self._thread.start()

    def submit(self, function: Callable, *args, **kwargs) -> Future:
        """Queue ``function`` (a write); raises ``Busy`` when the queue is full."""
        with self._count:
            if self._taken >= self._bound:
                raise Busy("too many writes are waiting")
            self._taken += 1
        future: Future = Future()
        self._jobs.put((future, function, args, kwargs))
        return future

    @property
    def full(self) -> bool:
        """Whether a write submitted now would be refused (a moment later it may not be)."""
        return self._taken >= self._bound

    def _work(self) -> None:
        while True:
            future, function, args, kwargs = self._jobs.get()
            result = error = None
            running = future.set_running_or_notify_cancel()  # False: its request was cancelled
            if running:
                context = copy_context()
                context.run(MAX_LITERAL.set, self.max_literal)
                try:
                    result = context.run(function, *args, **kwargs)
                except BaseException as raised:  # handed to the request that waits for it
                    error = raised
            with self._count:
                self._taken -= 1  # before answering: the client may send its next write at once
            if running and error is None:
                future.set_result(result)
            elif running:
                future.set_exception(error)


DEFAULT_GRAPH = GRAPH + "default"
"""Where the Graph Store Protocol's ``?default`` and an update's default graph live: all data
is in named graphs, and queries see their union as the default graph."""

READ_ONLY = frozenset({INFERRED_GRAPH, audit.AUDIT_GRAPH})
"""Graphs only Passerelle writes: the derived closure and the audit record."""


REFUSAL_KINDS = ("malformed", "forbidden", "not-found", "conflict", "too-large", "invalid",
                 "busy")
"""Why a write is refused, as the write path says it; ``api/writing.py`` answers each kind with
its status and the CLI with its message. ``too-large`` is ``steps.LiteralTooLarge``, ``invalid``
also ``steps.ValidationFailed``, ``busy`` is ``Busy``; the others are ``WriteRefused``."""


class WriteRefused(PasserelleError):
    """A write refused before anything was stored; ``kind`` (one of ``REFUSAL_KINDS``) says why
    and ``field``, when set, which field of the record."""

    kind = "malformed"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class Malformed(WriteRefused):
    """The request cannot be carried out as written (an id that is no slug, an update that
    would wipe every graph, a body naming another record than its path)."""

    kind = "malformed"


class Forbidden(WriteRefused):
    """The writer's token may not change what the write would change."""

    kind = "forbidden"


class Missing(WriteRefused):
    """The record or graph to change or delete does not exist."""

    kind = "not-found"


class Conflict(WriteRefused):
    """The write would take an id or IRI that is already in use."""

    kind = "conflict"


class Invalid(WriteRefused):
    """The data reads but is wrong: a field named, or a limit passed."""

    kind = "invalid"


def finding(f: Finding) -> dict[str, str]:
    """A validation finding as the write endpoints report it."""
    return {"node": f.node, "property": f.path, "rule": f.shape_name, "message": f.message,
            "severity": f.severity, "value": f.value, "shape": f.shape}


@dataclass
class Outcome:
    change: str
    created: set[str] = field(default_factory=set)
    warnings: list[dict[str, str]] = field(default_factory=list)


def content(store: Store, graph: str) -> list[ox.Triple]:
    return [q.triple for q in store.quads(graph)]


def check_writable(graphs) -> None:
    for graph in graphs:
        if graph in READ_ONLY:
            raise Forbidden(f"<{graph}> is maintained by Passerelle and cannot be written")


def plan(store: Store, graphs: Graphs, *, replace: bool, before: Graphs | None = None
         ) -> steps.Plan:
    """Read what an API write of ``graphs`` touches (``steps.plan``), after refusing a write to
    a graph only Passerelle writes. The caller holds ``WRITE_LOCK``."""
    check_writable(graphs)
    return steps.plan(store, graphs, replace=replace, before=before, for_outcome=True)


def duplicates(planned: steps.Plan) -> list[dict[str, str]]:
    """Warnings for IRIs this write newly describes that other graphs describe too (an IRI the
    written graph already described is an old story, not news)."""
    writing: dict[str, set[str]] = {}
    for graph, triples in planned.graphs.items():
        for t in triples:
            if isinstance(t.subject, ox.NamedNode):
                writing.setdefault(t.subject.value, set()).add(graph)
    found = planned.described or {}
    warnings = []
    for subject in sorted(writing):
        stored = found.get(subject, set())
        if stored & writing[subject]:
            continue
        for other in sorted(stored - set(planned.graphs) - READ_ONLY):
            warnings.append({
                "node": subject, "property": "", "rule": "One graph per resource",
                "severity": "Warning", "value": other, "shape": "",
                "message": f"<{subject}> is also described in graph <{other}>, which this write "
                           "left as it was: the two descriptions now add up"})
    return warnings


def commit(store: Store, planned: steps.Plan, *, author: str, kind: str, base: str,
           started: datetime, what: str = "the data", may_change_vocabularies: bool = False
           ) -> Outcome:
    """Check the planned write, then store it (replacing the graphs' content, or adding to it)
    with the audit record, in one transaction.

    With ``replace`` an empty list drops that graph. The caller holds ``WRITE_LOCK`` since it
    planned the write (``plan``). Raises ``steps.ValidationFailed`` when the result would break
    a shape, ``steps.LiteralTooLarge`` for a literal over ``MAX_LITERAL``, ``Forbidden`` when the
    token's scope may not change what it would change (``vocabulary_guard``), ``Invalid``
    past a limit (``limits``); nothing is stored then.
    """
    try:
        report = steps.check(store, planned, max_literal=MAX_LITERAL.get(),
                             may_change_vocabularies=may_change_vocabularies)
    except vocabulary_guard.Refused as error:
        raise (Forbidden if error.kind == "forbidden" else Invalid)(str(error)) from None
    except limits.LimitExceeded as error:
        raise Invalid(str(error)) from None
    warnings = duplicates(planned)
    dropped = [g for g, triples in planned.graphs.items() if planned.replace and not triples]
    written = [g for g in planned.graphs if g not in dropped]
    change, record = audit.record(base=base, author=author, kind=kind, written=written,
                                  dropped=dropped, started=started)
    result = steps.commit(store, planned, report, what=what,
                          append={audit.AUDIT_GRAPH: record})
    warnings += [finding(f) for f in result.report.warnings]
    return Outcome(change=change, created=planned.created, warnings=warnings)


def report_json(report: Report) -> dict[str, list[dict[str, str]]]:
    return {"violations": [finding(f) for f in report.violations],
            "warnings": [finding(f) for f in report.warnings]}
