"""``python -m bench.import_scale``: time and peak memory of ``passerelle import`` by size.

Generates synthetic spreadsheets (one service a row, organisations shared by ten rows) and flat
HSDS documents (services, languages, areas and phones in lists that point to each other by id,
the form that made reading quadratic), creates a store, then runs the installed command on each
file as a person would, and reports wall time, processor time and the peak resident memory of
the import process, with the load average as it started (the processor time is the steadier
figure on a shared machine). ``--load`` does the same for ``passerelle load`` of the benchmark's
generated graph (N-Quads) at those sizes in triples. Each validated write is set beside
Oxigraph's own ``bulk_load`` of the same triples into a copy of the same store, in the same
run (the triples an import stored are dumped first): the ratio of their rates is what the
validated path costs. Files and stores live under ``bench/results/import/`` (git-ignored).

    python -m bench.import_scale --csv 10000,100000 --hsds 2000,10000 --load 100000,1000000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import generate
from bench.measure import peak_mb

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "results" / "import"
COMMAND = Path(sys.executable).with_name("passerelle")
REGIONS = ("lauris", "cavaillon", "FRL06", "FR")
NEEDS = ("language", "childcare", "employment", "housing", "health")
STATUSES = ("refugee", "subsidiary-protection", "asylum-seeker", "all", "")


def write_csv(path: Path, rows: int) -> Path:
    header = ["organisation", "organisation_id", "service_name_en", "service_name_fr",
              "description_en", "service_types", "statuses", "areas", "languages", "street",
              "postal_code", "locality", "country", "email", "telephone", "website",
              "opening_hours", "cost", "service_status", "last_verified"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(rows):
            org = i // 10
            writer.writerow([
                f"Association {org}", f"bench-association-{org}", f"Service {i}",
                f"Service numéro {i}", f"Weekly help number {i}, with \"quotes\", commas.",
                NEEDS[i % len(NEEDS)], STATUSES[i % len(STATUSES)],
                REGIONS[i % len(REGIONS)], "fr;en", f"{i} place de la Mairie", "84360",
                "Lauris", "FR", f"s{i}@example.org", "+33 4 00 00 00 00",
                f"https://example.org/s/{i}", "Tuesdays, 9:00 to 12:00", "free", "active",
                "2026-11-27"])
    return path


def write_hsds(path: Path, services: int) -> Path:
    organizations = [{"id": f"o{n}", "name": f"Association {n}",
                      "description": "An association."} for n in range((services + 9) // 10)]
    items, languages, areas, phones = [], [], [], []
    for i in range(services):
        items.append({"id": f"s{i}", "organization_id": f"o{i // 10}", "name": f"Service {i}",
                      "description": f"Help number {i}.", "status": "active",
                      "url": f"https://example.org/s/{i}", "email": f"s{i}@example.org",
                      "eligibility_description": "refugee" if i % 2 else "all",
                      "attributes": [{"taxonomy_term": {"id": f"t-{NEEDS[i % len(NEEDS)]}",
                                                        "code": NEEDS[i % len(NEEDS)]}}]})
        languages.append({"id": f"l{i}", "service_id": f"s{i}", "code": "fr"})
        areas.append({"id": f"a{i}", "service_id": f"s{i}", "name": REGIONS[i % len(REGIONS)]})
        phones.append({"id": f"p{i}", "service_id": f"s{i}", "number": "+33 4 00 00 00 00"})
    path.write_text(json.dumps({"organizations": organizations, "services": items,
                                "languages": languages, "service_areas": areas,
                                "phones": phones}), encoding="utf-8")
    return path


DUMP = """
import sys
import pyoxigraph as ox
store = ox.Store.read_only(sys.argv[1])
graphs = {q.graph_name for q in store.quads_for_pattern(None, None, None, None)}
before = set(sys.argv[3:])
quads = (q for q in store if q.graph_name.value not in before)
ox.serialize(quads, output=sys.argv[2], format=ox.RdfFormat.N_QUADS)
"""
BULK = """
import sys
import pyoxigraph as ox
store = ox.Store(sys.argv[1])
store.bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)
store.flush()
"""


def timed(command: list[str], log: Path, timeout: float | None = None
          ) -> tuple[float, float, int, int, str]:
    """Run ``command``: wall seconds, processor seconds, peak MiB, exit code, what it said.
    Past ``timeout`` seconds the command is killed (exit code -9).

    The peak is the child's own ``VmHWM``, read while it runs: the ``ru_maxrss`` that
    ``wait4`` gives a child counts the memory its parent (this benchmark, holding a million-triple
    graph) had when it was spawned."""
    with log.with_suffix(".out").open("wb") as out_file, \
            log.with_suffix(".err").open("wb") as err_file:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out_file, stderr=err_file)
        peak = 0.0
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, peak_mb(process.pid) or 0.0)
            if timeout is not None and time.monotonic() - started > timeout:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
    said = log.with_suffix(".out").read_text().strip() or \
        log.with_suffix(".err").read_text().strip()[-300:]
    return (seconds, usage.ru_utime + usage.ru_stime, round(peak),
            process.returncode, said)


def graphs_of(store: Path) -> list[str]:
    """The graphs a store holds, read in a child process (no lock stays here)."""
    listed = subprocess.run([sys.executable, "-c", "import sys, pyoxigraph as ox; print('\\n'"
                             ".join(sorted({q.graph_name.value for q in ox.Store.read_only("
                             "sys.argv[1])})))", str(store)], check=True, capture_output=True,
                            text=True)
    return listed.stdout.split()


def empty_store(path: Path) -> Path:
    """A new store at ``path`` holding what ``passerelle`` puts in one (vocabularies, seed)."""
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([str(COMMAND), "query", "ASK {}", "--store", str(path)], check=True,
                   capture_output=True)
    return path


def run(file: Path, store: Path, command: str = "import", timeout: float | None = None) -> dict:
    """``passerelle import`` (or ``load``) of ``file`` into a fresh copy of ``store``, then
    Oxigraph's ``bulk_load`` of the same triples into another copy. An import still running
    after ``timeout`` seconds is stopped (``exit`` -9) and has no bulk load beside it."""
    target = store.with_name(store.name + "-" + file.stem)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(store, target)
    load = round(os.getloadavg()[0], 1)
    seconds, cpu, peak, status, said = timed(
        [str(COMMAND), command, str(file), "--store", str(target)], target, timeout)
    row = {"file": file.name, "command": command, "load_average": load,
           "seconds": round(seconds, 1),
           "cpu_seconds": round(cpu, 1), "peak_mib": peak, "exit": status, "said": said}
    if status == 0:
        written = file
        if command == "import":
            written = target.with_suffix(".nq")
            subprocess.run([sys.executable, "-c", DUMP, str(target), str(written),
                            *graphs_of(store)], check=True)
        triples = sum(1 for _ in written.open("rb"))
        bulk = store.with_name(store.name + "-bulk")
        shutil.rmtree(bulk, ignore_errors=True)
        shutil.copytree(store, bulk)
        bulk_seconds, bulk_cpu, bulk_peak, _, _ = timed(
            [sys.executable, "-c", BULK, str(bulk), str(written)], bulk)
        shutil.rmtree(bulk, ignore_errors=True)
        row.update(triples=triples, triples_per_s=round(triples / seconds),
                   bulk_load_seconds=round(bulk_seconds, 1),
                   bulk_load_cpu_seconds=round(bulk_cpu, 1), bulk_load_peak_mib=bulk_peak,
                   bulk_load_triples_per_s=round(triples / bulk_seconds),
                   ratio=round(bulk_seconds / seconds, 3))
    shutil.rmtree(target, ignore_errors=True)
    return row


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_scale")
    parser.add_argument("--csv", type=sizes, default=[2000, 8000],
                        help="row counts of the spreadsheets (default 2000,8000)")
    parser.add_argument("--hsds", type=sizes, default=[2000, 8000],
                        help="service counts of the flat HSDS files (default 2000,8000)")
    parser.add_argument("--load", type=sizes, default=[],
                        help="triple counts of generated graphs to load (default none)")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    store = empty_store(WORK / "store")
    files = [write_csv(WORK / f"services-{n}.csv", n) for n in args.csv]
    files += [write_hsds(WORK / f"hsds-{n}.json", n) for n in args.hsds]
    for file in files:
        print(json.dumps(run(file, store), ensure_ascii=False), flush=True)
    for size in args.load:
        file = WORK / f"generated-{size}.nq"
        generate.write(file, size)
        print(json.dumps(run(file, store, "load"), ensure_ascii=False), flush=True)
    shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
