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
abandoned (the client is told the time limit passed and the thread stops at its next result row,
but a query stuck before its first row runs on to the end).

SPARQL Updates are evaluated the same way, in one worker process of their own (``UpdateWorker``):
pyoxigraph's in-memory store fetches ``LOAD`` and ``SERVICE`` targets itself and offers no hook
to forbid it (no service handler can be set in pyoxigraph 0.5), and a deep update overflows
the stack of the thread that parses it. The worker receives the graphs the update may touch
and returns them as the update left them; a crash or a time-out ends the worker, not the server.

Network isolation fails closed: every worker leaves the network namespace when the kernel lets
an unprivileged process do so, and reports whether it did. Where it cannot (Docker's default
seccomp profile, Ubuntu's restriction of user namespaces, or ``PASSERELLE_NETWORK_ISOLATION=off``)
the endpoint still runs, since the text screen refuses every ``SERVICE`` and ``LOAD`` before a
worker sees it, and the server logs one warning line at start saying that the screen is then the
only guard. Refusing to start instead would take the public endpoint away from every site whose
host forbids user namespaces, for a risk the screen already closes.
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
from passerelle.graph.endpoint.screen import Refused, screen
from passerelle.graph.rdf import formats, xml_safety
from passerelle.graph.store.base import Store
from passerelle.graph.store.embedded import EmbeddedStore

STACK_BYTES = 512 * 1024 * 1024
"""Measured: 20,000 chained ``+`` (40 kB of text) overflow an 8 MiB stack; with 512 MiB no query
under the default 1 MiB body limit did."""
QUEUE_WAIT_S = 1.0
"""How long a query waits for a free worker before it is refused as ``Busy``."""
STARTUP_S = 60.0
OPEN_ATTEMPTS = 4
QUERY_WORKER, UPDATE_WORKER = "sparql-query", "sparql-update"
"""The names the worker processes go by in ``ps``."""
ISOLATION = "PASSERELLE_NETWORK_ISOLATION"
"""Set to ``off`` to keep workers on the network (to test the fallback, or where unsharing
misbehaves); anything else lets them leave it where the kernel allows."""
OUT_OF_MEMORY = ("the query needed more memory (or stack) than a query may use, and was "
                 "stopped; simplify it")
UPDATE_OUT_OF_MEMORY = ("the update needed more memory (or stack) than an update may use, and "
                        "was stopped; simplify it")
_LINE = re.compile(r"^(error at )(\d+):")
GRAPH_FORMATS = tuple(formats.by_name(n) for n in ("ttl", "nt", "jsonld", "rdfxml", "nq", "trig"))
"""CONSTRUCT and DESCRIBE answers; N-Quads and TriG write them in the default graph."""
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
    allowed = os.environ.get(ISOLATION, "").strip().lower() not in ("off", "0", "false", "no")
    if allowed and hasattr(libc, "unshare"):  # Linux; must run while the process is one thread
        offline = libc.unshare(0x10000000 | 0x40000000) == 0  # CLONE_NEWUSER | CLONE_NEWNET
    threading.Thread(target=_watch, args=(parent,), name="watch-server", daemon=True).start()
    return offline


def _name(title: str) -> None:
    """Name the process as ``ps`` and ``/proc/PID/comm`` show it (Linux; at most 15 bytes)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "prctl"):
        libc.prctl(15, title.encode()[:15], 0, 0, 0)  # PR_SET_NAME


def _worker_main(connection, path: str, parent: int, memory: int) -> None:
    _name(QUERY_WORKER)
    offline = _isolate(parent, memory)
    reader = _Reader(Path(path))
    connection.send(("ready", offline))
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
        self.offline: bool | None = None

    def ask(self, generation: int, job: Job, timeout: float) -> Answer:
        try:
            if not self.ready:
                if not self.connection.poll(STARTUP_S):
                    raise _NotStarted
                self.offline = self.connection.recv()[1]
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


class UpdateFailed(Exception):
    """An update the worker could not apply; ``kind`` is syntax, failed, memory or timeout and
    ``str(error)`` the message for the client (never text the engine fetched or read)."""

    def __init__(self, kind: str, message: str):
        super().__init__(kind, message)
        self.kind, self.message = kind, message

    def __str__(self) -> str:
        return self.message


def _apply_update(quads: bytes, text: str) -> bytes | UpdateFailed:
    """The graphs in ``quads`` (N-Quads) as ``text`` leaves them, as N-Quads."""
    nquads = ox.RdfFormat.N_QUADS
    scratch = ox.Store()
    try:
        scratch.extend(ox.parse(quads, format=nquads))
        scratch.update(text)
        return ox.serialize(scratch, format=nquads)
    except SyntaxError as error:
        return UpdateFailed("syntax", f"the update does not parse: {error}")
    except MemoryError:
        return UpdateFailed("memory", UPDATE_OUT_OF_MEMORY)
    except (ValueError, TypeError) as error:
        return UpdateFailed("failed", f"the update failed: {error}")
    except (OSError, RuntimeError):  # their messages may quote what was read or fetched
        return UpdateFailed("failed", "the update failed while it was evaluated")


def _update_main(connection, parent: int, memory: int) -> None:
    _name(UPDATE_WORKER)
    offline = _isolate(parent, memory)
    connection.send(("ready", offline))
    while True:
        try:
            quads, text = connection.recv()
        except EOFError:
            return
        try:
            reply = _Call(functools.partial(_apply_update, quads, text)).outcome()
        except Exception as error:  # reported rather than dying
            reply = UpdateFailed("failed", f"the update worker failed: {type(error).__name__}")
        connection.send(reply)


class UpdateWorker:
    """One process that applies updates to scratch stores, isolated like the query workers.

    ``run`` is serialised (writes hold the write lock anyway); a worker that dies or passes the
    time limit is replaced by a fresh one for the next update.
    """

    def __init__(self, memory: int | None = None):
        self._memory = memory or worker_memory(1)
        self._lock = threading.Lock()
        self._process = None
        self._connection = None
        self.offline: bool | None = None

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_update_main,
                                        args=(child, os.getpid(), self._memory),
                                        name="passerelle-update", daemon=True)
        self._process.start()
        child.close()
        if not self._connection.poll(STARTUP_S):
            self._stop()
            raise UpdateFailed("failed", "the update worker did not start; try again")
        self.offline = self._connection.recv()[1]

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._connection.close()
        self._process = self._connection = None

    def started(self) -> bool | None:
        """Start the worker if it is not running; whether it left the network."""
        with self._lock:
            if self._process is None or not self._process.is_alive():
                self._stop()
                self._start()
            return self.offline

    def run(self, quads: bytes, text: str, timeout_s: float) -> bytes:
        self.started()
        with self._lock:
            try:
                self._connection.send((quads, text))
                if not self._connection.poll(timeout_s):
                    self._stop()
                    raise UpdateFailed("timeout", f"the update was stopped after {timeout_s:g} "
                                                  "s, the time limit")
                reply = self._connection.recv()
            except (EOFError, OSError):
                self._stop()
                raise UpdateFailed("memory", UPDATE_OUT_OF_MEMORY) from None
        if isinstance(reply, UpdateFailed):
            raise reply
        return reply

    def close(self) -> None:
        with self._lock:
            self._stop()


_updates: UpdateWorker | None = None
_updates_lock = threading.Lock()


def update_worker() -> UpdateWorker:
    """The process's update worker, made on first use; it lives as long as the process."""
    global _updates
    with _updates_lock:
        if _updates is None:
            _updates = UpdateWorker()
        return _updates


ISOLATION_UNAVAILABLE = (
    "network isolation is unavailable (the kernel refused unshare, or "
    f"{ISOLATION}=off): SPARQL queries and updates run where the network is reachable, and the "
    "text screen that refuses SERVICE and LOAD is the only guard")


def check_isolation(log: Callable[[str], None]) -> bool | None:
    """Start the update worker and report, through ``log``, when it could not leave the
    network (the query workers run under the same kernel and settings)."""
    offline = update_worker().started()
    if not offline:
        log(ISOLATION_UNAVAILABLE)
    return offline
