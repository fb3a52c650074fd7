"""Service details through the spreadsheet template: each column lands in the one read model as
the write API would give it back, and a malformed detail is a problem naming its row and column,
with nothing stored.
"""

from __future__ import annotations

import pytest

from passerelle.graph.imports import spreadsheet
from passerelle.graph.imports.importer import ImportFailed, import_records
from passerelle.graph.read import model
from passerelle.graph.read.services import describe
from passerelle.graph.store.bundle import open_store
from tests.graph.test_imports import EXAMPLE_SERVICE, GRAPH, TEMPLATE, example_row, write_csv


@pytest.fixture
def store():
    return open_store(None)


def quads(store) -> int:
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(next(iter(rows))["n"].value)


def read_back(store, iri: str = EXAMPLE_SERVICE) -> dict:
    return model.render(model.SERVICES, describe(store, [iri]), iri, "en")


def test_every_template_column_reaches_the_read_model(store):
    import_records(store, spreadsheet.read(TEMPLATE), graph=GRAPH, source="template")
    item = read_back(store)
    assert item["contact"] == {"email": "classes@example.org", "telephone": "+33400000000",
                               "contact_type": "registration"}
    assert item["address"] == {"street": "1 place de la Mairie", "postal_code": "84360",
                               "locality": "Lauris", "region": "FRL06", "country": "FR"}
    assert item["geo"] == {"lat": 43.747, "lon": 5.313}
    assert item["hours"] == [{"days": ["tu", "th"], "opens": "09:00", "closes": "12:00"}]
    assert (item["free"], item["interpretation"]) == (True, False)
    assert item["documents"] == ["proof of address",
                                 "residence permit or asylum seeker's certificate"]
    assert item["age"] == {"min": 16, "max": None}
    assert item["accessibility"] == "Ground floor, step-free access."
    assert (item["cost"], item["status"], item["last_verified"]) == \
        ("free", "active", "2026-11-27")


def test_a_national_number_is_read_with_the_row_country(store, tmp_path):
    row = {**example_row(), "telephone": "04 90 00 00 00", "country": "FR"}
    import_records(store, spreadsheet.read(write_csv(tmp_path / "s.csv", [row])), graph=GRAPH,
                   source="s.csv")
    assert read_back(store)["contact"]["telephone"] == "+33490000000"


@pytest.mark.parametrize(("changes", "column", "words"), [
    ({"telephone": "04 90 00 00 00", "country": ""}, "telephone", "international form"),
    ({"telephone": "+3312"}, "telephone", "international form"),
    ({"email": "classes@localhost"}, "email", "contact@example.org"),
    ({"hours": "tu,th 14:00-09:00"}, "hours", "not after the opening time"),
    ({"hours": "tuesday morning"}, "hours", "days and times"),
    ({"hours": "xx 09:00-12:00"}, "hours", "unknown day"),
    ({"min_age": "18", "max_age": "16"}, "min_age", "above the maximum"),
    ({"max_age": "adult"}, "max_age", "whole number"),
    ({"latitude": "95"}, "latitude", "between -90 and 90"),
    ({"longitude": "east"}, "longitude", "not a number"),
    ({"free": "maybe"}, "free", "true or false"),
    ({"interpretation": "sometimes"}, "interpretation", "true or false"),
])
def test_a_malformed_detail_names_its_row_and_column(store, tmp_path, changes, column, words):
    path = write_csv(tmp_path / "s.csv", [{**example_row(), **changes}])
    before = quads(store)
    with pytest.raises(ImportFailed) as refused:
        import_records(store, spreadsheet.read(path), graph=GRAPH, source="s.csv")
    problems = [str(p) for p in refused.value.problems]
    assert any(p.startswith(f"row 2, column {column}: ") and words in p for p in problems), \
        problems
    assert quads(store) == before


def test_the_example_service_has_its_details_in_the_valid_example():
    """The reference example (tests/data/valid/service-full.ttl) carries every detail, so the
    pages and the API have one service to show them all with."""
    from rdflib import Graph

    from tests.conftest import DATA
    text = (DATA / "valid" / "service-full.ttl").read_text(encoding="utf-8")
    graph = Graph().parse(data=text, format="turtle")
    used = {str(p) for p in graph.predicates()}
    details = ("contact", "address", "geo", "opening_hours", "hours", "cost", "free",
               "how_to_apply", "documents", "age", "interpretation", "accessibility", "url",
               "last_verified", "status", "languages")
    for f in model.SERVICES.fields:
        if f.key in details:
            assert f.predicate in used, f.key
