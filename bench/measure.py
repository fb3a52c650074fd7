"""How each figure is taken: loads, the search in-process and over HTTP, concurrency, memory.

Every search figure comes from rounds over the searches of one kind (each search once a round,
after one unrecorded warm-up round), each kind with its own time budget, so the searches of a
kind weigh the same and a slow kind does not starve the others of samples.

The embedded store keeps each answer until the data changes, so a search is timed two ways: the
first time (computed: over HTTP with a language tag no request used before) and again (the kept
answer, after the warm-up round).
"""

from __future__ import annotations

import http.client
import os
import shutil
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from bench.stats import by_kind
from bench.workload import Search
from passerelle.graph.read.search import build_query, compute
from passerelle.graph.store.base import Store
from passerelle.graph.store.bundle import open_store
from passerelle.graph.store.embedded import EmbeddedStore
from passerelle.graph.write.loader import load
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


# --- rounds over the mix -----------------------------------------------------------------------

def rounds(mix: Iterable[Search], once: Callable[[Search], object], budget_s: float,
           min_rounds: int, *, cap_s: float | None = None,
           cut: dict[str, float] | None = None) -> dict[str, list[float]]:
    """Milliseconds per search kind, from whole rounds over the mix: at least one, then until
    ``budget_s`` is spent, and at least ``min_rounds`` unless they would take three times the
    budget (a slow baseline at a million triples).

    With ``cap_s``, a search whose warm-up call takes longer than that is not asked again, and
    neither is the rest of its kind (a kind's figure stands for all its searches): ``cut``
    receives the kind and how many seconds that call took. A baseline too slow to finish a kind
    within the run's budget is reported as cut off rather than waited for.
    """
    mix = list(mix)
    cut = {} if cut is None else cut

    def timed(item: Search) -> float | None:
        """Seconds one call took, or None when it was cut off (its kind is then in ``cut``)."""
        started = time.perf_counter()
        try:
            once(item)
        except CutOff:
            cut[item.kind] = cap_s
            return None
        took = time.perf_counter() - started
        if cap_s is not None and took > cap_s:
            cut[item.kind] = round(took, 1)
        return took

    for item in mix:
        if item.kind not in cut:
            timed(item)
    mix = [item for item in mix if item.kind not in cut]
    samples: dict[str, list[float]] = defaultdict(list)
    started, done = time.perf_counter(), 0

    def more() -> bool:
        spent = time.perf_counter() - started
        return done == 0 or spent < budget_s or (done < min_rounds and spent < 3 * budget_s)

    while mix and more():
        for item in mix:
            took = timed(item)
            if took is not None:
                samples[item.kind].append(took * 1000)
        mix = [item for item in mix if item.kind not in cut]
        done += 1
    return {kind: values for kind, values in samples.items() if kind not in cut}


class CutOff(Exception):
    """A call gave up after the cap (an HTTP request that timed out): its kind is cut off."""


def each_kind(mix: Iterable[Search], once: Callable[[Search], object], budget_s: float,
              min_rounds: int, cap_s: float | None = None) -> dict:
    """``rounds`` for each kind of search apart, each with its own budget, so a slow kind
    (facet counts) does not leave the fast ones with a handful of samples. Returns the
    ``samples`` by kind and ``cut``: the kinds cut off, in seconds (``summary`` sums up)."""
    by: dict[str, list[Search]] = defaultdict(list)
    for item in mix:
        by[item.kind].append(item)
    samples: dict[str, list[float]] = {}
    cut: dict[str, float] = {}
    for items in by.values():
        samples.update(rounds(items, once, budget_s, min_rounds, cap_s=cap_s, cut=cut))
    return {"samples": samples, "cut": cut}


def summary(*parts: dict) -> dict:
    """The summaries by kind (``stats.by_kind``, with ``all``) of one or more ``each_kind``
    results, and the kinds they cut off."""
    samples = {k: v for part in parts for k, v in part["samples"].items()}
    return {**by_kind(samples), "cut": {k: v for part in parts for k, v in part["cut"].items()}}


