"""Summaries of latency samples: median and spread, the way the results tables show them."""

from __future__ import annotations

import math


def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted list (no interpolation, so p99 of a small
    sample is honestly its slowest run rather than a made-up value between two runs)."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summarise(samples_ms: list[float]) -> dict[str, float] | None:
    if not samples_ms:
        return None
    ordered = sorted(samples_ms)
    return {
        "n": len(ordered),
        "p50": round(percentile(ordered, 0.50), 2),
        "p90": round(percentile(ordered, 0.90), 2),
        "p99": round(percentile(ordered, 0.99), 2),
        "min": round(ordered[0], 2),
        "max": round(ordered[-1], 2),
    }


def by_kind(samples: dict[str, list[float]]) -> dict:
    """One summary per kind of search, and one over all of them (key ``all``)."""
    out = {kind: summarise(values) for kind, values in samples.items()}
    out["all"] = summarise([v for values in samples.values() for v in values])
    return out
