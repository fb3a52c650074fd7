"""Validated single-service writes: ``POST /api/services`` over HTTP, and the same in-process.

Why: a write validates only what it touches (graph/validation/incremental.py), so its cost should
not grow with the graph. Over HTTP each write is a new service with its own id, checked against the
shapes and stored in its own graph with its audit record, as a data steward's client would send it.
The in-process figure is ``bench.write_latency``'s: ``loader.write`` of one service in Turtle, with
no HTTP, JSON mapping or audit. Each way starts with three writes that are not recorded. """

from __future__ import annotations

import gc
import time
from pathlib import Path

import httpx

from bench.stats import summarise
from bench.write_latency import timed_writes
from passerelle.graph.store.bundle import open_store

SECRET = "bench-write-token"
ENV = {"PASSERELLE_API_TOKENS": f"bench:{SECRET}"}
"""What the embedded-store server needs to accept the writes."""
WARMUP = 3


def service_body(slug: str, provider: str) -> dict:
    """A valid service in the read model's JSON shape (as in the API's write tests)."""
    return {
        "id": slug, "lang": "en",
        "name": {"en": f"Benchmark probe {slug}", "fr": f"Sonde du banc d'essai {slug}"},
        "description": {"en": "A service written by the benchmark to time one write."},
        "provider": provider, "service_types": ["language"],
        "eligibility": {"state": "open-to-all"}, "areas": ["FRL06"], "languages": ["fr"],
        "cost": "free", "last_verified": "2026-11-27",
    }


def http_writes(url: str, provider: str, writes: int) -> dict:
    """ms per ``POST /api/services`` (201 required), one at a time on one connection."""
    times = []
    headers = {"Authorization": f"Bearer {SECRET}"}
    with httpx.Client(base_url=url, timeout=300, headers=headers) as client:
        for n in range(WARMUP + writes):
            body = service_body(f"bench-write-{n:04d}", provider)
            started = time.perf_counter()
            response = client.post("/api/services", json=body)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 201:
                raise RuntimeError(f"POST /api/services: HTTP {response.status_code} "
                                   f"{response.text[:500]}")
            if n >= WARMUP:
                times.append(elapsed)
    return summarise(times)


def in_process_writes(store_dir: Path, provider: str, writes: int) -> dict:
    """``loader.write`` of one service, added to a shared graph and replacing a graph of its
    own, on the store reopened in this process (its heap frozen out of the collector)."""
    store = open_store(store_dir)
    gc.collect()
    gc.freeze()
    try:
        timed_writes(store, provider, WARMUP, own_graph=False, start=0)
        shared = timed_writes(store, provider, writes, own_graph=False, start=1000)
        own = timed_writes(store, provider, writes, own_graph=True, start=2000)
    finally:
        gc.unfreeze()
    store.flush()
    del store
    gc.collect()  # a store caught in a reference cycle would keep its lock past this call
    return {"shared_graph": summarise([s * 1000 for s in shared]),
            "own_graph": summarise([s * 1000 for s in own])}
