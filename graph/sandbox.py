"""Running the SPARQL endpoint's queries where they can be stopped.

pyoxigraph cannot cancel a running query, and Oxigraph's parser and evaluator recurse deeply
enough on some texts to overflow a thread's stack and abort the process. So the endpoint's
queries run in worker processes: each opens the on-disk store read-only, runs one query at a time
on a thread with a large stack, and serialises the answer itself, at most ``max_rows`` rows.
A query still running at the time limit is ended by killing its worker (the CPU is free at once)
and a fresh worker takes its place; one that needs more memory than a worker may hold ends its
worker at once (a sort over a cross product fills gigabytes in seconds). A read-only store sees
the data as of opening, so every job carries the store's write generation and a worker reopens
when it has changed.

A store in memory cannot be shared with another process: its queries run in the server process,
on a large-stack thread, under the same limits except that a query past the time limit is only
abandoned (the client gets its 503 and the thread stops at its next result row, but a query
stuck before its first row runs on to the end).
"""

from __future__ import annotations

import ctypes
import functools
import math
import multiprocessing
import os
import queue
import re
import resource
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from passerelle.errors import PasserelleError
from passerelle.graph import formats, xml_safety
from passerelle.graph.query_screen import Refused, screen
from passerelle.graph.store import EmbeddedStore, Store

STACK_BYTES = 512 * 1024 * 1024
"""Measured: 20,000 chained ``+`` (40 kB of text) overflow an 8 MiB stack; with 512 MiB no query
under the default 1 MiB body limit did."""
QUEUE_WAIT_S = 1.0
"""How long a query waits for a free worker before the endpoint answers 503."""
STARTUP_S = 60.0
OPEN_ATTEMPTS = 4
OUT_OF_MEMORY = ("the query needed more memory (or stack) than a query may use, and was "
                 "stopped; simplify it")
_LINE = re.compile(r"^(error at )(\d+):")
GRAPH_FORMATS = tuple(formats.by_name(n) for n in ("ttl", "nt", "jsonld", "rdfxml"))
BOOLEAN_FORMATS = tuple(f for f in formats.RESULTS_FORMATS if f.boolean)


@dataclass(frozen=True)
class Job:
    """One query with its protocol dataset (None: the query's own, or the union of all graphs)
    and the base its relative IRIs resolve against (the endpoint's own URL)."""

    query: str
    default_graph: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    accept: str | None
    max_rows: int
    max_depth: int
    base_iri: str | None = None


@dataclass(frozen=True)
class Answer:
    media_type: str
    body: bytes
    truncated: bool = False


class QueryError(Exception):
    """A query the endpoint does not answer; ``str(error)`` is the message for the client."""


class BadQuery(QueryError):
    pass


class NotAcceptable(QueryError):
    def __init__(self, offers: tuple[str, ...]):
        super().__init__(offers)
        self.offers = offers

    def __str__(self) -> str:
        return "none of the accepted media types can carry this answer; acceptable: " + \
            ", ".join(self.offers)


class TimedOut(QueryError):
    def __init__(self, seconds: float, stopped: bool = True):
        super().__init__(seconds, stopped)
        self.seconds, self.stopped = seconds, stopped

    def __str__(self) -> str:
        if self.stopped:
            return f"the query was stopped after {self.seconds:g} s, the time limit"
        return (f"the query was abandoned after {self.seconds:g} s, the time limit (this store "
                "cannot stop a query at once)")


class Busy(QueryError):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"all query workers are busy; try again in {self.retry_after} s"


class Unavailable(QueryError):
    pass


class _GaveUp(Exception):
    """Raised inside an abandoned in-process query, to end its thread at the next row."""


def _choose(accept: str | None, table: tuple) -> formats.Format | formats.ResultsFormat:
    offers = [f.media_type for f in table]
    media = formats.negotiate(accept, offers, default=offers[0])
    if media is None:
        raise NotAcceptable(tuple(offers))
    return next(f for f in table if f.media_type == media)


def _take(items, limit: int, deadline: float | None) -> tuple[list, bool]:
    """At most ``limit`` items, and whether there were more."""
    taken = []
    for item in items:
        if len(taken) == limit:
            return taken, True
        if deadline is not None and len(taken) % 256 == 0 and time.monotonic() > deadline:
            raise _GaveUp
        taken.append(item)
    return taken, False


