"""Writing the results: ``results.json``, ``results.md`` (under ``build/bench/``) and the
README's section.

The Markdown is generated from the JSON alone, so the tables always show the run that wrote it
and the machine it ran on.
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

from bench import cells
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

PATHS = (("index", "this version, computed"), ("kept", "this version, kept"),
         ("sparql", "SPARQL only (`--no-index`)"), ("naive", "naive property path"),
         ("oxigraph", "Oxigraph server"), ("rdflib", "rdflib, naive query"))
BASELINES = ("sparql", "naive", "oxigraph", "rdflib")
"""The paths set beside this version's computed searches, each with its ratio."""


def _search(scale: dict, path: str, kind: str = "all") -> str:
    return cells.search(scale["search"].get(path), kind)


def _summary_rows() -> list[tuple[str, object]]:
    """The rows of the summary table: a name and a cell of one size's results."""
    rows = [
        ("triples generated / services", lambda s: f"{cells.number(s['graph']['triples'])} / "
         f"{cells.number(s['graph']['services'])}"),
        ("quads in the store (with vocabularies and derived closure)",
         lambda s: cells.number(s["load"]["unvalidated"]["store_quads"])),
        ("load, `passerelle load --no-validate`", lambda s: cells.load(s["load"]["unvalidated"])),
        ("load, Oxigraph `bulk_load` alone", lambda s: cells.load(s["load"]["bulk"])),
        ("validated load, `passerelle load`", lambda s: cells.load(s["load"]["validated"])),
        ("validated load rate / `bulk_load` rate, same file",
         lambda s: cells.validated_ratio(s["load"]["validated"])),
        ("validated load peak memory",
         lambda s: cells.mib((s["load"]["validated"] or {}).get("peak_mib"))),
        ("search index build in-process / server start with it",
         lambda s: f"{s['index']['build_s']:,.2f} s / {s['index']['server_start_s']:,.1f} s"),
    ]
    for path, name in PATHS:
        rows.append((f"search, {name} (all kinds)",
                     lambda s, path=path: _search(s, path)))
    for path in BASELINES:
        name = dict(PATHS)[path]
        rows.append((f"{name} / this version, p50",
                     lambda s, path=path: cells.ratio(s["search"].get(path),
                                                      s["search"]["index"])))
    rows += [
        ("throughput, this version, computed",
         lambda s: cells.throughput(s["throughput"]["index"])),
        ("throughput, this version, kept", lambda s: cells.throughput(s["throughput"]["kept"])),
        ("throughput, SPARQL only, computed",
         lambda s: cells.throughput(s["throughput"]["sparql"])),
        ("write one service, `POST /api/services` (validated, index updated)",
         lambda s: cells.write(s, "http")),
        ("write one service in-process, `loader.write`: to a shared graph",
         lambda s: cells.write(s, "in_process", "shared_graph")),
        ("write one service in-process, `loader.write`: replacing its own graph",
         lambda s: cells.write(s, "in_process", "own_graph")),
        ("server memory, this version: peak / resident after searches",
         lambda s: f"{cells.mib(s['memory']['server']['peak_mb'])} / "
         f"{cells.mib(s['memory']['server']['rss_mb'])}"),
        ("server memory, this version, after the writes: peak / resident",
         lambda s: f"{cells.mib(s['memory']['server']['peak_after_writes_mb'])} / "
         f"{cells.mib(s['memory']['server']['rss_after_writes_mb'])}"),
        ("server memory, SPARQL only: peak / resident",
         lambda s: f"{cells.mib(s['memory']['sparql_only_server']['peak_mb'])} / "
         f"{cells.mib(s['memory']['sparql_only_server']['rss_mb'])}"),
        ("Oxigraph server / its `passerelle serve --endpoint`: peak memory",
         lambda s: f"{cells.mib(s['memory']['oxigraph_server']['oxigraph_peak_mb'])} / "
         f"{cells.mib(s['memory']['oxigraph_server']['api_peak_mb'])}"),
        ("load into the Oxigraph server, `oxigraph load`",
         lambda s: f"{s['oxigraph_server']['load']['seconds']:,.1f} s"),
        ("rdflib: load of the N-Triples dump",
         lambda s: _rdflib_load(s["rdflib"])),
        ("same totals: index and SPARQL paths in-process / over HTTP",
         lambda s: f"{cells.yes(s['answers']['index_and_sparql_in_process'])} / "
         f"{cells.yes(s['answers']['http_index_and_sparql_only'])}"),
        ("same totals: Oxigraph server / naive query (faceted searches)",
         lambda s: f"{cells.yes(s['answers']['oxigraph_server'])} / "
         f"{cells.yes(s['answers']['naive_faceted'])}"),
        ("coverage matrix of one region / of ten regions, in-process, p50",
         lambda s: f"{cells.fmt_ms(s['coverage']['one_region']['p50'])} ms / "
         f"{cells.fmt_ms(s['coverage']['ten_regions']['p50'])} ms"),
        ("bench peak memory (VmHWM)", lambda s: cells.mib(s["memory"]["bench_peak_mb"])),
    ]
    return rows


