"""The same search SPARQL on a plain rdflib ``Graph``: what the embedded store saves us.

It runs in a child process under a time cap, so a scale where rdflib is too slow is cut off
rather than waited for, and its memory is its own. The child prints one JSON line per event, so
whatever finished before the cap is still reported.

Child: ``python -m bench.rdflib_floor DUMP.nt SEARCHES.json``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.measure import ROOT, peak_mb


def child(dump: Path, searches: Path) -> None:
    import rdflib

    def say(**event) -> None:
        print(json.dumps(event), flush=True)

    started = time.perf_counter()
    graph = rdflib.Graph()
    graph.parse(str(dump), format="nt")
    say(event="loaded", seconds=time.perf_counter() - started, triples=len(graph),
        peak_mb=peak_mb())
    mix = json.loads(searches.read_text())
    for round_ in range(3):
        for item in mix:
            started = time.perf_counter()
            rows = len(list(graph.query(item["sparql"])))
            say(event="search", kind=item["kind"], round=round_, rows=rows,
                ms=(time.perf_counter() - started) * 1000, peak_mb=peak_mb())


def run(dump: Path, mix: list[tuple[str, str]], cap_s: float, work: Path) -> dict:
    """Load ``dump`` into rdflib and run each (kind, SPARQL) up to three times within ``cap_s``."""
    searches = work / "rdflib-searches.json"
    searches.write_text(json.dumps([{"kind": k, "sparql": q} for k, q in mix]))
    process = subprocess.Popen([sys.executable, "-m", "bench.rdflib_floor", str(dump),
                                str(searches)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=cap_s)
        complete = process.returncode == 0
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        complete = False
    events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    loaded = next((e for e in events if e["event"] == "loaded"), None)
    samples: dict[str, list[float]] = {}
    for event in events:
        if event["event"] == "search":
            samples.setdefault(event["kind"], []).append(event["ms"])
    return {"complete": complete, "cap_s": cap_s,
            "load_s": round(loaded["seconds"], 2) if loaded else None,
            "searches_done": sum(len(v) for v in samples.values()),
            "samples": samples,
            "peak_mb": max((e.get("peak_mb") or 0 for e in events), default=None),
            "error": err.strip().splitlines()[-1] if err.strip() and not complete else None}


if __name__ == "__main__":
    child(Path(sys.argv[1]), Path(sys.argv[2]))
