"""``python -m bench``: generate, load, search, write and report, at each size, in one run.

At each size the same synthetic graph is measured, side by side:

- **this version**: ``passerelle serve`` on the embedded store with its search index, over HTTP,
  each search computed (asked for the first time) and kept (asked again, the data unchanged);
- **SPARQL only**: the same server started with ``--no-index`` (``PASSERELLE_SEARCH_INDEX=false``);
- **naive property path**: the search as one SPARQL query walking ``skos:broader*``
  (``bench/naive.py``), in-process on the same engine, for the kinds it can ask;
- **Oxigraph server**: the same graph in ``oxigraph serve`` behind ``passerelle serve --endpoint``;
- **rdflib**: the naive query on an rdflib ``Graph`` in a child process, cut off after
  ``--rdflib-cap`` seconds (and skipped at larger sizes once it finished no search in time);

plus throughput with concurrent clients (computed and kept), the validated load
(``passerelle load``, cut off after ``--validate-cap`` seconds) beside Oxigraph's ``bulk_load`` of
the same file, validated single-service writes, the coverage matrices, and server memory. The
results go to ``build/bench/results.json`` and ``results.md`` (``--out``), and the table is
printed; a run of the three default sizes also rewrites the README's ``## Benchmark`` section.
``--quick`` is a short run at 10k with small budgets; working files live under
``bench/results/`` (git-ignored, ``--work``).
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

from bench import (
    coverage,
    generate,
    import_scale,
    measure,
    naive,
    oxigraph_server,
    rdflib_floor,
    report,
    writes,
)
from bench.stats import by_kind, summarise
from bench.workload import MIX, THROUGHPUT_KINDS
from bench.write_latency import first_provider
from passerelle.graph.read import search_index
from passerelle.graph.read.search import compute

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "results"
OUT = BENCH.parent / "build" / "bench"
SCALES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
DEFAULT_SCALES = "10k,100k,1M"


def parse_scales(text: str) -> dict[str, int]:
    scales = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        if part in SCALES:
            scales[part] = SCALES[part]
        else:
            number = int(part.lower().replace("m", "000000").replace("k", "000"))
            scales[part] = number
    return dict(sorted(scales.items(), key=lambda item: item[1]))


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def rss_mb() -> float | None:
    """This process's resident memory now, in MiB."""
    kb = measure._status_kb("self", "VmRSS")
    return round(kb / 1024, 1) if kb is not None else None


def in_process(store, label: str, args) -> dict:
    """On the loaded store, in this process: the index build, both paths' totals, the naive
    query, the coverage matrices and a profile of the mix."""
    gc.collect()
    before = rss_mb()
    started = time.perf_counter()
    search_index.current(store)
    build_s = round(time.perf_counter() - started, 2)
    gc.collect()
    index = {"build_s": build_s, "rss_mb": round((rss_mb() or 0) - (before or 0), 1)}
    totals = {item.label: {"index": compute(store, item.params(), index=True).total,
                           "sparql": compute(store, item.params(), index=False).total}
              for item in MIX}
    texts = naive.queries(store, list(MIX))
    naive_rows = {item.label: naive.rows(store, text) for item, text in texts.items()}
    # The bench's own heap (the loader's caches) is frozen out of the garbage collector, so
    # in-process figures do not pay for collections a server would not make.
    gc.collect()
    gc.freeze()
    try:
        naive_search = measure.summary(measure.each_kind(
            list(texts), lambda item: naive.rows(store, texts[item]), args.budget,
            args.min_rounds, args.cap))
        matrices = coverage.run(store, args.budget / 2, args.min_rounds)
        measure.profile(store, list(MIX), args.work / f"profile-{label}.txt")
    finally:
        gc.unfreeze()
    say(f"{label}: index built in {build_s} s; naive query and coverage done")
    return {"index": index, "totals": totals, "naive_rows": naive_rows, "naive": naive_search,
            "naive_texts": texts, "coverage": matrices}


def serve_sparql_only(label: str, store_dir: Path, args) -> dict:
    """``passerelle serve --no-index``: every search computed through SPARQL alone."""
    server = measure.Server(store_dir, args.work / f"server-sparql-{label}.log",
                            backend=["--store", str(store_dir), "--no-index"],
                            seconds=args.start_s)
    pages, counts = measure.facets_apart(list(MIX))
    try:
        http = measure.http_search(server.url, pages, args, fresh=True)
        load = measure.concurrent(server.url, throughput_mix(), args.clients, args.seconds,
                                  fresh=True, pid=server.process.pid)
        totals = oxigraph_server.api_totals(server.url, list(MIX))
        memory = {"peak_mb": server.peak_mb, "rss_mb": server.rss_mb}
        http = measure.summary(http, measure.http_search(server.url, counts, args, fresh=True))
        say(f"{label}: SPARQL-only server done, {load['per_s']} searches/s")
        return {"http": http, "load": load, "totals": totals, "memory": memory}
    finally:
        server.stop()


