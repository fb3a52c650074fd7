"""How each figure is taken: loads, the search in-process and over HTTP, concurrency, memory.

Every search figure comes from rounds over the whole mix (each search once a round, after one
unrecorded warm-up round), so each kind of search weighs the same and the slow ones are not
under-sampled; rounds stop once a time budget is spent.

The embedded store keeps each answer until the data changes, so a search is timed two ways: the
first time (computed: in-process through a store that keeps nothing, over HTTP with a language tag
no request used before) and again (the kept answer, after the warm-up round).
"""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

from bench.workload import Search
from passerelle.graph.read.search import build_query, compute, search
from passerelle.graph.store.base import DelegatingStore, Store
from passerelle.graph.store.bundle import open_store
from passerelle.graph.store.embedded import EmbeddedStore
from passerelle.graph.write.loader import ValidationFailed, load
from tests import servers

ROOT = Path(__file__).resolve().parents[1]


# --- memory ------------------------------------------------------------------------------------

def _status_kb(pid: int | str, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_mb(pid: int | str = "self") -> float | None:
    """Peak resident memory (VmHWM) of a process, in MiB."""
    kb = _status_kb(pid, "VmHWM")
    return round(kb / 1024, 1) if kb is not None else None


def reset_peak() -> None:
    """Restart the bench's own peak-memory count, so each scale reports its own peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


# --- loads ---------------------------------------------------------------------------------------

def _fresh(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    return path


def load_unvalidated(nq: Path, store_dir: Path) -> tuple[EmbeddedStore, dict]:
    """The product path without the gate: ``passerelle load --no-validate`` into a new store."""
    store = open_store(_fresh(store_dir))  # the vocabularies go in first, untimed
    before = store.count()
    started = time.perf_counter()
    result = load(store, [nq], validate_first=False)
    store.flush()
    seconds = time.perf_counter() - started
    return store, {"triples": result.triples, "seconds": round(seconds, 2),
                   "triples_per_s": round(result.triples / seconds),
                   "store_quads": store.count(), "derived_quads": store.count() - before
                   - result.triples}


def load_bulk_floor(nq: Path, store_dir: Path) -> dict:
    """Oxigraph's own bulk loader on the same file: what loading costs without Python."""
    import pyoxigraph as ox

    store = ox.Store(str(_fresh(store_dir)))
    started = time.perf_counter()
    store.bulk_load(path=str(nq), format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - started
    triples = len(store)
    del store
    shutil.rmtree(store_dir, ignore_errors=True)
    return {"triples": triples, "seconds": round(seconds, 2),
            "triples_per_s": round(triples / seconds)}


def load_validated(nq: Path, store_dir: Path) -> dict:
    """``passerelle load`` with the SHACL gate: the whole batch validated before one write."""
    store = open_store(_fresh(store_dir))
    started = time.perf_counter()
    try:
        result = load(store, [nq])
        violations, warnings = 0, len(result.report.warnings) if result.report else 0
        triples = result.triples
    except ValidationFailed as failure:
        violations, warnings = len(failure.report.violations), len(failure.report.warnings)
        triples = 0
    seconds = time.perf_counter() - started
    del store
    shutil.rmtree(store_dir, ignore_errors=True)
    return {"triples": triples, "seconds": round(seconds, 2),
            "triples_per_s": round(triples / seconds) if triples else None,
            "violations": violations, "warnings": warnings}


# --- rounds over the mix -----------------------------------------------------------------------

def rounds(mix: Iterable[Search], once: Callable[[Search], object], budget_s: float,
           min_rounds: int) -> dict[str, list[float]]:
    """Milliseconds per search kind, from whole rounds over the mix."""
    mix = list(mix)
    for item in mix:
        once(item)
    samples: dict[str, list[float]] = defaultdict(list)
    started, done = time.perf_counter(), 0
    while done < min_rounds or time.perf_counter() - started < budget_s:
        for item in mix:
            t = time.perf_counter()
            once(item)
            samples[item.kind].append((time.perf_counter() - t) * 1000)
        done += 1
    return dict(samples)


def raw_queries(store: Store, mix: Iterable[Search]) -> dict[Search, str]:
    """The exact search SPARQL the API runs for each search (``build_query``)."""
    return {item: build_query(store, item.params()) for item in mix}


def raw_search(store: EmbeddedStore, mix: list[Search], budget_s: float, min_rounds: int):
    """The floor: the search SPARQL alone on the embedded store, its rows read in-process."""
    texts = raw_queries(store, mix)
    return rounds(mix, lambda item: sum(1 for _ in store.query(texts[item])), budget_s,
                  min_rounds)


# --- the handler in-process, with the time of each query it sends -----------------------------

STAGES = (
    ("# Which concepts of this scheme have these codes", "resolve codes"),
    ("# Which services match", "search query"),
    ("# What does the graph say about these services", "describe page"),
    ("# What are these concepts called", "concept labels"),
)


class Rows(list):
    """A read-out SELECT result that still answers ``.variables`` like pyoxigraph's."""

    def __init__(self, solutions):
        super().__init__(solutions)
        self.variables = solutions.variables


class TimedStore(DelegatingStore):
    """Passes queries to the real store and adds up how long each kind takes, rows included."""

    def __init__(self, inner: Store):
        super().__init__(inner)
        self.seconds: dict[str, float] = defaultdict(float)

    @staticmethod
    def stage(sparql: str) -> str:
        for opening, name in STAGES:
            if sparql.startswith(opening):
                if name == "search query" and "SELECT ?service ?type" in sparql:
                    return "why (page only)"
                return name
        return "other queries"

    def query(self, sparql, *, default_graph=None, named_graphs=None):
        started = time.perf_counter()
        result = self.inner.query(sparql, default_graph=default_graph, named_graphs=named_graphs)
        if hasattr(result, "variables"):
            result = Rows(result)
        self.seconds[self.stage(sparql)] += time.perf_counter() - started
        return result

    def update(self, sparql):
        raise NotImplementedError("the benchmark only reads")

    def write(self, graphs, *, replace=False, append=None):
        raise NotImplementedError("the benchmark only reads")


def handler_search(store: EmbeddedStore, mix: list[Search], budget_s: float, min_rounds: int):
    """``search()`` in-process (no HTTP), computed every time: ``TimedStore`` is not an embedded
    store, so no answer is kept. Also returns mean ms per search for each stage."""
    timed = TimedStore(store)
    total = {"calls": 0, "seconds": 0.0}

    def once(item: Search):
        started = time.perf_counter()
        search(timed, item.params())
        total["seconds"] += time.perf_counter() - started
        total["calls"] += 1

    samples = rounds(mix, once, budget_s, min_rounds)
    calls = total["calls"]
    stages = {name: round(s * 1000 / calls, 2) for name, s in sorted(timed.seconds.items())}
    stages["python (rows, render)"] = round(
        (total["seconds"] - sum(timed.seconds.values())) * 1000 / calls, 2)
    return samples, stages


def kept_search(store: EmbeddedStore, mix: list[Search], budget_s: float, min_rounds: int):
    """``search()`` in-process on the embedded store itself: after the warm-up round, every
    search is answered from the answers it keeps."""
    return rounds(mix, lambda item: search(store, item.params()), budget_s, min_rounds)


def profile(store: EmbeddedStore, mix: list[Search], path: Path) -> Path | None:
    """One round of the mix in-process under pyinstrument (computed, not kept answers),
    written as text to ``path``."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return None
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for item in mix:
        compute(store, item.params())
    profiler.stop()
    path.write_text(profiler.output_text(unicode=False, color=False, show_all=False))
    return path


# --- a real server -----------------------------------------------------------------------------

class Server:
    """``passerelle serve`` on a store, started like the tests start it, on loopback.

    ``backend`` replaces ``--store store_dir`` (e.g. ``--endpoint URL``); ``env`` adds settings
    such as the write tokens. The data directory sits beside ``store_dir`` either way.
    """

    def __init__(self, store_dir: Path, log: Path, *, backend: list[str] | None = None,
                 env: dict[str, str] | None = None):
        log.write_bytes(b"")
        self.process, self.url = servers.start_passerelle(
            store_dir, backend=backend, log=log,
            env={"PASSERELLE_DATA_DIR": str(store_dir.parent / "data"), **(env or {})})
        self.port = int(self.url.rsplit(":", 1)[1])

    @property
    def peak_mb(self) -> float | None:
        return peak_mb(self.process.pid)

    def stop(self) -> None:
        servers.stop(self.process, seconds=15)


_TAGS = itertools.count()


def _get(client: httpx.Client, item: Search, fresh: bool = False) -> None:
    """One search; ``fresh`` adds a language tag no request used before (``en-x-c<n>``): labels
    fall back to English, so the answer is the same, but the server has not kept it."""
    params = {**item.http, "lang": f"en-x-c{next(_TAGS)}"} if fresh else item.http
    response = client.get("/api/services", params=params)
    if response.status_code != 200:
        raise RuntimeError(f"{item.http}: HTTP {response.status_code} {response.text[:300]}")
    response.json()


def http_search(url: str, mix: list[Search], budget_s: float, min_rounds: int, *,
                fresh: bool = False):
    """One client, one search at a time: end-to-end latency of ``GET /api/services``, each
    search computed (``fresh``) or, after the warm-up round, answered from kept answers."""
    with httpx.Client(base_url=url, timeout=300) as client:
        return rounds(mix, lambda item: _get(client, item, fresh), budget_s, min_rounds)


def concurrent(url: str, mix: list[Search], clients: int, seconds: float, *,
               fresh: bool = False) -> dict:
    """``clients`` threads, each with its own connection, searching the mix for ``seconds``
    (every search computed if ``fresh``, else mostly kept answers)."""
    stop = threading.Event()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def worker(offset: int) -> None:
        with httpx.Client(base_url=url, timeout=300) as client:
            index = offset
            while not stop.is_set():
                item = mix[index % len(mix)]
                index += 1
                started = time.perf_counter()
                try:
                    _get(client, item, fresh)
                except (RuntimeError, httpx.HTTPError) as error:
                    with lock:
                        errors.append(str(error)[:200])
                    continue
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - started
    return {"clients": clients, "seconds": round(elapsed, 2), "requests": len(latencies),
            "errors": len(errors), "first_error": errors[0] if errors else None,
            "per_s": round(len(latencies) / elapsed, 1), "latencies": latencies}
