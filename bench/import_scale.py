"""``python -m bench.import_scale``: time and peak memory of ``passerelle import`` by size.

Generates synthetic spreadsheets (one service a row, organisations shared by ten rows) and flat
HSDS documents (services, languages, areas and phones in lists that point to each other by id,
the form that made reading quadratic), creates a store, then runs the installed command on each
file as a person would, and reports wall time and the peak resident memory of the import
process. Files and stores live under ``bench/results/import/`` (git-ignored).

    python -m bench.import_scale --csv 2000,8000,100000 --hsds 2000,10000
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
                      "attributes": [{"taxonomy_term": {"code": NEEDS[i % len(NEEDS)]}}]})
        languages.append({"id": f"l{i}", "service_id": f"s{i}", "code": "fr"})
        areas.append({"id": f"a{i}", "service_id": f"s{i}", "name": REGIONS[i % len(REGIONS)]})
        phones.append({"id": f"p{i}", "service_id": f"s{i}", "number": "+33 4 00 00 00 00"})
    path.write_text(json.dumps({"organizations": organizations, "services": items,
                                "languages": languages, "service_areas": areas,
                                "phones": phones}), encoding="utf-8")
    return path


def run(file: Path, store: Path) -> dict:
    """Import ``file`` into a fresh copy of ``store``: seconds, peak MiB, exit code."""
    target = store.with_name(store.name + "-" + file.stem)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(store, target)
    out_path, err_path = target.with_suffix(".out"), target.with_suffix(".err")
    with out_path.open("wb") as out_file, err_path.open("wb") as err_file:
        started = time.monotonic()
        process = subprocess.Popen([str(COMMAND), "import", str(file), "--store", str(target)],
                                   stdout=out_file, stderr=err_file)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - started
    out, err = out_path.read_text(), err_path.read_text()
    shutil.rmtree(target, ignore_errors=True)
    return {"file": file.name, "seconds": round(seconds, 1),
            "peak_mib": round(usage.ru_maxrss / 1024), "exit": os.waitstatus_to_exitcode(status),
            "said": (out.strip() or err.strip()[-300:])}


def sizes(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_scale")
    parser.add_argument("--csv", type=sizes, default=[2000, 8000],
                        help="row counts of the spreadsheets (default 2000,8000)")
    parser.add_argument("--hsds", type=sizes, default=[2000, 8000],
                        help="service counts of the flat HSDS files (default 2000,8000)")
    args = parser.parse_args(argv)
    WORK.mkdir(parents=True, exist_ok=True)
    store = WORK / "store"
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run([str(COMMAND), "query", "ASK {}", "--store", str(store)], check=True,
                   capture_output=True)
    files = [write_csv(WORK / f"services-{n}.csv", n) for n in args.csv]
    files += [write_hsds(WORK / f"hsds-{n}.json", n) for n in args.hsds]
    for file in files:
        print(json.dumps(run(file, store), ensure_ascii=False), flush=True)
    shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