def serve_indexed(label: str, store_dir: Path, provider: str, args) -> dict:
    """``passerelle serve`` with its index: searches, concurrency, writes, then facet counts
    (last: one given up after the cap would keep the server busy)."""
    server = measure.Server(store_dir, args.work / f"server-{label}.log", env=writes.ENV,
                            seconds=args.start_s)
    pages, counts = measure.facets_apart(list(MIX))
    try:
        http = measure.http_search(server.url, pages, args, fresh=True)
        kept = measure.http_search(server.url, pages, args)
        say(f"{label}: HTTP searches done")
        load = measure.concurrent(server.url, throughput_mix(), args.clients, args.seconds,
                                  fresh=True, pid=server.process.pid)
        load_kept = measure.concurrent(server.url, throughput_mix(), args.clients, args.seconds,
                                       pid=server.process.pid)
        say(f"{label}: {load['per_s']} searches/s computed, {load_kept['per_s']} kept, with "
            f"{args.clients} clients")
        totals = oxigraph_server.api_totals(server.url, list(MIX))
        memory = {"peak_mb": server.peak_mb, "rss_mb": server.rss_mb}
        posted = writes.http_writes(server.url, provider, args.writes)
        memory.update(peak_after_writes_mb=server.peak_mb, rss_after_writes_mb=server.rss_mb)
        say(f"{label}: POST /api/services p50 {posted['p50']} ms")
        # The writes emptied the kept answers: facet counts are computed, then kept, afresh.
        fresh_counts = measure.http_search(server.url, counts, args, fresh=True)
        kept_counts = measure.http_search(server.url, counts, args)
        return {"start_s": server.start_s, "http": measure.summary(http, fresh_counts),
                "kept": measure.summary(kept, kept_counts), "load": load,
                "load_kept": load_kept, "totals": totals, "memory": memory, "posted": posted}
    finally:
        server.stop()


def throughput_mix() -> list:
    return [item for item in MIX if item.kind in THROUGHPUT_KINDS]


def validated_load(nq: Path, args) -> dict:
    """``passerelle load`` with its gate, in a child process cut off after ``validate_cap``
    seconds, and Oxigraph's ``bulk_load`` of the same file into a copy of the same store."""
    row = import_scale.run(nq, args.empty_store, "load", timeout=args.validate_cap)
    row["cut_off"] = row["exit"] == -9
    if row["exit"] not in (0, -9):
        raise RuntimeError(f"passerelle load {nq.name} failed: {row['said']}")
    return row


def rdflib_baseline(dump: Path, texts: dict, args) -> dict:
    found = rdflib_floor.run(dump, [(item.kind, text) for item, text in texts.items()],
                             args.rdflib_cap, args.work)
    samples = found.pop("samples")
    kinds = {item.kind for item in texts}
    found["search"] = {**by_kind(samples),
                       "cut": {kind: args.rdflib_cap for kind in kinds if kind not in samples}}
    return found


def run_scale(label: str, target: int, args, rdflib_allowed: bool) -> dict:
    work = args.work
    measure.reset_peak()
    nq = work / f"synthetic-{label}.nq"
    summary = generate.write(nq, target, args.seed)
    say(f"{label}: generated {summary.triples:,} triples ({summary.services:,} services)")
    store_dir = work / f"store-{label}"
    store, unvalidated = measure.load_unvalidated(nq, store_dir)
    bulk = measure.load_bulk_floor(nq, work / f"bulk-{label}")
    say(f"{label}: loaded in {unvalidated['seconds']} s (bulk_load {bulk['seconds']} s)")
    validated = validated_load(nq, args)
    say(f"{label}: validated load {'cut off after' if validated['cut_off'] else 'in'} "
        f"{validated['seconds']} s")
    inside = in_process(store, label, args)
    provider = first_provider(store)
    dump, quads = work / f"dump-{label}.nt", work / f"dump-{label}.nq"
    if rdflib_allowed:
        ox.serialize((q.triple for q in store.quads()), output=str(dump),
                     format=ox.RdfFormat.N_TRIPLES)
    oxigraph_server.dump_all(store, quads)
    del store
    gc.collect()
    disk_after_load = measure.disk_mb(store_dir)  # the write-ahead log still holds the load

    sparql_only = serve_sparql_only(label, store_dir, args)
    served = serve_indexed(label, store_dir, provider, args)
    disk = measure.disk_mb(store_dir)  # reopened by the servers: the log is compacted
    in_process_writes = writes.in_process_writes(store_dir, provider, args.writes)
    say(f"{label}: in-process write p50 {in_process_writes['own_graph']['p50']} ms")

    backend = oxigraph_server.run(label, quads, list(MIX), served["totals"], args, work)
    say(f"{label}: Oxigraph-server backend done")

    if rdflib_allowed:
        floor = rdflib_baseline(dump, inside["naive_texts"], args)
        say(f"{label}: rdflib {'done' if floor['complete'] else 'cut off'}")
    else:
        floor = {"skipped": "skipped: at a smaller size no search finished in time"}
    if not args.keep:
        shutil.rmtree(store_dir, ignore_errors=True)
        for path in (dump, quads, nq):
            path.unlink(missing_ok=True)
    for entry in (served["load"], served["load_kept"], sparql_only["load"]):
        entry["latency"] = summarise(entry.pop("latencies"))
    totals = inside["totals"]
    same_paths = all(t["index"] == t["sparql"] for t in totals.values())
    naive_same = all(inside["naive_rows"][item.label] == totals[item.label]["index"]
                     for item in inside["naive_texts"] if item.kind == "faceted")
    return {
        "graph": {"target": target, "triples": summary.triples, "services": summary.services,
                  "organisations": summary.organisations,
                  "municipalities": summary.municipalities,
                  "eligibility": dict(summary.eligibility), "disk_mb": disk,
                  "disk_after_load_mb": disk_after_load},
        "load": {"unvalidated": unvalidated, "bulk": bulk, "validated": validated},
        "index": {**inside["index"], "server_start_s": served["start_s"]},
        "search": {"index": served["http"], "kept": served["kept"],
                   "sparql": sparql_only["http"], "naive": inside["naive"],
                   "oxigraph": backend["search"],
                   "rdflib": floor.get("search")},
        "answers": {"totals": totals, "naive_rows": inside["naive_rows"],
                    "index_and_sparql_in_process": same_paths,
                    "http_index_and_sparql_only": served["totals"] == sparql_only["totals"],
                    "oxigraph_server": backend["same_answers"],
                    "naive_faceted": naive_same},
        "throughput": {"index": served["load"], "kept": served["load_kept"],
                       "sparql": sparql_only["load"]},
        "writes": {"n": args.writes, "http": served["posted"], "in_process": in_process_writes},
        "memory": {"server": served["memory"], "sparql_only_server": sparql_only["memory"],
                   "oxigraph_server": backend["memory"], "bench_peak_mb": measure.peak_mb()},
        "coverage": inside["coverage"],
        "oxigraph_server": {k: v for k, v in backend.items() if k != "search"},
        "rdflib": {k: v for k, v in floor.items() if k != "search"},
    }


