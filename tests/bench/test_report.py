"""The benchmark's writing of results: percentiles, the tables, and the README section it owns.

``make bench`` rewrites part of the README, so it must leave everything else exactly as it was
and give the same README when run twice; the tables must compare the right figures, and a
results file from before a measure existed must still render (``--render``).
"""

from __future__ import annotations

from bench.report import SUMMARY_ROWS, markdown, targets, update_readme
from bench.stats import summarise
from bench.workload import KINDS

README = """# Passerelle

```sh
make run
```

## Layout
Some text.

## Licence
Code: EUPL-1.2.
"""


def test_percentiles_are_nearest_rank():
    stats = summarise([float(n) for n in range(1, 101)])
    assert (stats["p50"], stats["p90"], stats["p99"], stats["min"], stats["max"]) == \
        (50, 90, 99, 1, 100)
    assert summarise([]) is None
    assert summarise([7.0])["p99"] == 7.0


def test_readme_section_is_added_before_the_licence_and_replaced_on_rerun(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(README)
    update_readme(readme, "| a | b |\n")
    first = readme.read_text()
    assert first.startswith(README.split("## Licence")[0])
    assert first.index("## Benchmark") < first.index("## Licence")
    assert first.endswith("## Licence\nCode: EUPL-1.2.\n")
    update_readme(readme, "| a | b |\n")
    assert readme.read_text() == first
    update_readme(readme, "| c | d |\n")
    second = readme.read_text()
    assert "| c | d |" in second and "| a | b |" not in second
    assert second.count("## Benchmark") == 1


# --- the tables ------------------------------------------------------------------------------

def _stats(p50: float) -> dict:
    return {"n": 10, "p50": p50, "p90": p50 * 2, "p99": p50 * 3, "min": p50, "max": p50 * 3}


def _path(p50: float, kinds=KINDS, cut=None) -> dict:
    return {**{kind: _stats(p50) for kind in kinds}, "all": _stats(p50), "cut": cut or {}}


def _load(per_s: float) -> dict:
    return {"clients": 8, "per_s": per_s, "errors": 0, "latency": _stats(40.0)}


def _scale(*, validated: dict | None) -> dict:
    server = {"peak_mb": 120.0, "rss_mb": 110.0, "peak_after_writes_mb": 130.0,
              "rss_after_writes_mb": 125.0}
    return {
        "graph": {"triples": 1000, "services": 30},
        "load": {"unvalidated": {"seconds": 0.1, "triples_per_s": 10_000, "store_quads": 1200},
                 "bulk": {"seconds": 0.05, "triples_per_s": 20_000}, "validated": validated},
        "index": {"build_s": 0.5, "rss_mb": 3.0, "server_start_s": 1.5},
        "search": {"index": _path(4.0), "kept": _path(1.0), "sparql": _path(8.0),
                   "naive": {**_path(2.0, ("faceted",)), "words": _stats(40.0)},
                   "oxigraph": _path(10.0, cut={"facets": 21.0}),
                   "rdflib": {"all": None, "cut": {"faceted": 90.0, "words": 90.0}}},
        "answers": {"index_and_sparql_in_process": True, "http_index_and_sparql_only": True,
                    "oxigraph_server": False, "naive_faceted": True},
        "throughput": {"index": _load(250.0), "kept": _load(900.0), "sparql": _load(50.0)},
        "writes": {"n": 10, "http": _stats(60.0),
                   "in_process": {"shared_graph": _stats(30.0), "own_graph": _stats(31.0)}},
        "memory": {"server": server, "sparql_only_server": server,
                   "oxigraph_server": {"oxigraph_peak_mb": 20.0, "api_peak_mb": 80.0},
                   "bench_peak_mb": 140.0},
        "coverage": {"one_region": {"cells": 120, **_stats(5.0)},
                     "ten_regions": {"cells": 1200, **_stats(50.0)}},
        "oxigraph_server": {"load": {"seconds": 0.2}},
        "rdflib": {"complete": False, "cap_s": 90.0, "load_s": 2.0, "peak_mb": 60.0},
    }


def _results(**scale) -> dict:
    scales = {"10k": _scale(**scale)}
    machine = {"date": "today", "cpu": "cpu", "cores": 2, "ram_gib": 4, "os": "os",
               "python": "3.11", "packages": {"pyoxigraph": "0"}, "load_average_at_start": 1}
    return {"machine": machine, "seed": 1, "settings": {}, "scales": scales,
            "targets": targets(scales), "load_average_at_end": 1}


def _row(body: str, start: str) -> str:
    return next(line for line in body.splitlines() if line.startswith(f"| {start}"))


VALIDATED = {"seconds": 2.0, "triples_per_s": 500, "cut_off": False, "peak_mib": 300,
             "bulk_load_triples_per_s": 20_000}


def test_every_summary_row_is_written_once_with_one_cell_per_size():
    body = markdown(_results(validated=VALIDATED))
    for name in SUMMARY_ROWS:
        assert _row(body, name).count(" | ") == 1, name


def test_baselines_show_how_many_times_slower_they_are_and_what_was_cut_off():
    body = markdown(_results(validated=VALIDATED))
    cells = _row(body, "10k | faceted").split(" | ")
    # size, kind, this version, kept, SPARQL only, ratio, naive, ratio, Oxigraph, ratio, rdflib
    assert cells[2:10] == ["4.0 / 12.0", "1.0 / 3.0", "8.0 / 24.0", "2.0x", "2.0 / 6.0",
                           "0.50x", "10.0 / 30.0", "2.5x"]
    assert cells[10] == "cut off (> 90 s)"
    assert "cut off (> 21 s)" in _row(body, "10k | facets")
    assert _row(body, "10k | proximity").split(" | ")[6:8] == ["-", "-"]
    # over all kinds: the geometric mean of the naive query's two ratios, 0.5 and 10
    assert _row(body, "10k | all").split(" | ")[7] == "2.2x"
    assert _row(body, "naive property path / this version").endswith("| 2.2x |")
    assert _row(body, "same totals: Oxigraph server").endswith("| NO / yes |")
    assert _row(body, "validated load rate").endswith("| 2% (bulk_load 20,000 triples/s) |")


def test_targets_are_checked_against_the_largest_size_and_a_cut_off_load_misses():
    met = {t["what"].split(" at 10k")[0]: t["met"]
           for t in targets({"10k": _scale(validated=VALIDATED)})}
    assert met["faceted search p50 <= 10 ms, HTTP, computed"] is True
    assert met[">= 20x faster than the naive property-path query (faceted, p50)"] is False
    assert met[">= 200 computed searches/s with 8 clients"] is True
    assert met[">= 1,000 kept searches/s with 8 clients"] is False
    assert met["validated load >= 50% of `bulk_load`'s rate"] is False
    assert met["validated load memory <= 4 GiB"] is True
    cut = targets({"10k": _scale(validated={**VALIDATED, "cut_off": True, "seconds": 420})})
    load = next(t for t in cut if t["what"].startswith("validated load >="))
    assert (load["measured"], load["met"]) == ("cut off after 420 s", False)
    assert not any("memory <= 4 GiB" in t["what"] for t in cut)
    assert not any("validated load" in t["what"]
                   for t in targets({"10k": _scale(validated=None)}))