def _tsv_term(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        parts = (_tsv_term(term.subject), _tsv_term(term.predicate), _tsv_term(term.object))
        return "<<( " + " ".join(parts) + " )>>"
    return str(term)


def _serialise(result, job: Job, deadline: float | None) -> Answer:
    if isinstance(result, ox.QueryBoolean):
        fmt = _choose(job.accept, BOOLEAN_FORMATS)
        return Answer(fmt.media_type, result.serialize(format=fmt.oxigraph))
    if isinstance(result, ox.QuerySolutions):
        fmt = _choose(job.accept, formats.RESULTS_FORMATS)
        names = [v.value for v in result.variables]
        rows, truncated = _take(result, job.max_rows, deadline)
        # The rows kept are written as TSV (pyoxigraph's term syntax is TSV's) and converted by
        # pyoxigraph, so every format follows its serialiser without a second one here.
        lines = ["\t".join("?" + n for n in names)]
        lines.extend("\t".join(_tsv_term(row[n]) for n in names) for row in rows)
        tsv = ("\n".join(lines) + "\n").encode()
        if fmt.oxigraph != ox.QueryResultsFormat.TSV:
            tsv = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV).serialize(
                format=fmt.oxigraph)
        return Answer(fmt.media_type, tsv, truncated)
    fmt = _choose(job.accept, GRAPH_FORMATS)
    triples, truncated = _take(result, job.max_rows, deadline)
    return Answer(fmt.media_type, ox.serialize(triples, format=fmt.oxigraph), truncated)


def _listed(graphs: tuple[str, ...] | None) -> list[str] | None:
    return None if graphs is None else list(graphs)


def execute(store: Store, job: Job, deadline: float | None = None) -> Answer:
    """Screen, run and serialise one query; raise ``QueryError`` (or ``OSError`` for the store)."""
    try:
        screen(job.query, max_depth=job.max_depth)
    except Refused as error:
        raise BadQuery(str(error)) from None
    # A BASE line before the query works with every engine; the parser's line numbers are then
    # one too many, and are given back in the message.
    text = job.query if job.base_iri is None else f"BASE <{job.base_iri}>\n{job.query}"
    try:
        result = store.query(text, default_graph=_listed(job.default_graph),
                             named_graphs=_listed(job.named_graphs))
        return xml_safety.checked(_serialise(result, job, deadline))
    except SyntaxError as error:
        message = str(error)
        if job.base_iri is not None:
            message = _LINE.sub(lambda m: f"{m[1]}{int(m[2]) - 1}:", message, count=1)
        raise BadQuery(f"the query does not parse: {message}") from None
    except (QueryError, OSError, _GaveUp):
        raise
    except MemoryError:
        raise BadQuery(OUT_OF_MEMORY) from None
    except (ValueError, RuntimeError, TypeError) as error:
        raise BadQuery(f"the query could not be evaluated: {error}") from None


def _bare(error: BaseException) -> BaseException:
    """The error without its traceback and context, whose frames hold pyoxigraph objects that
    must be dropped on the thread that made them (they are "unsendable")."""
    error.__context__ = error.__cause__ = None
    return error.with_traceback(None)


class _Call:
    """A function run on its own large-stack thread, its outcome kept for whoever waits."""

    _stack_lock = threading.Lock()

    def __init__(self, function: Callable[[], Answer], done: Callable[[], None] | None = None):
        self._function, self._done = function, done
        self._value: Answer | None = None
        self._error: BaseException | None = None
        with self._stack_lock:
            previous = threading.stack_size(STACK_BYTES)
            try:
                self.thread = threading.Thread(target=self._run, name="sparql-query", daemon=True)
                self.thread.start()
            finally:
                threading.stack_size(previous)

    def _run(self) -> None:
        try:
            self._value = self._function()
        except BaseException as error:  # handed to the waiting thread, which re-raises it
            self._error = _bare(error)
        finally:
            if self._done:
                self._done()

    def outcome(self, timeout: float | None = None) -> Answer:
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise TimeoutError
        if self._error is not None:
            raise self._error
        return self._value


