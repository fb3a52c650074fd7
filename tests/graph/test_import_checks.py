"""An import's parts checked in a scratch store (``imports.checking``) give the findings the write
path gives (``steps.check``: pySHACL for a few nodes, the reference), row by row and column by
column, on spreadsheets broken at random and on the store's own data as context.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.graph.imports import importer as importing
from passerelle.graph.imports import spreadsheet
from passerelle.graph.imports.importer import ImportFailed, import_records
from passerelle.graph.rdf.namespaces import graph_iri
from passerelle.graph.store.bundle import open_store
from tests.graph.test_imports import example_row, write_csv

GRAPH = graph_iri("import-checks")

BREAKS = [
    {"email": "nobody"}, {"email": "a@b"}, {"telephone": "call us"}, {"telephone": "123"},
    {"website": "http://example.org/a b"}, {"website": "ftp://example.org"},
    {"country": "France"}, {"country": "EL"}, {"postal_code": "8" * 40},
    {"latitude": "95"}, {"latitude": "north"}, {"longitude": ""},
    {"min_age": "-1"}, {"min_age": "30", "max_age": "5"}, {"max_age": "old"},
    {"hours": "mo 12:00-09:00"}, {"hours": "mo 25:00-26:00"}, {"hours": "xx 09:00-12:00"},
    {"free": "maybe"}, {"interpretation": "perhaps"},
    {"last_verified": "2026-13-01"}, {"last_verified": "yesterday"},
    {"service_status": "closed"}, {"languages": "xx"}, {"statuses": "refugee;xyz"},
    {"statuses": "all;refugee"}, {"areas": "atlantis"}, {"service_types": ""},
    {"description_en": ""}, {"description_en": "x\u0001y"}, {"cost": ""},
    {"description_en": "a\bb"}, {"opening_hours": "x\fy"}, {"cost": "\ufffe"},
    {"how_to_apply": "\u001f"}, {"description_en": "C:\\users\\u0001 \\b \\f"},
    {"description_en": "He said \"hi\",\tthen left\\right."},
    {"organisation": ""}, {"organisation_id": "Not A Slug"}, {"organisation": "",
                                                              "organisation_id": "nobody-here"},
    {"organisation_id": "au-maquis", "organisation": ""}, {"region": "FR"},
    {"region": "atlantis"}, {"contact_type": ""}, {"accessibility": ""},
    {"street": "", "postal_code": "", "locality": "", "country": ""},
    {"service_name_en": "", "service_name_fr": ""}, {"documents": ";;"},
]


@pytest.fixture(scope="module")
def seeded():
    return open_store(None, seed=True)


def problems(store, path, engine: str, **options):
    """What an import says: the problems of the rows refused (and the warnings kept)."""
    try:
        result = import_records(store, spreadsheet.read(path), graph=GRAPH, source=path.name,
                                check_only=True, engine=engine, **options)
    except ImportFailed as failed:
        return "refused", sorted(map(str, failed.problems))
    warnings = result.load.report.warnings if result.load.report else []
    return result.imported, sorted(map(str, result.skipped)), sorted(
        (w.node, w.path, w.shape, w.value) for w in warnings)


rows = st.lists(st.lists(st.sampled_from(BREAKS), max_size=3), min_size=1, max_size=6)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows, st.booleans(), st.sampled_from([1, 2, 100]))
def test_scratch_checks_find_what_the_write_path_finds(seeded, tmp_path, monkeypatch, broken,
                                                      skip, part):
    monkeypatch.setattr(importing, "BATCH", part)
    written = []
    for i, changes in enumerate(broken):
        row = {**example_row(), "service_name_en": f"Service {i}"}
        for change in changes:
            row.update(change)
        written.append(row)
    path = write_csv(tmp_path / "s.csv", written)
    before = seeded.count()
    assert problems(seeded, path, "scratch", skip_invalid=skip) == \
        problems(seeded, path, "write-path", skip_invalid=skip)
    assert seeded.count() == before


def test_each_break_is_found_alike(seeded, tmp_path):
    """Every break alone, in one file: each row's findings, on its columns, as the reference."""
    written = []
    for i, change in enumerate(BREAKS):
        written.append({**example_row(), "service_name_en": f"Service {i}", **change})
    path = write_csv(tmp_path / "s.csv", written)
    found = problems(seeded, path, "scratch")
    assert found[0] == "refused" and len(found[1]) > len(BREAKS) // 2
    assert found == problems(seeded, path, "write-path")
    skipped = problems(seeded, path, "scratch", skip_invalid=True)
    assert skipped == problems(seeded, path, "write-path", skip_invalid=True)
