"""``python -m bench`` end to end on a tiny graph: every row of its tables is there.

Why: the full benchmark runs for most of an hour, so a change that breaks one of its paths (a
server that no longer starts with ``--no-index``, a search the naive query cannot bind, a result
the report no longer finds) would otherwise show only at the end of that hour. At about 1k
triples, with no time budget (one round of each kind), the whole run takes a minute: real
servers, the Oxigraph server, rdflib in its child process, the validated load. Nothing here is
timed; the answers of the paths are compared.
"""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main
from bench.report import BASELINES, PATHS, SUMMARY_ROWS
from bench.workload import KINDS


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out, work = tmp_path_factory.mktemp("out"), tmp_path_factory.mktemp("work")
    main(["--sizes", "1k", "--quick", "--budget", "0", "--min-rounds", "1", "--seconds", "0.5",
          "--rdflib-cap", "20", "--validate-cap", "120", "--writes", "2", "--cap", "60",
          "--out", str(out), "--work", str(work)])
    return json.loads((out / "results.json").read_text()), (out / "results.md").read_text()


def _rows(body: str) -> list[list[str]]:
    return [line.strip("| ").split(" | ") for line in body.splitlines() if line.startswith("| ")]


def test_every_summary_row_has_a_cell_for_the_size(run):
    _, body = run
    rows = {cells[0]: cells[1:] for cells in _rows(body)}
    for name in SUMMARY_ROWS:
        assert len(rows[name]) == 1, name
        assert rows[name][0] not in ("", "not run"), name


def test_every_kind_is_measured_on_this_version_and_on_the_sparql_path(run):
    _, body = run
    head = next(cells for cells in _rows(body) if cells[:2] == ["size", "kind"])
    names = [name for _, name in PATHS]
    assert [c for c in head[2:] if c != "ratio"] == names
    assert head.count("ratio") == len(BASELINES)
    table = {cells[1]: dict(zip(head, cells, strict=True)) for cells in _rows(body)
             if len(cells) == len(head) and cells[0] == "1k"}
    assert set(table) == {*KINDS, "all"}
    for kind in (*KINDS, "all"):
        for name in ("this version, computed", "this version, kept",
                     "SPARQL only (`--no-index`)", "Oxigraph server"):
            assert " / " in table[kind][name], (kind, name, table[kind][name])
    for kind in ("faceted", "words"):
        assert table[kind]["naive property path"] != "-"
    for kind in ("facets", "proximity"):
        assert table[kind]["naive property path"] == "-"


def test_every_path_gives_the_same_totals(run):
    results, _ = run
    answers = results["scales"]["1k"]["answers"]
    assert answers["index_and_sparql_in_process"] is True
    assert answers["http_index_and_sparql_only"] is True
    assert answers["oxigraph_server"] is True
    assert answers["naive_faceted"] is True
    assert any(t["index"] for t in answers["totals"].values())


def test_the_loads_writes_and_targets_are_reported(run):
    results, _ = run
    scale = results["scales"]["1k"]
    validated = scale["load"]["validated"]
    assert validated["exit"] == 0 and validated["triples"] > 0
    assert validated["bulk_load_triples_per_s"] > 0
    assert scale["writes"]["http"]["n"] == 2
    assert scale["throughput"]["index"]["requests"] > 0
    assert scale["throughput"]["index"]["errors"] == 0
    assert scale["throughput"]["index"]["server_cpu_ms"] > 0
    assert scale["throughput"]["kept"]["server_cpu_ms"] > 0
    assert scale["memory"]["server"]["peak_mb"] > 0
    assert results["targets"]