def arguments(argv: list[str] | None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", "--scales", dest="scales",
                        help=f"comma-separated sizes in triples (default {DEFAULT_SCALES}; "
                             "any such as 1k or 250k)")
    parser.add_argument("--quick", action="store_true", help="10k, small budgets")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--budget", type=float,
                        help="seconds of search rounds per kind of search and path")
    parser.add_argument("--cap", type=float,
                        help="a kind of search whose first call takes longer (s) is cut off")
    parser.add_argument("--min-rounds", type=int)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, help="length of each concurrent run")
    parser.add_argument("--rdflib-cap", type=float, help="seconds rdflib gets per size")
    parser.add_argument("--validate-cap", type=float,
                        help="seconds the validated load gets per size")
    parser.add_argument("--start-s", type=float, default=600,
                        help="seconds a server may take to start (its index is built first)")
    parser.add_argument("--writes", type=int,
                        help="validated single-service writes timed each way, at each size")
    parser.add_argument("--out", type=Path, default=OUT, help="where results.json/.md go")
    parser.add_argument("--work", type=Path, default=WORK, help="where working files go")
    parser.add_argument("--keep", action="store_true", help="keep stores and dumps")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite results.md from results.json and print it")
    args = parser.parse_args(argv)
    quick = args.quick
    args.scales = args.scales or ("10k" if quick else DEFAULT_SCALES)
    for name, full, short in (("budget", 6.0, 1.0), ("cap", 15.0, 5.0), ("min_rounds", 3, 2),
                              ("seconds", 8.0, 2.0), ("rdflib_cap", 90.0, 30.0),
                              ("validate_cap", 300.0, 60.0), ("writes", 30, 5)):
        if getattr(args, name) is None:
            setattr(args, name, short if quick else full)
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    json_path, md_path = args.out / "results.json", args.out / "results.md"
    if args.render:
        body = report.write(json.loads(json_path.read_text()), json_path, md_path)
        print(body)
        return 0
    scales = parse_scales(args.scales)
    args.work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    args.empty_store = import_scale.empty_store(args.work / "empty")

    started = time.perf_counter()
    results = {"machine": report.machine(), "seed": args.seed, "quick": args.quick,
               "settings": {"budget_s": args.budget, "cap_s": args.cap,
                            "min_rounds": args.min_rounds, "clients": args.clients,
                            "concurrent_s": args.seconds, "rdflib_cap_s": args.rdflib_cap,
                            "validate_cap_s": args.validate_cap, "writes": args.writes},
               "scales": {}}
    rdflib_allowed = True
    for label, target in scales.items():
        results["scales"][label] = result = run_scale(label, target, args, rdflib_allowed)
        if not result["rdflib"].get("searches_done"):
            rdflib_allowed = False  # the next size is bigger: it would not finish one either
    shutil.rmtree(args.empty_store, ignore_errors=True)
    results["targets"] = report.targets(results["scales"])
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["load_average_at_end"] = round(os.getloadavg()[0], 2)
    body = report.write(results, json_path, md_path)
    if not args.quick and list(scales) == list(parse_scales(DEFAULT_SCALES)):
        report.update_readme(BENCH.parent / "README.md", body)
    print(body)
    say(f"done in {results['seconds']} s; {md_path} and {json_path} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
