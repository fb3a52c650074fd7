"""``python -m bench``: generate, load, search, write and report, at each scale, in one run.

At each scale the same graph is searched on the embedded store (in-process and through
``passerelle serve``) and on an Oxigraph server (``bench/oxigraph_server.py``), and validated
single-service writes are timed (``bench/writes.py``).

A full run (about 10k, 100k and 1M triples) writes ``bench/results.json``, ``bench/results.md``
and the README's ``## Benchmark`` section; ``--quick`` is a smoke run at 10k with short budgets
that writes only under ``bench/results/`` (git-ignored), where all working files live.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from bench import coverage, generate, measure, oxigraph_server, rdflib_floor, report, writes
from bench.stats import by_kind, summarise
from bench.workload import MIX
from bench.write_latency import first_provider

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "results"
SCALES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def parse_scales(text: str) -> dict[str, int]:
    scales = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if part in SCALES:
            scales[part] = SCALES[part]
        else:
            number = int(part.lower().replace("m", "000000").replace("k", "000"))
            scales[part] = number
    return dict(sorted(scales.items(), key=lambda item: item[1]))


def mean(samples: dict[str, list[float]]) -> float:
    values = [v for vs in samples.values() for v in vs]
    return sum(values) / len(values)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def serve_embedded(label: str, store_dir: Path, provider: str, args) -> dict:
    """``passerelle serve`` on the embedded store: searches, concurrency, then writes (last, so
    every search sees the same data as the other backends)."""
    server = measure.Server(store_dir, WORK / f"server-{label}.log", env=writes.ENV)
    try:
        http = measure.http_search(server.url, list(MIX), args.budget, args.min_rounds,
                                   fresh=True)
        http_kept = measure.http_search(server.url, list(MIX), args.budget, args.min_rounds)
        say(f"{label}: HTTP searches done")
        load = measure.concurrent(server.url, list(MIX), args.clients, args.seconds, fresh=True)
        load_kept = measure.concurrent(server.url, list(MIX), args.clients, args.seconds)
        say(f"{label}: {load['per_s']} searches/s computed, {load_kept['per_s']} kept, with "
            f"{args.clients} clients")
        totals = oxigraph_server.api_totals(server.url, list(MIX))
        peak = server.peak_mb
        posted = writes.http_writes(server.url, provider, args.writes)
        say(f"{label}: POST /api/services p50 {posted['p50']} ms")
        return {"http": http, "http_kept": http_kept, "load": load, "load_kept": load_kept,
                "totals": totals, "peak_mb": peak, "posted": posted,
                "peak_after_writes_mb": server.peak_mb}
    finally:
        server.stop()


def run_scale(label: str, target: int, args, rdflib_allowed: bool) -> dict:
    measure.reset_peak()
    nq = WORK / f"synthetic-{label}.nq"
    summary = generate.write(nq, target, args.seed)
    say(f"{label}: generated {summary.triples:,} triples ({summary.services:,} services)")
    store_dir = WORK / f"store-{label}"
    store, unvalidated = measure.load_unvalidated(nq, store_dir)
    say(f"{label}: loaded in {unvalidated['seconds']} s")
    bulk = measure.load_bulk_floor(nq, WORK / f"bulk-{label}")
    validated = None
    if target <= args.validate_up_to:
        validated = measure.load_validated(nq, WORK / f"validated-{label}")
        say(f"{label}: validated load in {validated['seconds']} s")
    # The bench's own heap (the loader's, pyshacl's caches) is frozen out of the garbage
    # collector, so in-process figures do not pay for collections a server would not make.
    gc.collect()
    gc.freeze()
    raw = measure.raw_search(store, list(MIX), args.budget, args.min_rounds)
    handler, stages = measure.handler_search(store, list(MIX), args.budget, args.min_rounds)
    kept = measure.kept_search(store, list(MIX), args.budget, args.min_rounds)
    measure.profile(store, list(MIX), WORK / f"profile-{label}.txt")
    matrices = coverage.run(store, args.budget / 2, args.min_rounds)
    gc.unfreeze()
    say(f"{label}: in-process searches done; coverage of one region p50 "
        f"{matrices['one_region']['p50']} ms, of ten {matrices['ten_regions']['p50']} ms")
    texts = measure.raw_queries(store, MIX)
    rows = [sum(1 for _ in store.query(texts[item])) for item in MIX]
    provider = first_provider(store)
    dump, quads = WORK / f"dump-{label}.nt", WORK / f"dump-{label}.nq"
    if rdflib_allowed:
        ox.serialize((q.triple for q in store.quads()), output=str(dump),
                     format=ox.RdfFormat.N_TRIPLES)
    oxigraph_server.dump_all(store, quads)
    del store
    gc.collect()
    disk_after_load = measure.disk_mb(store_dir)  # the write-ahead log still holds the load

    served = serve_embedded(label, store_dir, provider, args)
    disk = measure.disk_mb(store_dir)  # reopened once by the server: the log is compacted
    in_process = writes.in_process_writes(store_dir, provider, args.writes)
    say(f"{label}: in-process write p50 {in_process['own_graph']['p50']} ms")

    backend = oxigraph_server.run(label, quads, texts, {"rows": rows, "totals": served["totals"]},
                                  args, WORK)
    say(f"{label}: Oxigraph-server backend done")

    if rdflib_allowed:
        floor = rdflib_floor.run(dump, [(item.kind, texts[item]) for item in MIX],
                                 args.rdflib_cap, WORK)
        floor["search"] = by_kind(floor.pop("samples")) if floor["searches_done"] else {}
        say(f"{label}: rdflib {'done' if floor['complete'] else 'cut off'}")
    else:
        floor = {"skipped": f"skipped (a smaller scale passed the {args.rdflib_cap:.0f} s cap)"}
    if not args.keep:
        shutil.rmtree(store_dir, ignore_errors=True)
        dump.unlink(missing_ok=True)
        quads.unlink(missing_ok=True)
    load, http = served["load"], served["http"]
    for entry in (load, served["load_kept"]):
        entry["latency"] = summarise(entry.pop("latencies"))
    return {
        "graph": {"target": target, "triples": summary.triples, "services": summary.services,
                  "organisations": summary.organisations,
                  "municipalities": summary.municipalities,
                  "eligibility": dict(summary.eligibility), "disk_mb": disk,
                  "disk_after_load_mb": disk_after_load},
        "load": {"unvalidated": unvalidated, "bulk": bulk, "validated": validated},
        "search": {"raw": by_kind(raw), "handler": by_kind(handler), "http": by_kind(http),
                   "handler_kept": by_kind(kept), "http_kept": by_kind(served["http_kept"]),
                   "stages": stages,
                   "http_overhead_ms": round(mean(http) - mean(handler), 2)},
        "coverage": matrices,
        "oxigraph_server": backend,
        "writes": {"n": args.writes, "http": served["posted"], "in_process": in_process,
                   "server_peak_mb": served["peak_after_writes_mb"]},
        "rdflib": floor,
        "throughput": load,
        "throughput_kept": served["load_kept"],
        "memory": {"server_peak_mb": served["peak_mb"], "bench_peak_mb": measure.peak_mb()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scales", help="comma-separated sizes: 10k,100k,1M (or any 250k)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 10k, short budgets")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--budget", type=float, help="seconds of search rounds per mode")
    parser.add_argument("--min-rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, help="length of the concurrent run")
    parser.add_argument("--rdflib-cap", type=float, default=60.0)
    parser.add_argument("--validate-up-to", type=int, default=20_000,
                        help="validated loads only at scales up to this many triples")
    parser.add_argument("--writes", type=int,
                        help="validated single-service writes timed each way, at each scale")
    parser.add_argument("--keep", action="store_true", help="keep stores and dumps")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite results.md and the README from results.json")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads((BENCH / "results.json").read_text())
        body = report.write(results, BENCH / "results.json", BENCH / "results.md")
        report.update_readme(BENCH.parent / "README.md", body)
        print(body)
        return 0
    scales = parse_scales(args.scales or ("10k" if args.quick else "10k,100k,1M"))
    args.budget = args.budget or (2.0 if args.quick else 12.0)
    args.seconds = args.seconds or (3.0 if args.quick else 10.0)
    args.min_rounds = 2 if args.quick else args.min_rounds
    args.writes = args.writes or (10 if args.quick else 30)
    WORK.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    results = {"machine": report.machine(), "seed": args.seed, "quick": args.quick,
               "settings": {"budget_s": args.budget, "min_rounds": args.min_rounds,
                            "clients": args.clients, "concurrent_s": args.seconds,
                            "rdflib_cap_s": args.rdflib_cap, "writes": args.writes,
                            "validate_up_to": args.validate_up_to},
               "scales": {}}
    rdflib_allowed = True
    for label, target in scales.items():
        results["scales"][label] = result = run_scale(label, target, args, rdflib_allowed)
        floor = result["rdflib"]
        if not floor.get("complete") or (floor["load_s"] or 0) * 10 > args.rdflib_cap:
            rdflib_allowed = False  # the next scale is ten times bigger
    results["targets"] = report.targets(results["scales"])
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_average_at_end"] = round(os.getloadavg()[0], 2)
    if args.quick:
        body = report.write(results, WORK / "quick.json", WORK / "quick.md")
    else:
        body = report.write(results, BENCH / "results.json", BENCH / "results.md")
        report.update_readme(BENCH.parent / "README.md", body)
    print(body)
    say(f"done in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
