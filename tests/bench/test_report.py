"""The benchmark's writing of results: percentiles, the tables, and the README section it owns.

``make bench`` rewrites part of the README, so it must leave everything else exactly as it was
and give the same README when run twice; the tables must compare the right figures, and a
results file from before a measure existed must still render (``--render``).
"""

from __future__ import annotations

from bench.report import markdown, targets, update_readme
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


def _searches(p50: float) -> dict:
    return {kind: _stats(p50) for kind in (*KINDS, "all")}


def _scale(*, backend: bool) -> dict:
    scale = {
        "graph": {"triples": 1000, "services": 30, "organisations": 8, "disk_mb": 1.0,
                  "disk_after_load_mb": 2.0},
        "load": {"unvalidated": {"seconds": 0.1, "triples_per_s": 10_000, "store_quads": 1200},
                 "bulk": {"seconds": 0.05, "triples_per_s": 20_000}, "validated": None},
        "search": {"raw": _searches(1.0), "handler": _searches(3.0), "http": _searches(4.0),
                   "stages": {"search query": 1.0}, "http_overhead_ms": 1.0},
        "rdflib": {"skipped": "skipped"},
        "throughput": {"per_s": 100.0, "clients": 8, "errors": 0, "latency": _stats(20.0)},
        "memory": {"server_peak_mb": 90.0, "bench_peak_mb": 140.0},
    }
    if backend:
        scale["oxigraph_server"] = {
            "load": {"quads": 1200, "seconds": 0.2, "quads_per_s": 6000},
            "search": {"http": _searches(10.0), "floor": _searches(2.5)},
            "same_answers": {"sparql_rows": True, "api_totals": False},
            "memory": {"oxigraph_peak_mb": 20.0, "api_peak_mb": 80.0}}
        scale["writes"] = {"n": 10, "http": _stats(60.0), "server_peak_mb": 95.0,
                           "in_process": {"shared_graph": _stats(30.0),
                                          "own_graph": _stats(31.0)}}
    return scale


def _results(*, backend: bool) -> dict:
    scales = {"10k": _scale(backend=backend)}
    machine = {"date": "today", "cpu": "cpu", "cores": 2, "ram_gib": 4, "os": "os",
               "python": "3.11", "packages": {"pyoxigraph": "0"}, "load_average_at_start": 1}
    return {"machine": machine, "seed": 1, "settings": {}, "scales": scales,
            "targets": targets(scales), "load_average_at_end": 1}


def _row(body: str, start: str) -> str:
    return next(line for line in body.splitlines() if line.startswith(f"| {start}"))


def test_the_backend_and_write_rows_show_ratios_checks_and_the_write_target():
    results = _results(backend=True)
    body = markdown(results)
    assert _row(body, "Oxigraph server / embedded store").endswith("| 2.50x, 3.33x, 2.50x |")
    assert _row(body, "Oxigraph server answers").endswith("| yes / NO |")
    assert _row(body, "write one service, `POST").endswith("| 60.0 / 180 |")
    assert _row(body, "write one service in-process, `loader.write` (validated): to a") \
        .endswith("| 30.0 / 90.0 |")
    by_backend = body.split("### Search by backend")[1].split("###")[0]
    table = [line for line in by_backend.splitlines() if line.startswith("| ")][2:]
    assert [line.split(" | ")[:2] for line in table] == [[f"| {k}", "10k"] for k in KINDS]
    assert table[0].endswith("| 10.0 / 30.0 | 2.50x | 3.0 / 9.0 | 3.33x | 1.0 / 3.0 | "
                             "2.5 / 7.5 | 2.50x |")
    write_target = results["targets"][-1]
    assert "write p50 <= 50 ms" in write_target["what"] and write_target["met"] is False


def test_an_older_results_file_still_renders_with_what_it_lacks_marked_not_run():
    results = _results(backend=False)
    body = markdown(results)
    assert _row(body, "search, HTTP, Oxigraph-server").endswith("| not run |")
    assert _row(body, "write one service, `POST").endswith("| not run |")
    assert "### Search by backend" not in body
    assert not any("write" in target["what"] for target in results["targets"])
