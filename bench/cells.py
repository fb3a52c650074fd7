"""The cells of the results tables: numbers, latencies, loads, ratios, as text.

Every cell takes what ``results.json`` holds and returns "-" or "not run" for what a run did not
measure, so a partial run still renders.
"""

from __future__ import annotations

import math


def number(value, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "-"
    text = f"{value:,.{digits}f}" if isinstance(value, float) or digits else f"{value:,}"
    return f"{text}{unit}"


def ms(stats: dict | None) -> str:
    if not stats:
        return "-"
    return f"{fmt_ms(stats['p50'])} / {fmt_ms(stats['p99'])}"


def fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def search(path: dict | None, kind: str = "all") -> str:
    """p50 / p99 of one kind of search on one path, or why there is none: cut off (the first
    call took longer than the cap), not asked (the path has no form of it), or not run."""
    if path is None:
        return "not run"
    if kind in path.get("cut", {}):
        return f"cut off (> {path['cut'][kind]:,.0f} s)"
    stats = path.get(kind)
    return ms(stats) if stats else "-"


def ratio(baseline: dict | None, ours: dict | None, kind: str = "all") -> str:
    """How many times this version's p50 the baseline's p50 is (> 1: this version is faster).
    For ``all``, the geometric mean of the ratios of the kinds both measured."""
    if not baseline or not ours:
        return "-"
    if kind == "all":
        ratios = [baseline[k]["p50"] / ours[k]["p50"] for k in ours
                  if k not in ("all", "cut") and baseline.get(k) and ours.get(k)
                  and isinstance(baseline[k], dict) and ours[k]["p50"]]
        return times(math.prod(ratios) ** (1 / len(ratios))) if ratios else "-"
    a, b = baseline.get(kind), ours.get(kind)
    if not a or not b or not b["p50"]:
        return "-"
    return times(a["p50"] / b["p50"])


def times(value: float) -> str:
    return f"{value:.1f}x" if value >= 1 else f"{value:.2f}x"


def load(entry: dict | None) -> str:
    if not entry:
        return "not run"
    if entry.get("cut_off"):
        return f"cut off after {entry['seconds']:,.0f} s"
    if entry.get("violations"):
        return f"{entry['violations']} violation(s) in {entry['seconds']:,.1f} s"
    return f"{entry['seconds']:,.1f} s ({number(entry['triples_per_s'])} triples/s)"


def validated_ratio(entry: dict | None) -> str:
    """The validated load's rate as a share of ``bulk_load``'s on the same file, same run."""
    if not entry or entry.get("cut_off") or not entry.get("bulk_load_triples_per_s"):
        return "-"
    return (f"{100 * entry['triples_per_s'] / entry['bulk_load_triples_per_s']:.0f}% "
            f"(bulk_load {number(entry['bulk_load_triples_per_s'])} triples/s)")


def throughput(entry: dict | None) -> str:
    if not entry:
        return "-"
    cpu = entry.get("server_cpu_ms")
    server = f"; server CPU {cpu} ms a search" if cpu is not None else ""
    return (f"{entry['per_s']:,.0f}/s ({entry['clients']} clients, {entry['errors']} errors; "
            f"{ms(entry.get('latency'))} ms{server})")


def mib(value) -> str:
    return number(value, " MiB", 0)


def yes(value) -> str:
    return "-" if value is None else "yes" if value else "NO"


def write(scale: dict, *path: str) -> str:
    """Latency of one way of writing (``writes`` > ``path``), or "not run"."""
    entry = scale.get("writes")
    for key in path:
        entry = (entry or {}).get(key)
    return ms(entry) if entry else "not run"
