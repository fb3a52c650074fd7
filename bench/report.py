"""Writing the results: ``bench/results.json``, ``bench/results.md`` and the README's section.

The Markdown is generated from the JSON alone, so the tables always show the last full run and
the machine it ran on.
"""

from __future__ import annotations

import json
import os
import platform
import re
import textwrap
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from bench.workload import KINDS

PACKAGES = ("pyoxigraph", "rdflib", "pyshacl", "fastapi", "uvicorn", "httpx")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kb / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": round(os.getloadavg()[0], 2),
    }


# --- Markdown ------------------------------------------------------------------------------

def _n(value, unit: str = "", digits: int = 0) -> str:
    if value is None:
        return "-"
    text = f"{value:,.{digits}f}" if isinstance(value, float) or digits else f"{value:,}"
    return f"{text}{unit}"


def _ms(stats: dict | None) -> str:
    if not stats:
        return "-"
    return f"{_fmt_ms(stats['p50'])} / {_fmt_ms(stats['p99'])}"


def _fmt_ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _load(entry: dict | None) -> str:
    if not entry:
        return "not run"
    if entry.get("violations"):
        return f"{entry['violations']} violation(s) in {entry['seconds']:,.1f} s"
    return f"{entry['seconds']:,.1f} s ({_n(entry['triples_per_s'])} triples/s)"


def _rdflib(entry: dict | None, kind: str = "all") -> str:
    if not entry or entry.get("skipped"):
        return (entry or {}).get("skipped", "-")
    stats = entry["search"].get(kind)
    if stats:
        return _ms(stats) + ("" if entry["complete"] else " (partial)")
    return f"cut off at {entry['cap_s']:.0f} s" + (
        f" (load {entry['load_s']:.0f} s)" if entry.get("load_s") else " (still loading)")


def _ratio(a: dict | None, b: dict | None) -> str:
    if not a or not b or not b["p50"]:
        return "-"
    return f"{a['p50'] / b['p50']:.2f}x"


