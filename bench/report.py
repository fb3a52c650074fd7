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

def _backend_table(scales: dict) -> list[str]:
    """Per kind of search: the embedded store against the Oxigraph server, over HTTP and floor."""
    if not any(s.get("oxigraph_server") for s in scales.values()):
        return []
    out = ["", "### Search by backend (ms, p50 / p99)", "",
           "| kind | scale | HTTP, embedded | HTTP, Oxigraph server | ratio | handler, embedded "
           "| ratio | floor, embedded | floor, Oxigraph server (HTTP) | ratio |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for kind in KINDS:
        for label, scale in scales.items():
            if not scale.get("oxigraph_server"):
                continue
            ours, theirs = scale["search"], scale["oxigraph_server"]["search"]
            http, floor = theirs["http"].get(kind), theirs["floor"].get(kind)
            out.append(f"| {kind} | {label} | {cells.ms(ours['http'].get(kind))} | "
                       f"{cells.ms(http)} | {cells.ratio(http, ours['http'].get(kind))} | "
                       f"{cells.ms(ours['handler'].get(kind))} | "
                       f"{cells.ratio(http, ours['handler'].get(kind))} | "
                       f"{cells.ms(ours['raw'].get(kind))} | {cells.ms(floor)} | "
                       f"{cells.ratio(floor, ours['raw'].get(kind))} |")
    return out


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
        "rounds of a mix of ten searches (five kinds, equal weight). The embedded store keeps "
        "each answer until the next write (`graph/read/search.py`), so searches are timed two "
        "ways: "
        "*computed*, the first time a search is asked (in-process through a store that keeps "
        "nothing; over HTTP with a language tag no request used before, `en-x-c<n>`, whose "
        "labels fall back to English, so the answer is the same), and *kept*, the same search "
        "asked again while the data is unchanged. Real use lies between the two, depending on "
        "how often caseworkers repeat a search between writes.",
        "*Oxigraph server* is the same store, every graph (vocabularies and derived closure "
        "included) bulk-loaded by `oxigraph load` into `oxigraph serve --union-default-graph` on "
        "loopback: the mix goes through `passerelle serve --endpoint` over HTTP, and its search "
        "SPARQL straight to the server over HTTP (that backend's floor, rows read from SPARQL "
        "JSON results); both backends' answers are compared. A remote engine's answers are never "
        "kept (other API processes may write to it), so the like-for-like comparison is with "
        "the embedded store's computed figures. *Writes* are validated "
        "single-service writes, one at a time after three unrecorded: `POST /api/services` "
        "(token, JSON mapping, SHACL check of the nodes the write touches, its own graph and "
        "audit record in one transaction) on the embedded store's server, and in-process "
        "`loader.write` of one service in Turtle (SHACL check of what it touches, then the "
        "write). The *validated load* is `passerelle load` with its gate: the whole file parsed, "
        "every node it adds checked by pyshacl against all shapes, with the vocabularies and "
        "the stored nodes it references as context, before one atomic write; it runs only up to "
        f"{cells.number(results['settings'].get('validate_up_to', 20_000))} triples.",
    ]
    out = [textwrap.fill(text, 100, break_on_hyphens=False) + "\n"
           for text in prose]
    out += ["| | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]

    def row(name: str, cell) -> None:
        out.append(f"| {name} | " + " | ".join(cell(scales[s]) for s in labels) + " |")

    row("triples generated", lambda s: cells.number(s["graph"]["triples"]))
    row("services / organisations", lambda s: f"{cells.number(s['graph']['services'])} / "
        f"{cells.number(s['graph']['organisations'])}")
    row("quads in the store (with vocabularies and derived closure)",
        lambda s: cells.number(s["load"]["unvalidated"]["store_quads"]))
    row("store on disk, right after the load / once reopened",
        lambda s: f"{cells.mib(s['graph']['disk_after_load_mb'])} / "
        f"{cells.mib(s['graph']['disk_mb'])}")
    row("load, `passerelle load --no-validate`", lambda s: cells.load(s["load"]["unvalidated"]))
    row("load, Oxigraph `bulk_load` alone", lambda s: cells.load(s["load"]["bulk"]))
    row("load with SHACL validation (whole file, all shapes, then one write)",
        lambda s: cells.load(s["load"]["validated"]))
    row("load into the Oxigraph server, `oxigraph load` (all graphs)", cells.oxigraph_load)
    row("search, HTTP, computed (first time)", lambda s: cells.ms(s["search"]["http"]["all"]))
    row("search, HTTP, kept answer (same search again)", lambda s: cells.kept(s, "http"))
    row("search, handler in-process, computed", lambda s: cells.ms(s["search"]["handler"]["all"]))
    row("search, handler in-process, kept answer", lambda s: cells.kept(s, "handler"))
    row("search, SPARQL floor (embedded store)", lambda s: cells.ms(s["search"]["raw"]["all"]))
    row("HTTP computed / floor (p50)", lambda s: cells.ratio(s["search"]["http"]["all"],
                                                    s["search"]["raw"]["all"]))
    row("search, HTTP, Oxigraph-server backend (`passerelle serve --endpoint`)",
        lambda s: cells.oxigraph(s, lambda o: cells.ms(o["search"]["http"]["all"])))
    row("search, SPARQL over HTTP straight to the Oxigraph server (its floor)",
        lambda s: cells.oxigraph(s, lambda o: cells.ms(o["search"]["floor"]["all"])))
    row("Oxigraph server / embedded store, p50: HTTP / HTTP, HTTP / handler, floor / floor",
        cells.backend_ratios)
    row("Oxigraph server answers as the embedded store (search rows, API totals)",
        cells.same_answers)
    row("same SPARQL on an rdflib Graph", lambda s: cells.rdflib(s["rdflib"]))
    row("searches/s, concurrent clients, computed", lambda s: cells.throughput(s["throughput"]))
    row("latency under that load", lambda s: cells.ms(s["throughput"]["latency"]))
    row("searches/s, concurrent clients, kept answers",
        lambda s: cells.throughput(s.get("throughput_kept")))
    row("latency under that load, kept answers",
        lambda s: cells.ms((s.get("throughput_kept") or {}).get("latency")))
    row("write one service, `POST /api/services` over HTTP (validated)",
        lambda s: cells.write(s, "http"))
    row("write one service in-process, `loader.write` (validated): to a shared graph",
        lambda s: cells.write(s, "in_process", "shared_graph"))
    row("write one service in-process, `loader.write` (validated): replacing its own graph",
        lambda s: cells.write(s, "in_process", "own_graph"))
    row("server peak memory (VmHWM)", lambda s: cells.mib(s["memory"]["server_peak_mb"]))
    row("server peak memory after the writes",
        lambda s: cells.mib(s.get("writes", {}).get("server_peak_mb")))
    row("Oxigraph server / its `passerelle serve --endpoint` peak memory",
        lambda s: cells.oxigraph(s, lambda o: f"{cells.mib(o['memory']['oxigraph_peak_mb'])} / "
                                 f"{cells.mib(o['memory']['api_peak_mb'])}"))
    row("bench peak memory (VmHWM)", lambda s: cells.mib(s["memory"]["bench_peak_mb"]))

    out += ["", "### Search latency by kind (ms, p50 / p99)", "",
            "| kind | scale | floor | handler, computed | HTTP, computed | HTTP computed / floor "
            "| HTTP, kept | rdflib |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for kind in KINDS:
        for label in labels:
            s = scales[label]["search"]
            out.append(f"| {kind} | {label} | {cells.ms(s['raw'].get(kind))} | "
                       f"{cells.ms(s['handler'].get(kind))} | {cells.ms(s['http'].get(kind))} | "
                       f"{cells.ratio(s['http'].get(kind), s['raw'].get(kind))} | "
                       f"{cells.kept(scales[label], 'http', kind)} | "
                       f"{cells.rdflib(scales[label]['rdflib'], kind)} |")

    out += _backend_table(scales)
    stages = sorted({k for s in scales.values() for k in s["search"]["stages"]})
    out += ["", "### Where a computed search spends its time (handler in-process, mean ms)", "",
            "| stage | " + " | ".join(labels) + " |", "| --- |" + " --- |" * len(labels)]
    for stage in stages:
        row(stage, lambda s, stage=stage: cells.number(s["search"]["stages"].get(stage), "", 2))
    row("HTTP, routing and JSON (HTTP mean - handler mean, both computed)",
        lambda s: cells.number(s["search"]["http_overhead_ms"], "", 2))

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
        {"what": f"search p50 <= 10 ms at {label}, over HTTP, computed",
         "measured": f"{http['p50']} ms", "met": http["p50"] <= 10},
        *_kept_targets(label, s),
        {"what": f"search p50 <= 10 ms at {label}, SPARQL on the embedded store",
         "measured": f"{raw['p50']} ms", "met": raw["p50"] <= 10},
        {"what": f"API within 2x of the raw store at {label} (p50, computed)",
         "measured": f"{ratio:.2f}x", "met": ratio <= 2},
        {"what": f">= 500 searches/s at {label}, computed", "measured": f"{per_s:,.0f}/s",
         "met": per_s >= 500},
    ] + _write_target(label, s) + _coverage_targets(label, s)


def _kept_targets(label: str, scale: dict) -> list[dict]:
    """The latency and throughput targets for kept answers, when the run measured them."""
    http, load = scale["search"].get("http_kept"), scale.get("throughput_kept")
    if not http or not load:
        return []
    return [{"what": f"search p50 <= 10 ms at {label}, over HTTP, kept answer",
             "measured": f"{http['all']['p50']} ms", "met": http["all"]["p50"] <= 10},
            {"what": f">= 500 searches/s at {label}, kept answers",
             "measured": f"{load['per_s']:,.0f}/s", "met": load["per_s"] >= 500}]


def _write_target(label: str, scale: dict) -> list[dict]:
    posted = scale.get("writes", {}).get("http")
    if not posted:
        return []
    return [{"what": f"validated single-service write p50 <= 50 ms at {label}, "
             "`POST /api/services` over HTTP", "measured": f"{posted['p50']} ms",
             "met": posted["p50"] <= 50}]


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


README_INTRO = ("`make bench` generates synthetic graphs of about 10k, 100k and 1M triples, loads "
                "each into an embedded store and measures loading, the caseworker search "
                "(in-process and over HTTP against `passerelle serve`, on the embedded store and "
                "on an Oxigraph server), concurrent searches, validated single-service writes "
                "and memory; it writes `bench/results.json` and `bench/results.md`. "
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
