"""``python -m bench.search_paths``: searches asked for the first time, through the search index
and through SPARQL alone, side by side on the same embedded store.

Both paths compute every answer (``search.compute``: nothing kept between rounds), timed whole
(a page of 20 described and rendered) and for the matching alone (``search.matching``); the index
path combines the sets of ``graph/read/search_index.py`` and orders only what reaches the page,
the SPARQL path runs the match query of ``search-services.rq`` and ranks every match. The index
path keeps the read models of the services it showed until a write touches them; "index, none
kept" is the same path with nothing kept, every page described and rendered from the store. Word
searches go through the full-text index on both paths (on the SPARQL path its matches are bound
into the query). Also reported: how long building the index takes when a store is opened, and
the memory it adds. Every search's total is checked to be the same on both paths before anything
is timed.

Files live under ``bench/results/`` (git-ignored), as for ``python -m bench``.
"""

from __future__ import annotations

import argparse
import gc
import json
import time

from bench import generate, measure
from bench.__main__ import WORK, parse_scales, rss_mb, say
from bench.stats import by_kind
from bench.workload import MIX
from passerelle.graph.read import search_index
from passerelle.graph.read.search import compute, matching


def run(label: str, target: int, args) -> dict:
    nq = WORK / f"synthetic-{label}.nq"
    if not nq.exists():
        generate.write(nq, target, args.seed)
    store, loaded = measure.load_unvalidated(nq, WORK / f"store-paths-{label}")
    say(f"{label}: loaded {loaded['triples']:,} triples in {loaded['seconds']} s")
    gc.collect()
    before = rss_mb() or 0
    started = time.perf_counter()
    search_index.current(store)
    build_s = round(time.perf_counter() - started, 2)
    gc.collect()
    index_mb = round((rss_mb() or 0) - before, 1)
    say(f"{label}: index built in {build_s} s, {index_mb} MB")
    mix = list(MIX)
    totals = {}
    for item in mix:
        indexed = compute(store, item.params(), index=True).total
        alone = compute(store, item.params(), index=False).total
        assert indexed == alone, (item, indexed, alone)
        totals[item.label] = indexed
    gc.collect()
    gc.freeze()
    paths, matched = {}, {}
    kept = search_index.ITEMS_KEPT
    for name, use in (("index", True), ("index, none kept", True), ("sparql", False)):
        search_index.ITEMS_KEPT = 0 if name == "index, none kept" else kept
        started = time.process_time()
        samples = measure.rounds(mix, lambda item, use=use: compute(store, item.params(),
                                                                     index=use),
                                 args.budget, args.min_rounds)
        cpu_ms = (time.process_time() - started) * 1000 / sum(map(len, samples.values()))
        paths[name] = {**by_kind(samples), "cpu_ms_per_search": round(cpu_ms, 2)}
        search_index.ITEMS_KEPT = kept
        if name == "index, none kept":
            continue
        samples = measure.rounds(mix, lambda item, use=use: matching(store, item.params(),
                                                                      index=use),
                                 args.budget / 2, args.min_rounds)
        matched[name] = by_kind(samples)
        say(f"{label}: {name} path p50 {paths[name]['all']['p50']} ms "
            f"(matching alone {matched[name]['all']['p50']} ms)")
    gc.unfreeze()
    return {"triples": loaded["store_quads"], "index_build_s": build_s,
            "index_rss_mb": index_mb, "totals": totals, "paths": paths, "matching": matched}


def table(results: dict) -> str:
    lines = ["| scale | kind | search p50 ms: index / none kept / SPARQL "
             "| p99: index / none kept / SPARQL | matching alone p50: index / SPARQL |",
             "| --- | --- | --- | --- | --- |"]
    for label, result in results.items():
        index, cold, sparql = (result["paths"][name]
                               for name in ("index", "index, none kept", "sparql"))
        alone = result["matching"]
        for kind in alone["index"]:
            lines.append(f"| {label} | {kind} | {index[kind]['p50']} / {cold[kind]['p50']} / "
                         f"{sparql[kind]['p50']} | {index[kind]['p99']} / {cold[kind]['p99']} / "
                         f"{sparql[kind]['p99']} | "
                         f"{alone['index'][kind]['p50']} / {alone['sparql'][kind]['p50']} |")
    lines.append("")
    for label, result in results.items():
        cpu = " / ".join(str(result["paths"][name]["cpu_ms_per_search"])
                         for name in ("index", "index, none kept", "sparql"))
        lines.append(f"{label}: {result['triples']:,} quads; index built in "
                     f"{result['index_build_s']} s, about {result['index_rss_mb']} MB; CPU ms "
                     f"per search: index / none kept / SPARQL {cpu}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search_paths", description=__doc__)
    parser.add_argument("--scales", default="10k", help="e.g. 10k,100k")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per path and scale")
    parser.add_argument("--min-rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = {label: run(label, target, args)
               for label, target in parse_scales(args.scales).items()}
    (WORK / "search-paths.json").write_text(json.dumps(results, indent=2))
    print(table(results))


if __name__ == "__main__":
    main()
