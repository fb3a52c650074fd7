"""The import benchmark's peak memory is the child's own, not its parent's."""

from __future__ import annotations

import sys

from bench.import_scale import timed


def test_a_small_child_of_a_large_benchmark_reports_its_own_peak(tmp_path):
    held = bytearray(400 * 1024 * 1024)  # the benchmark holding a large graph
    held[::4096] = b"x" * len(held[::4096])
    child = "import time; x = bytearray(80 * 1024 * 1024); x[::4096] = b'y' * len(x[::4096]); " \
            "time.sleep(0.3)"
    _, _, peak, status, _ = timed([sys.executable, "-c", child], tmp_path / "child")
    assert status == 0
    assert 80 <= peak < 200, peak
    del held
