"""The Oxigraph-server backend: the same graph behind ``oxigraph serve``, searched two ways.

Why: a deployment may keep the graph in a SPARQL server that several API processes share
(``passerelle serve --endpoint``). This measures what that costs against the embedded store, on
the same data: the search mix over HTTP through ``passerelle serve --endpoint`` (whose search
index is built from the engine when it starts).

The server's store is filled by Oxigraph's own bulk loader (``oxigraph load``) from an N-Quads
dump of the embedded store holding every graph: the vocabularies and the derived closure graph
too, which ``Store.dump`` leaves out and the search needs. Its API totals are checked against the
embedded store's, so a backend that answered faster by answering less would show.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from bench import measure
from bench.workload import Search
from passerelle.graph.store.base import Store
from tests import servers

BINARY = Path(sys.executable).with_name("oxigraph")
RESULTS_JSON = "application/sparql-results+json"


def dump_all(store: Store, path: Path) -> None:
    """Every quad of every named graph of ``store``, the derived graph included, as N-Quads."""
    ox.serialize(store.quads(), output=str(path), format=ox.RdfFormat.N_QUADS)


class OxigraphServer:
    """``oxigraph serve --union-default-graph`` on loopback, on a store bulk-loaded from a dump."""

    def __init__(self, folder: Path, dump: Path, log: Path):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.folder, location = folder, folder / "db"
        started = time.perf_counter()
        loaded = subprocess.run([str(BINARY), "load", "--location", str(location),
                                 "--file", str(dump)], capture_output=True, text=True)
        if loaded.returncode:
            raise RuntimeError(f"oxigraph load failed: {loaded.stderr[-2000:]}")
        self.load_s = round(time.perf_counter() - started, 2)
        log.write_bytes(b"")
        self.process, self.url = servers.start_oxigraph(location, log=log)

    def select(self, sparql: str, client: httpx.Client | None = None) -> list:
        """POST one query; the rows read out (or ASK's boolean), as a client would."""
        send = client.post if client else httpx.post
        response = send(self.url + "/query", data={"query": sparql},
                        headers={"Accept": RESULTS_JSON}, timeout=300)
        response.raise_for_status()
        answer = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        return [answer] if isinstance(answer, ox.QueryBoolean) else list(answer)

    @property
    def peak_mb(self) -> float | None:
        return measure.peak_mb(self.process.pid)

    def stop(self) -> None:
        servers.stop(self.process, seconds=30)


def api_totals(url: str, mix: list[Search]) -> list[int]:
    """What ``GET /api/services`` says each search finds (its ``total``; facet counts, which
    do not change it and may take minutes on a slow path, are not asked for)."""
    with httpx.Client(base_url=url, timeout=600) as client:
        return [client.get("/api/services", params={
            k: v for k, v in item.http.items() if k != "facets"}).json()["total"]
            for item in mix]


def run(label: str, dump: Path, mix: list[Search], expected: list[int], args,
        work: Path) -> dict:
    """Load ``dump``, then time the mix through ``passerelle serve --endpoint``, each search
    computed; ``expected`` holds the embedded store's API totals, to compare with this
    backend's."""
    server = OxigraphServer(work / f"oxigraph-{label}", dump, work / f"oxigraph-{label}.log")
    try:
        quads = int(server.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]
                    ["n"].value)
        api = measure.Server(server.folder, work / f"server-oxigraph-{label}.log", backend=[
            "--endpoint", server.url + "/query", "--update-endpoint", server.url + "/update"],
            seconds=args.start_s)
        try:
            pages, counts = measure.facets_apart(mix)
            http = measure.http_search(api.url, pages, args, fresh=True)
            totals = api_totals(api.url, mix)
            api_peak, api_rss = api.peak_mb, api.rss_mb
            http = measure.summary(http, measure.http_search(api.url, counts, args, fresh=True))
        finally:
            api.stop()
        oxigraph_peak = server.peak_mb
    finally:
        server.stop()
    disk = measure.disk_mb(server.folder)
    if not args.keep:
        shutil.rmtree(server.folder, ignore_errors=True)
    return {
        "load": {"quads": quads, "seconds": server.load_s,
                 "quads_per_s": round(quads / server.load_s) if server.load_s else None},
        "search": http,
        "same_answers": totals == expected,
        "disk_mb": disk,
        "memory": {"oxigraph_peak_mb": oxigraph_peak, "api_peak_mb": api_peak,
                   "api_rss_mb": api_rss},
    }
