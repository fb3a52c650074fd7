"""The benchmark's coverage entry measures whole matrices: 15 x 8 cells for one region and for
each of the ten SHARE SIRA regions, and reports them against the issue's targets."""

from __future__ import annotations

from bench import coverage, report
from passerelle.graph.store.bundle import open_store


def test_one_region_and_ten_regions_are_whole_matrices(tmp_path):
    store = open_store(tmp_path / "store", seed=True)
    found = coverage.run(store, budget_s=0.0, min_rounds=2)
    assert found["one_region"]["cells"] == 15 * 8
    assert found["ten_regions"]["cells"] == 10 * 15 * 8
    assert found["one_region"]["n"] >= 2
    targets = report._coverage_targets("10k", {"coverage": found})
    assert [t["what"].split(" p50")[0] for t in targets] == [
        "coverage matrix of one region (120 cells)", "coverage matrices of the ten SIRA regions"]
    assert report._coverage_targets("10k", {}) == []
