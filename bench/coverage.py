"""The coverage matrix at scale: one SHARE SIRA region's whole matrix, and all ten at once.

The generated graph has no cooperation platforms, but it spreads services over the real NUTS
regions, the SIRA ones among them, so the matrices are those a factfile draws. Each round asks
for every need and every status (``depth`` to the bottom of both schemes: 15 x 8 cells a region).
Both paths are measured: the search index's sets (what an embedded store's server uses, and the
targets) and the SPARQL question (``--no-index``, remote engines), under ``sparql``.
"""

from __future__ import annotations

import time

from bench.stats import summarise
from passerelle.graph.read import coverage
from passerelle.graph.store.base import Store

SIRA = ("EL611", "ES242", "ES417", "ES424", "FRC13", "FRI21", "FRK24", "FRL06", "PL51", "PL9")
ONE = ("FRL06",)


def _timed(store: Store, regions: tuple[str, ...], budget_s: float, min_rounds: int,
           index: bool) -> dict:
    samples: list[float] = []
    ask = {"depth": coverage.MAX_DEPTH, "index": index}
    coverage.matrices(store, list(regions), **ask)  # warm the caches (and build the index)
    started = time.perf_counter()
    while len(samples) < min_rounds or time.perf_counter() - started < budget_s:
        t = time.perf_counter()
        found = coverage.matrices(store, list(regions), **ask)
        samples.append((time.perf_counter() - t) * 1000)
    cells = sum(len(m.cells) for m in found)
    return {"regions": len(regions), "cells": cells, **summarise(samples)}


def run(store: Store, budget_s: float, min_rounds: int) -> dict:
    """Milliseconds for one region's matrix and for the ten regions' matrices, in-process,
    through the index and through SPARQL."""
    return {"one_region": _timed(store, ONE, budget_s / 2, min_rounds, True),
            "ten_regions": _timed(store, SIRA, budget_s / 2, min_rounds, True),
            "sparql": {"one_region": _timed(store, ONE, budget_s / 2, min_rounds, False),
                       "ten_regions": _timed(store, SIRA, budget_s / 2, min_rounds, False)}}