def _rdflib_load(entry: dict) -> str:
    if entry.get("skipped"):
        return entry["skipped"]
    if entry.get("load_s") is None:
        return f"cut off at {entry['cap_s']:,.0f} s (still loading)"
    done = "" if entry["complete"] else f"; searches cut off at {entry['cap_s']:,.0f} s"
    return f"{entry['load_s']:,.1f} s, peak {cells.mib(entry.get('peak_mb'))}{done}"


SUMMARY_ROWS = tuple(name for name, _ in _summary_rows())
"""Every row the summary table has, in order (the smoke test checks them all)."""


def _prose(results: dict) -> list[str]:
    m = results["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    settings = results["settings"]
    return [
        f"Measured {m['date']} by `make bench` (`python -m bench`, seed {results['seed']}) on "
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, {m['os']}; Python "
        f"{m['python']}, {versions}; {results.get('seconds', 0):,.0f} s in all. Load average "
        f"(1 min) {m['load_average_at_start']} at the start and "
        f"{results['load_average_at_end']} at the end: other work shares the cores, so compare "
        "ratios within one run rather than absolute figures across runs.",
        "The graph is synthetic (`bench/generate.py`): organisations and services over the real "
        "NUTS regions plus synthetic municipalities, with the seed graph's shares of eligibility "
        "states. The search mix (`bench/workload.py`) has four kinds, each timed apart for "
        f"{settings.get('budget_s')} s per path: *faceted* (need, status, region, language, open "
        "to all), *facets* (the same with `facets=true`), *words* (`q=` in English, French and "
        "Spanish) and *proximity* (`near=` a point or a municipality, `within_km=`). *This "
        "version* is `GET /api/services` on `passerelle serve` with its search index, one "
        "request at a time: *computed* is a search whose answer the server computes (asked "
        "with `Cache-Control: no-cache`, so no answer kept from an identical search is given), "
        "*kept* the same "
        "search asked again while the data is unchanged. *SPARQL only* is the same server "
        "started with `--no-index`. The *naive property path* is the search as one SPARQL query "
        "walking `skos:broader*` (`bench/queries/naive-search.rq`), run in-process on the same "
        "engine; it has no form for proximity or facet counts, and reads words as substrings. "
        "*Oxigraph server* is the same graph in `oxigraph serve` behind `passerelle serve "
        "--endpoint`; *rdflib* runs the naive query on an rdflib `Graph` in a child process, "
        f"cut off after {settings.get('rdflib_cap_s')} s. A kind whose first search takes "
        f"longer than {settings.get('cap_s')} s on a path is cut off there. Latencies are p50 / "
        "p99 in ms; a ratio is the baseline's p50 over this version's computed p50 (for all "
        "kinds, the geometric mean of the kinds both measured). Throughput is "
        f"{settings.get('clients')} clients for {settings.get('concurrent_s')} s over the "
        "faceted, word and proximity searches. The *validated load* is `passerelle load` with "
        "its gate in a child process (cut off after "
        f"{settings.get('validate_cap_s')} s), beside Oxigraph's `bulk_load` of the same file "
        "into a copy of the same store. *Writes* are validated single-service writes, one at a "
        "time after three unrecorded.",
    ]


def markdown(results: dict) -> str:
    """The body shared by ``results.md`` and the README (no top-level title)."""
    scales = results["scales"]
    labels = list(scales)
    out = [textwrap.fill(text, 100, break_on_hyphens=False) + "\n" for text in _prose(results)]
    out += ["| | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]
    for name, cell in _summary_rows():
        out.append(f"| {name} | " + " | ".join(cell(scales[s]) for s in labels) + " |")

    head = ["size", "kind"]
    for path, name in PATHS:
        head.append(name)
        if path in BASELINES:
            head.append("ratio")
    out += ["", "### Search by kind and path (ms, p50 / p99; ratio: baseline p50 / this "
            "version's)", "", "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for label in labels:
        found = scales[label]["search"]
        for kind in (*KINDS, "all"):
            row = [label, kind]
            for path, _ in PATHS:
                row.append(cells.search(found.get(path), kind))
                if path in BASELINES:
                    row.append(cells.ratio(found.get(path), found["index"], kind))
            out.append("| " + " | ".join(row) + " |")

    out += ["", "### Targets (issues 11 and 16, at the largest size measured)", "",
            "| target | measured | met |", "| --- | --- | --- |"]
    for target in results["targets"]:
        out.append(f"| {target['what']} | {target['measured']} | "
                   f"{'yes' if target['met'] else 'no'} |")
    return "\n".join(out) + "\n"


def _p50(path: dict | None, kind: str) -> float | None:
    stats = (path or {}).get(kind)
    return stats["p50"] if isinstance(stats, dict) and "p50" in stats else None


def targets(scales: dict) -> list[dict]:
    """The issues' targets (2-core machine), checked at the largest size measured; a target
    whose figure the run lacks is left out."""
    label = list(scales)[-1]
    s = scales[label]
    found = s["search"]
    index = found["index"]
    out = []

    def add(what: str, value, limit, unit: str = "ms", at_least: bool = False) -> None:
        if value is None:
            return
        met = value >= limit if at_least else value <= limit
        shown = (f"{value:,.1f}x" if not unit else f"{value:,.0f}{unit}" if unit in ("/s", "%")
                 else f"{value:,.0f} {unit}" if unit == "MiB" else f"{value:,.2f} {unit}")
        out.append({"what": f"{what} at {label}", "measured": shown, "met": met})

    add("faceted search p50 <= 10 ms, HTTP, computed", _p50(index, "faceted"), 10)
    faceted = (index.get("faceted") or {}).get("p99")
    add("faceted search p99 <= 40 ms, HTTP, computed", faceted, 40)
    add("search with facet counts p50 <= 25 ms, HTTP, computed", _p50(index, "facets"), 25)
    add("word search p50 <= 20 ms, HTTP, computed", _p50(index, "words"), 20)
    naive, ours = _p50(found.get("naive"), "faceted"), _p50(index, "faceted")
    add(">= 20x faster than the naive property-path query (faceted, p50)",
        naive / ours if naive and ours else None, 20, unit="", at_least=True)
    throughput = s["throughput"]
    add(">= 200 computed searches/s with 8 clients", throughput["index"]["per_s"], 200,
        unit="/s", at_least=True)
    add(">= 1,000 kept searches/s with 8 clients", throughput["kept"]["per_s"], 1000,
        unit="/s", at_least=True)
    validated = s["load"]["validated"] or {}
    if validated.get("cut_off"):
        out.append({"what": f"validated load >= 50% of `bulk_load`'s rate at {label}",
                    "measured": f"cut off after {validated['seconds']:,.0f} s", "met": False})
    elif validated.get("bulk_load_triples_per_s"):
        share = 100 * validated["triples_per_s"] / validated["bulk_load_triples_per_s"]
        add("validated load >= 50% of `bulk_load`'s rate", share, 50, unit="%", at_least=True)
        add("validated load memory <= 4 GiB", validated["peak_mib"], 4096, unit="MiB")
    posted = s["writes"].get("http")
    add("validated single-service write p50 <= 50 ms, `POST /api/services`",
        posted["p50"] if posted else None, 50)
    add("server memory <= 600 MiB (peak)", s["memory"]["server"]["peak_mb"], 600, unit="MiB")
    return out + _coverage_targets(label, s)


def _coverage_targets(label: str, scale: dict) -> list[dict]:
    """The coverage matrix targets (issue 15), when the run measured them."""
    found = scale.get("coverage")
    if not found:
        return []
    one, ten = found["one_region"], found["ten_regions"]
    return [{"what": f"coverage matrix of one region ({one['cells']} cells) p50 <= 50 ms at "
                     f"{label}, in-process", "measured": f"{one['p50']} ms",
             "met": one["p50"] <= 50},
            {"what": f"coverage matrices of the ten SIRA regions p50 <= 500 ms at {label}, "
                     "in-process", "measured": f"{ten['p50']} ms", "met": ten["p50"] <= 500}]


def write(results: dict, json_path: Path, md_path: Path) -> str:
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    body = markdown(results)
    md_path.write_text("# Benchmark results\n\n" + body)
    return body


README_INTRO = ("`make bench` generates synthetic graphs of about 10k, 100k and 1M triples and "
                "measures, side by side in one run, this version's search (with its index), the "
                "SPARQL-only path, a naive property-path query, the Oxigraph server backend and "
                "rdflib, plus throughput, the validated load against `bulk_load`, writes and "
                "server memory; it writes `build/bench/results.json` and `results.md` and prints "
                "the tables. `make bench BENCH_SIZES=10k,100k` measures fewer sizes; "
                "`make bench-quick` is a short run at 10k.")


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