def raw_queries(store: Store, mix: Iterable[Search]) -> dict[Search, str]:
    """The exact search SPARQL the API runs for each search (``build_query``)."""
    return {item: build_query(store, item.params()) for item in mix}


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
    ``start_s`` is how long it took to answer (the search index is built before that).
    """

    def __init__(self, store_dir: Path, log: Path, *, backend: list[str] | None = None,
                 env: dict[str, str] | None = None, seconds: float = 120):
        log.write_bytes(b"")
        started = time.perf_counter()
        self.process, self.url = servers.start_passerelle(
            store_dir, backend=backend, log=log, seconds=seconds,
            env={"PASSERELLE_DATA_DIR": str(store_dir.parent / "data"), **(env or {})})
        self.start_s = round(time.perf_counter() - started, 2)
        self.port = int(self.url.rsplit(":", 1)[1])

    @property
    def peak_mb(self) -> float | None:
        return peak_mb(self.process.pid)

    @property
    def rss_mb(self) -> float | None:
        """Resident memory now (VmRSS), in MiB."""
        kb = _status_kb(self.process.pid, "VmRSS")
        return round(kb / 1024, 1) if kb is not None else None

    def stop(self) -> None:
        servers.stop(self.process, seconds=15)


def _get(client: httpx.Client, item: Search, fresh: bool = False) -> None:
    """One search; ``fresh`` asks with ``Cache-Control: no-cache``, so the server computes the
    answer rather than give one it kept."""
    headers = {"Cache-Control": "no-cache"} if fresh else {}
    response = client.get("/api/services", params=item.http, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{item.http}: HTTP {response.status_code} {response.text[:300]}")
    response.json()


def http_search(url: str, mix: list[Search], args, *, fresh: bool = False) -> dict:
    """One client, one search at a time: end-to-end latency of ``GET /api/services`` for each
    kind (``each_kind``, with the run's ``budget``, ``min_rounds`` and ``cap``), each search
    computed (``fresh``) or, after the warm-up round, answered from kept answers. A request
    still running after the cap is given up, and its kind cut off; the server may go on with
    it, so callers ask the slow kind (``facets_apart``) after everything else."""
    def once(item: Search) -> None:
        try:
            _get(client, item, fresh)
        except httpx.TimeoutException:
            raise CutOff from None

    with httpx.Client(base_url=url, timeout=args.cap or 300) as client:
        return each_kind(mix, once, args.budget, args.min_rounds, args.cap)


def facets_apart(mix: list[Search]) -> tuple[list[Search], list[Search]]:
    """The searches that ask for a page, and those that also ask for facet counts (which take
    far longer on the slow paths, and are asked last)."""
    return ([item for item in mix if not item.facets], [item for item in mix if item.facets])


def _lean_get(connection: http.client.HTTPConnection, target: str,
              headers: dict[str, str]) -> None:
    """One search over a kept-alive connection, its body read whole but not decoded."""
    connection.request("GET", target, headers=headers)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"{target}: HTTP {response.status} {body[:300]!r}")


def cpu_s(pid: int) -> float | None:
    """CPU time (user and system) a process has used so far, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def concurrent(url: str, mix: list[Search], clients: int, seconds: float, *,
               fresh: bool = False, pid: int | None = None) -> dict:
    """``clients`` threads, each with its own kept-alive connection, searching the mix for
    ``seconds`` (every search computed if ``fresh``, else mostly kept answers).

    The clients share the machine with the server, so each is as lean as it can be (the
    standard library's HTTP client, the body read but not decoded): a client that spends
    milliseconds on each answer takes them from the server it measures. With the server's
    ``pid``, the server's CPU time per search (``server_cpu_ms``) is reported beside the rate.
    """
    stop = threading.Event()
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    address = urlsplit(url)
    headers = {"Cache-Control": "no-cache"} if fresh else {}
    targets = ["/api/services?" + urlencode(item.pairs) for item in mix]

    def worker(offset: int) -> None:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=300)
        try:
            index = offset
            while index == offset or not stop.is_set():  # at least one search each
                target = targets[index % len(targets)]
                index += 1
                started = time.perf_counter()
                try:
                    _lean_get(connection, target, headers)
                except (RuntimeError, OSError, http.client.HTTPException) as error:
                    connection.close()
                    with lock:
                        errors.append(str(error)[:200])
                    continue
                with lock:
                    latencies.append((time.perf_counter() - started) * 1000)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    cpu_before = cpu_s(pid) if pid else None
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=300)
    elapsed = time.perf_counter() - started
    cpu_after = cpu_s(pid) if pid else None
    server_cpu = (round((cpu_after - cpu_before) * 1000 / len(latencies), 2)
                  if cpu_before is not None and cpu_after is not None and latencies else None)
    return {"clients": clients, "seconds": round(elapsed, 2), "requests": len(latencies),
            "errors": len(errors), "first_error": errors[0] if errors else None,
            "per_s": round(len(latencies) / elapsed, 1), "server_cpu_ms": server_cpu,
            "latencies": latencies}