def markdown(results: dict) -> str:
    """The body shared by ``bench/results.md`` and the README (no top-level title)."""
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    scales = results["scales"]
    labels = list(scales)
    prose = [
        f"Measured {m['date']} by `make bench` (`python -m bench`, seed {results['seed']}) on "
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}; Python "
        f"{m['python']}, {versions}. Load average (1 min) {m['load_average_at_start']} at the "
        f"start and {results['load_average_at_end']} at the end: other work shares the cores, "
        "so compare ratios within one run rather than absolute figures across runs.",
        "The graph is synthetic (`bench/generate.py`): organisations and services over the real "
        "NUTS regions of `ontology/regions.ttl` plus synthetic municipalities, with the seed "
        "graph's shares of eligibility states. *Floor* is the search SPARQL alone on the embedded "
        "on-disk store, in-process; *handler* is the whole search in-process (resolving codes, "
        "the search, the page's reasons and descriptions); *HTTP* is `GET /api/services` on a "
        "real `passerelle serve`, one request at a time. Latencies are p50 / p99 in ms over "
        "rounds of a mix of ten searches (five kinds, equal weight).",
    ]
    out = [textwrap.fill(prose[0], 100), "", textwrap.fill(prose[1], 100), "",
           "| | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]

    def row(name: str, cell) -> None:
        out.append(f"| {name} | " + " | ".join(cell(scales[s]) for s in labels) + " |")

    row("triples generated", lambda s: _n(s["graph"]["triples"]))
    row("services / organisations", lambda s: f"{_n(s['graph']['services'])} / "
        f"{_n(s['graph']['organisations'])}")
    row("quads in the store (with vocabularies and derived closure)",
        lambda s: _n(s["load"]["unvalidated"]["store_quads"]))
    row("store on disk, right after the load / once reopened",
        lambda s: f"{_n(s['graph']['disk_after_load_mb'], ' MiB', 0)} / "
        f"{_n(s['graph']['disk_mb'], ' MiB', 0)}")
    row("load, `passerelle load --no-validate`", lambda s: _load(s["load"]["unvalidated"]))
    row("load, Oxigraph `bulk_load` alone", lambda s: _load(s["load"]["bulk"]))
    row("load with SHACL validation", lambda s: _load(s["load"]["validated"]))
    row("search, HTTP", lambda s: _ms(s["search"]["http"]["all"]))
    row("search, handler in-process", lambda s: _ms(s["search"]["handler"]["all"]))
    row("search, SPARQL floor (embedded store)", lambda s: _ms(s["search"]["raw"]["all"]))
    row("HTTP / floor (p50)", lambda s: _ratio(s["search"]["http"]["all"],
                                               s["search"]["raw"]["all"]))
    row("same SPARQL on an rdflib Graph", lambda s: _rdflib(s["rdflib"]))
    row("searches/s, concurrent clients",
        lambda s: f"{s['throughput']['per_s']:,.0f} ({s['throughput']['clients']} clients, "
        f"{s['throughput']['errors']} errors)")
    row("latency under that load", lambda s: _ms(s["throughput"]["latency"]))
    row("server peak memory (VmHWM)", lambda s: _n(s["memory"]["server_peak_mb"], " MiB", 0))
    row("bench peak memory (VmHWM)", lambda s: _n(s["memory"]["bench_peak_mb"], " MiB", 0))

    out += ["", "### Search latency by kind (ms, p50 / p99)", "",
            "| kind | scale | floor | handler | HTTP | HTTP / floor | rdflib |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for kind in KINDS:
        for label in labels:
            s = scales[label]["search"]
            out.append(f"| {kind} | {label} | {_ms(s['raw'].get(kind))} | "
                       f"{_ms(s['handler'].get(kind))} | {_ms(s['http'].get(kind))} | "
                       f"{_ratio(s['http'].get(kind), s['raw'].get(kind))} | "
                       f"{_rdflib(scales[label]['rdflib'], kind)} |")

    stages = sorted({k for s in scales.values() for k in s["search"]["stages"]})
    out += ["", "### Where a search spends its time (handler in-process, mean ms per search)", "",
            "| stage | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]
    for stage in stages:
        row(stage, lambda s, stage=stage: _n(s["search"]["stages"].get(stage), "", 2))
    row("HTTP, routing and JSON (HTTP mean - handler mean)",
        lambda s: _n(s["search"]["http_overhead_ms"], "", 2))

    out += ["", "### Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    for target in results["targets"]:
        out.append(f"| {target['what']} | {target['measured']} | "
                   f"{'yes' if target['met'] else 'no'} |")
    return "\n".join(out) + "\n"


def targets(scales: dict) -> list[dict]:
    """The issues' targets (2-core machine), checked at the largest scale measured."""
    label = list(scales)[-1]
    s = scales[label]
    http, raw = s["search"]["http"]["all"], s["search"]["raw"]["all"]
    ratio = http["p50"] / raw["p50"]
    per_s = s["throughput"]["per_s"]
    return [
        {"what": f"search p50 <= 10 ms at {label}, over HTTP", "measured": f"{http['p50']} ms",
         "met": http["p50"] <= 10},
        {"what": f"search p50 <= 10 ms at {label}, SPARQL on the embedded store",
         "measured": f"{raw['p50']} ms", "met": raw["p50"] <= 10},
        {"what": f"API within 2x of the raw store at {label} (p50)",
         "measured": f"{ratio:.2f}x", "met": ratio <= 2},
        {"what": f">= 500 searches/s at {label}", "measured": f"{per_s:,.0f}/s",
         "met": per_s >= 500},
    ]


def write(results: dict, json_path: Path, md_path: Path) -> str:
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    body = markdown(results)
    md_path.write_text("# Benchmark results\n\n" + body)
    return body


README_INTRO = ("`make bench` generates synthetic graphs of about 10k, 100k and 1M triples, loads "
                "each into an embedded store and measures loading, the caseworker search "
                "(in-process and over HTTP against `passerelle serve`), concurrent searches and "
                "memory; it writes `bench/results.json` and `bench/results.md`. "
                "`python -m bench --quick` is a smoke run.")


def update_readme(readme: Path, body: str) -> None:
    """Replace (or add, before the licence) the README's ``## Benchmark`` section."""
    text = readme.read_text()
    section = f"## Benchmark\n{textwrap.fill(README_INTRO, 100)}\n\n{body.rstrip()}\n\n"
    existing = re.search(r"^## Benchmark\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    if existing:
        text = text[:existing.start()] + section + text[existing.end():]
    elif "\n## Licence" in text:
        text = text.replace("\n## Licence", "\n" + section + "## Licence", 1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)