class _Reader:
    """A worker's read-only view of the store, reopened when the store has been written.

    The server may be compacting the store as a worker opens it (RocksDB then reports a table
    file it has just deleted as missing, "Corruption"), or after (a read hits the file): either
    way the worker waits a moment and opens the store again, up to ``OPEN_ATTEMPTS`` times.
    """

    def __init__(self, path: Path):
        self.path, self.store, self.generation = path, None, None

    def _open(self, generation: int) -> None:
        if self.store is None or generation != self.generation:
            self.store = None
            self.store = EmbeddedStore(self.path, read_only=True)
            self.generation = generation

    def answer(self, generation: int, job: Job) -> Answer | QueryError:
        for attempt in range(OPEN_ATTEMPTS):
            try:
                self._open(generation)
                return execute(self.store, job)
            except QueryError as error:
                return _bare(error)
            except (OSError, RuntimeError, PasserelleError) as error:  # from opening, or reading
                failure, self.store = error, None
                time.sleep(0.05 * (attempt + 1))
        return Unavailable(f"the store could not be read: {failure}")


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def worker_memory(concurrency: int) -> int:
    """Bytes of data a worker may hold besides its query stack: half the machine's memory shared
    among the workers, and at least 1 GiB, so that runaway queries end their workers and not the
    machine."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return max(1 << 30, total // (2 * max(1, concurrency)))


def _isolate(parent: int, memory: int | None = None) -> bool:
    """Cap the data the worker holds at ``memory`` bytes, write no core dumps, leave the network
    where the kernel lets an unprivileged process (no query can reach out even past the
    ``SERVICE`` check), and die within a second of the server, even in the middle of a query.
    (``PR_SET_PDEATHSIG`` would fire when the thread that started the worker ends, and the
    server's pool threads come and go.) Returns whether the network was left."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory:  # the large query stack counts as data too
        resource.setrlimit(resource.RLIMIT_DATA, (memory + STACK_BYTES,) * 2)
    libc = ctypes.CDLL(None, use_errno=True)
    offline = False
    if hasattr(libc, "unshare"):  # Linux; must run while the process has a single thread
        offline = libc.unshare(0x10000000 | 0x40000000) == 0  # CLONE_NEWUSER | CLONE_NEWNET
    threading.Thread(target=_watch, args=(parent,), name="watch-server", daemon=True).start()
    return offline


def _worker_main(connection, path: str, parent: int, memory: int) -> None:
    _isolate(parent, memory)
    reader = _Reader(Path(path))
    connection.send("ready")
    while True:
        try:
            generation, job = connection.recv()
        except EOFError:
            return
        try:
            reply = _Call(functools.partial(reader.answer, generation, job)).outcome()
        except Exception as error:  # a worker reports every failure rather than dying
            reply = Unavailable(f"the query worker failed: {error}")
        connection.send(reply)


class _Lost(Exception):
    """The worker process ended while answering."""


class _NotStarted(_Lost):
    """The worker process never said it was ready."""


class _Worker:
    def __init__(self, path: Path, memory: int):
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker_main,
                                       args=(child, str(path), os.getpid(), memory),
                                       name="passerelle-sparql", daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def ask(self, generation: int, job: Job, timeout: float) -> Answer:
        try:
            if not self.ready:
                if not self.connection.poll(STARTUP_S):
                    raise _NotStarted
                self.connection.recv()
                self.ready = True
            self.connection.send((generation, job))
            if not self.connection.poll(timeout):
                raise TimedOut(timeout)
            reply = self.connection.recv()
        except (EOFError, OSError):
            raise (_Lost if self.ready else _NotStarted) from None
        if isinstance(reply, QueryError):
            raise reply
        return reply

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.connection.close()


class WorkerPool:
    """``size`` worker processes over an on-disk store; ``run`` blocks its calling thread."""

    def __init__(self, store: EmbeddedStore, size: int, timeout_s: float,
                 memory: int | None = None):
        self._store, self.timeout_s = store, timeout_s
        self._memory = memory or worker_memory(size)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self.workers = [_Worker(store.path, self._memory) for _ in range(max(1, size))]
        for worker in self.workers:
            self._idle.put(worker)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.stop()
        fresh = _Worker(self._store.path, self._memory)
        self.workers = [fresh if w is worker else w for w in self.workers]
        return fresh

    def run(self, job: Job) -> Answer:
        try:
            worker = self._idle.get(timeout=QUEUE_WAIT_S)
        except queue.Empty:
            raise Busy(math.ceil(self.timeout_s)) from None
        try:
            if not worker.process.is_alive():
                worker = self._replace(worker)
            return worker.ask(self._store.generation, job, self.timeout_s)
        except TimedOut:
            worker = self._replace(worker)
            raise
        except _NotStarted:
            worker = self._replace(worker)
            raise Unavailable("a query worker did not start; try again") from None
        except _Lost:
            worker = self._replace(worker)
            raise BadQuery(OUT_OF_MEMORY) from None
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()


class InProcess:
    """Queries on the server's own store object, for stores no other process can open."""

    def __init__(self, store: Store, size: int, timeout_s: float):
        self._store, self.timeout_s = store, timeout_s
        self._slots = threading.BoundedSemaphore(max(1, size))

    def run(self, job: Job) -> Answer:
        if not self._slots.acquire(timeout=QUEUE_WAIT_S):
            raise Busy(math.ceil(self.timeout_s))
        deadline = time.monotonic() + self.timeout_s
        call = _Call(lambda: execute(self._store, job, deadline), done=self._slots.release)
        try:
            return call.outcome(self.timeout_s)
        except (TimeoutError, _GaveUp):
            raise TimedOut(self.timeout_s, stopped=False) from None
        except OSError as error:
            raise Unavailable(f"the store could not be read: {error}") from None

    def close(self) -> None:
        """Nothing to release: abandoned threads end with their queries."""


def runner(store: Store, *, concurrency: int, timeout_s: float) -> WorkerPool | InProcess:
    """Worker processes for an on-disk embedded store, the server process for any other."""
    if isinstance(store, EmbeddedStore) and store.path is not None:
        return WorkerPool(store, concurrency, timeout_s)
    return InProcess(store, concurrency, timeout_s)
