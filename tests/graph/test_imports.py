"""Imports from the spreadsheet template and from Open Referral HSDS JSON.

What a data steward relies on: the shipped template imports as is and is documented column by
column; every problem names the row and column (or JSON path) to fix; nothing is stored unless
every row is valid, or only the valid rows with --skip-invalid; HSDS goes in and comes back out.
"""

from __future__ import annotations

import csv
import json
import re
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import pytest

from passerelle.errors import InvalidData
from passerelle.graph.export import hsds as export
from passerelle.graph.imports import hsds, spreadsheet
from passerelle.graph.imports import importer as importing
from passerelle.graph.imports.importer import ImportFailed, import_records
from passerelle.graph.rdf.namespaces import ID, PAS, graph_iri
from passerelle.graph.read.codes import Resolver
from passerelle.graph.store.bundle import open_store
from tests.conftest import DATA

TEMPLATES = resources.files("passerelle.graph.imports.spreadsheet_template")
TEMPLATE = Path(str(TEMPLATES / "services-template.csv"))
README = Path(str(TEMPLATES / "README.md"))
HSDS_FILES = sorted((DATA / "hsds").glob("*.json"))
GRAPH = graph_iri("import-test")
EXAMPLE_SERVICE = ID + "service/example-association-example-french-classes"


@pytest.fixture
def store():
    """A fresh in-memory store holding the vocabularies only."""
    return open_store(None)


def example_row() -> dict[str, str]:
    with TEMPLATE.open(encoding="utf-8") as handle:
        return next(csv.DictReader(handle))


def write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=spreadsheet.COLUMNS, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_csv(store, path: Path, **options):
    return import_records(store, spreadsheet.read(path), graph=GRAPH, source=path.name, **options)


def values(store, subject: str, predicate: str) -> set[str]:
    rows = store.select(f"SELECT ?o WHERE {{ <{subject}> <{predicate}> ?o }}")
    return {row["o"].value for row in rows}


def services_in_graph(store) -> set[str]:
    rows = store.select(f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s a <{PAS}Service> }} }}")
    return {row["s"].value for row in rows}


# --- The template ---------------------------------------------------------------------------

def test_template_header_is_the_documented_columns():
    with TEMPLATE.open(encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == list(spreadsheet.COLUMNS)
    documented = README.read_text(encoding="utf-8")
    missing = [c for c in spreadsheet.COLUMNS if f"| `{c}` |" not in documented]
    assert missing == [], "columns without a line in graph/imports/spreadsheet_template/README.md"


def test_shipped_template_imports_as_is(store):
    result = import_records(store, spreadsheet.read(TEMPLATE), graph=GRAPH, source="template")
    assert (result.imported, result.skipped) == (1, [])
    assert result.load.report.conforms
    assert values(store, EXAMPLE_SERVICE, PAS + "serviceType") == {
        ID + "service-type/language", ID + "service-type/childcare"}
    assert values(store, EXAMPLE_SERVICE, PAS + "eligibleStatus") == {
        ID + "status/refugee", ID + "status/subsidiary-protection"}
    assert values(store, EXAMPLE_SERVICE, PAS + "serviceArea") == {
        ID + "region/lauris", ID + "region/cavaillon"}
    assert values(store, EXAMPLE_SERVICE, PAS + "provider") == {
        ID + "organisation/example-association"}


@pytest.mark.parametrize(("cell", "open_to_all", "statuses"), [
    ("all", {"true"}, set()),
    ("ALL", {"true"}, set()),
    ("", set(), set()),
    ("refugee", set(), {ID + "status/refugee"}),
])
def test_statuses_column_gives_the_three_eligibility_states(store, tmp_path, cell, open_to_all,
                                                             statuses):
    path = write_csv(tmp_path / "s.csv", [{**example_row(), "statuses": cell}])
    import_csv(store, path)
    assert values(store, EXAMPLE_SERVICE, PAS + "openToAllStatuses") == open_to_all
    assert values(store, EXAMPLE_SERVICE, PAS + "eligibleStatus") == statuses


def test_semicolon_separated_file_is_read(store, tmp_path):
    path = write_csv(tmp_path / "s.csv", [example_row()], delimiter=";")
    assert import_csv(store, path).imported == 1


# --- Problems, where to fix them, and all-or-nothing ----------------------------------------

def bad_rows() -> list[dict[str, str]]:
    row = example_row()
    return [
        {**row, "service_name_en": "Good"},
        {**row, "service_name_en": "Bad status", "statuses": "refugee;xyz"},
        {**row, "service_name_en": "Bad email", "email": "nobody"},
        {**row, "service_name_en": "Bad area", "areas": "FRL06;atlantis", "country": "France"},
    ]


def test_every_problem_names_its_row_and_column_and_nothing_is_stored(store, tmp_path):
    before = store.count()
    with pytest.raises(ImportFailed) as failure:
        import_csv(store, write_csv(tmp_path / "s.csv", bad_rows()))
    lines = [str(p) for p in failure.value.problems]
    assert lines[0] == "row 3, column statuses: unknown status 'xyz'"
    assert lines[1].startswith("row 4, column email: An e-mail address must be plain text")
    assert "row 5, column areas: unknown region 'atlantis'" in lines
    assert any(line.startswith("row 5, column country: ") for line in lines)
    assert len(lines) == 4
    assert store.count() == before


def test_skip_invalid_stores_the_valid_rows_and_reports_the_others(store, tmp_path):
    result = import_csv(store, write_csv(tmp_path / "s.csv", bad_rows()), skip_invalid=True)
    assert result.imported == 1
    assert {p.where.split(",")[0] for p in result.skipped} == {"row 3", "row 4", "row 5"}
    assert services_in_graph(store) == {ID + "service/example-association-good"}


def test_statuses_all_with_codes_is_refused(store, tmp_path):
    path = write_csv(tmp_path / "s.csv", [{**example_row(), "statuses": "all;refugee"}])
    with pytest.raises(ImportFailed, match="row 2, column statuses: 'all' cannot be combined"):
        import_csv(store, path)


def test_unknown_column_is_refused_before_any_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("organisation,servce_types\nX,language\n", encoding="utf-8")
    with pytest.raises(Exception, match="not template columns: servce_types"):
        spreadsheet.read(path)


def test_the_same_service_twice_is_refused(store, tmp_path):
    path = write_csv(tmp_path / "s.csv", [example_row(), example_row()])
    with pytest.raises(ImportFailed, match="row 3: the same service as row 2"):
        import_csv(store, path)


def test_importing_again_replaces_the_previous_import(store, tmp_path):
    rows = [{**example_row(), "service_name_en": name} for name in ("One", "Two")]
    import_csv(store, write_csv(tmp_path / "s.csv", rows))
    import_csv(store, write_csv(tmp_path / "s.csv", rows[1:]))
    assert services_in_graph(store) == {ID + "service/example-association-two"}


def test_an_organisation_in_the_graph_is_linked_not_described_again(tmp_path):
    store = open_store(None, seed=True)
    row = {**example_row(), "organisation": "", "organisation_id": "au-maquis"}
    import_csv(store, write_csv(tmp_path / "s.csv", [row]))
    service = ID + "service/au-maquis-example-french-classes"
    assert values(store, service, PAS + "provider") == {ID + "organisation/au-maquis"}
    described = store.query(f"ASK {{ GRAPH <{GRAPH}> {{ <{ID}organisation/au-maquis> ?p ?o }} }}")
    assert not bool(described)


def test_reimport_that_would_break_another_graph_is_refused(store, tmp_path):
    """An organisation created by an import and used elsewhere cannot silently disappear."""
    import_csv(store, write_csv(tmp_path / "s.csv", [example_row()]))
    store.write({graph_iri("elsewhere"): [ox.Triple(
        ox.NamedNode(ID + "service/elsewhere"), ox.NamedNode(PAS + "provider"),
        ox.NamedNode(ID + "organisation/example-association"))] + _minimal_service(
        ID + "service/elsewhere")})
    other = {**example_row(), "organisation": "Someone Else", "organisation_id": ""}
    with pytest.raises(ImportFailed, match="service/elsewhere"):
        import_csv(store, write_csv(tmp_path / "s.csv", [other]))


def _minimal_service(iri: str) -> list[ox.Triple]:
    node = ox.NamedNode(iri)
    return [
        ox.Triple(node, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                  ox.NamedNode(PAS + "Service")),
        ox.Triple(node, ox.NamedNode("http://schema.org/name"), ox.Literal("Elsewhere",
                                                                          language="en")),
        ox.Triple(node, ox.NamedNode(PAS + "serviceType"),
                  ox.NamedNode(ID + "service-type/housing")),
    ]


# --- HSDS ------------------------------------------------------------------------------------

def test_collected_hsds_examples():
    assert [p.name for p in HSDS_FILES] == ["flat.json", "nested.json"]


def import_hsds(store, data, **options):
    records = hsds.records(data, Resolver(store))
    return import_records(store, records, graph=GRAPH, source="test.json", **options)


@pytest.mark.parametrize("path", HSDS_FILES, ids=lambda p: p.stem)
def test_hsds_file_maps_onto_the_vocabularies(store, path):
    result = import_records(store, hsds.read(path, store), graph=GRAPH, source=path.name)
    assert result.imported == 2 and result.notes == []
    french = ID + "service/example-welcome-network-example-french-workshops"
    housing = ID + "service/example-welcome-network-example-housing-advice"
    assert values(store, french, PAS + "openToAllStatuses") == {"true"}
    assert values(store, french, PAS + "serviceArea") == {ID + "region/FRL06",
                                                          ID + "region/FRK24"}
    assert values(store, french, PAS + "serviceType") == {ID + "service-type/language",
                                                          ID + "service-type/social-cohesion"}
    assert values(store, housing, PAS + "eligibleStatus") == {ID + "status/refugee",
                                                              ID + "status/asylum-seeker"}
    assert values(store, housing, PAS + "serviceStatus") == {
        ID + "service-status/temporarily-closed"}


def test_nested_and_flat_forms_give_the_same_services(tmp_path):
    """The same services whatever the form; only the ids differ, as the files' ids do (the flat
    file's are not UUIDs, so the export derives them)."""
    exports = []
    for path in HSDS_FILES:
        store = open_store(None)
        import_records(store, hsds.read(path, store), graph=GRAPH, source=path.name)
        document = export.document(store).document
        organisations = {o["id"]: o for o in document["organizations"]}
        exports.append(sorted((comparable(s, organisations) for s in document["services"]),
                              key=lambda s: s["name"]))
    assert exports[0] == exports[1]
    assert len(exports[0]) == 2


ROUND_TRIP_FIELDS = ("name", "description", "url", "email", "status", "application_process",
                     "fees_description", "assured_date")


def comparable(service: dict, organisations: dict) -> dict:
    """The fields that map both ways, in a form independent of identifiers and order."""
    location = (service.get("service_at_locations") or [{}])[0].get("location", {})
    address = (location.get("addresses") or [{}])[0]
    eligibility = service.get("eligibility_description", "")
    return {
        **{key: service.get(key) for key in ROUND_TRIP_FIELDS},
        "eligibility": sorted(p.strip() for p in eligibility.split(";")),
        "languages": sorted(lang["code"] for lang in service["languages"]),
        "types": sorted(a["taxonomy_term"]["code"] for a in service["attributes"]),
        "phones": sorted(p["number"] for p in service.get("phones", [])),
        "hours": [s["description"] for s in service.get("schedules", [])],
        "address": {k: address.get(k) for k in ("address_1", "postal_code", "city", "country")},
        # Coordinates and an organisation's email are stored; the export shows them once the
        # read model does (see the HSDS field map).
        "organisation": {k: organisations[service["organization_id"]].get(k)
                         for k in ("name", "description", "website")},
    }


def test_hsds_round_trip_keeps_the_fields_that_map_both_ways(store):
    source = json.loads((DATA / "hsds" / "nested.json").read_text(encoding="utf-8"))
    import_hsds(store, source)
    exported = export.document(store).document
    originals = {s["name"]: s for s in source["organizations"][0]["services"]}
    org = {o["id"]: o for o in source["organizations"]}
    out_org = {o["id"]: o for o in exported["organizations"]}
    assert len(exported["services"]) == 2
    for service in exported["services"]:
        original = originals[service["name"]]
        original = {**original, "organization_id": source["organizations"][0]["id"]}
        expected = comparable(_codes_for_labels(original), org)
        assert comparable(service, out_org) == expected, service["name"]
    areas = {a["uri"] for s in exported["services"] for a in s["service_areas"]}
    assert areas == {ID + "region/FRL06", ID + "region/FRK24"}


def _codes_for_labels(service: dict) -> dict:
    """The source spells statuses as labels and one status as an HSDS word; the graph keeps
    codes, so this is what must come back."""
    words = {"refugee; asylum seeker": "refugee; asylum-seeker", "all": "all"}
    status = {"inactive": "temporarily closed"}.get(service["status"], service["status"])
    return {**service, "status": status,
            "eligibility_description": words[service["eligibility_description"]]}


def test_our_own_export_imports_back_unchanged(store):
    import_hsds(store, json.loads((DATA / "hsds" / "nested.json").read_text(encoding="utf-8")))
    first = export.document(store).document
    again = open_store(None)
    import_hsds(again, first)
    assert export.document(again).document == first


def hsds_service(**fields) -> dict:
    base = {"id": "s", "name": "Example service", "status": "active",
            "attributes": [{"id": "a", "taxonomy_term": {"id": "t", "code": "housing"}}]}
    return {"organizations": [{"id": "o", "name": "Example Org", "services": [
        {**base, **fields}]}]}


@pytest.mark.parametrize(("fields", "expected"), [
    ({"languages": [{"id": "x", "code": "fr"}, {"id": "y", "code": "xx"}]},
     "$.organizations[0].services[0].languages[1].code: language 'xx' is not in the language "
     "vocabulary: not kept"),
    ({"service_areas": [{"id": "x", "name": "Middle-earth"}]},
     "$.organizations[0].services[0].service_areas[0]: area 'Middle-earth' is not a known "
     "region"),
    ({"attributes": [{"id": "a", "taxonomy_term": {"id": "t", "code": "housing"}},
                     {"id": "x", "taxonomy_term": {"id": "t", "code": "juggling"}}]},
     "$.organizations[0].services[0].attributes[1].taxonomy_term: taxonomy term 'juggling' "
     "maps to no service type"),
])
def test_hsds_codes_that_map_to_nothing_are_reported_not_fatal(store, fields, expected):
    result = import_hsds(store, hsds_service(**fields))
    assert result.imported == 1
    assert any(str(n).startswith(expected) for n in result.notes), result.notes


@pytest.mark.parametrize(("fields", "expected"), [
    ({"status": "sleeping"}, "$.organizations[0].services[0].status: "
                             "unknown service status 'sleeping'"),
    ({"assured_date": "20/11/2026"}, "$.organizations[0].services[0].assured_date: not a date"),
])
def test_hsds_problems_name_their_json_path(store, fields, expected):
    with pytest.raises(ImportFailed) as failure:
        import_hsds(store, hsds_service(**fields))
    assert any(str(p).startswith(expected) for p in failure.value.problems), \
        failure.value.problems


def test_hsds_shape_violation_names_the_json_path(store):
    with pytest.raises(ImportFailed) as failure:
        import_hsds(store, hsds_service(email="not an address"))
    (problem,) = failure.value.problems
    assert problem.where == "$.organizations[0].services[0].email"


def test_free_text_eligibility_is_a_note_and_not_stated(store):
    result = import_hsds(store, hsds_service(eligibility_description="Adults over 18"))
    assert [n.where for n in result.notes] == [
        "$.organizations[0].services[0].eligibility_description"]
    service = ID + "service/example-org-example-service"
    assert values(store, service, PAS + "eligibleStatus") == set()
    assert values(store, service, PAS + "openToAllStatuses") == set()


@pytest.mark.parametrize(("shape", "prefix"), [
    (lambda org: org, "$.services[0]"),
    (lambda org: [org], "$[0].services[0]"),
    (lambda org: {"organizations": [org]}, "$.organizations[0].services[0]"),
])
def test_paths_follow_the_form_of_the_document(store, shape, prefix):
    org = hsds_service(status="sleeping")["organizations"][0]
    with pytest.raises(ImportFailed) as failure:
        import_hsds(store, shape(org))
    assert [str(p) for p in failure.value.problems] == [
        f"{prefix}.status: unknown service status 'sleeping'"]


# --- Files as spreadsheets write them, and files no spreadsheet writes -------------------------

def test_rfc4180_doubled_quotes_are_one_quote(store, tmp_path):
    """A cell in quotes may hold the separator, line breaks and quotes written twice; the file
    is read as RFC 4180 says, whatever the header looks like."""
    header = ",".join(spreadsheet.COLUMNS)
    row = example_row()
    row["service_name_en"] = 'Atelier "Code"'
    row["description_en"] = 'Line one, with a comma;\nline two "quoted".'
    cells = [row.get(c, "") for c in spreadsheet.COLUMNS]
    cells = ['"' + c.replace('"', '""') + '"' if any(x in c for x in ',;"\n') else c
             for c in cells]
    path = tmp_path / "s.csv"
    path.write_text(header + "\r\n" + ",".join(cells) + "\r\n", encoding="utf-8")
    assert import_csv(store, path).imported == 1
    service = ID + "service/example-association-atelier-code"
    assert 'Atelier "Code"' in values(store, service, "http://schema.org/name")
    assert 'Line one, with a comma;\nline two "quoted".' in values(
        store, service, "http://schema.org/description")


def test_semicolon_file_keeps_quoted_separators(store, tmp_path):
    row = {**example_row(), "service_name_en": 'Atelier "Code"; soir',
           "description_en": "Un, deux; trois"}
    path = write_csv(tmp_path / "s.csv", [row], delimiter=";")
    assert import_csv(store, path).imported == 1
    service = ID + "service/example-association-atelier-code-soir"
    assert 'Atelier "Code"; soir' in values(store, service, "http://schema.org/name")
    assert "Un, deux; trois" in values(store, service, "http://schema.org/description")


def test_a_cell_over_the_limit_names_its_row_and_column(tmp_path):
    rows = [example_row(), {**example_row(), "service_name_en": "Two",
                            "description_en": "x" * (spreadsheet.CELL_LIMIT + 1)}]
    path = write_csv(tmp_path / "s.csv", rows)
    with pytest.raises(InvalidData, match=r"row 3, column description_en: 131,073 characters"):
        spreadsheet.read(path)


def test_a_cell_of_megabytes_is_refused_not_a_traceback(tmp_path):
    """The csv module's own field limit (128 KB) raised a bare csv.Error before."""
    path = write_csv(tmp_path / "s.csv", [{**example_row(), "cost": "y" * 3_000_000}])
    with pytest.raises(InvalidData, match="row 2, column cost"):
        spreadsheet.read(path)


@pytest.mark.parametrize(("text", "expected"), [
    ('service_name_en,cost\n"Open "quote" inside",free\n', "row 2 (line 2): not RFC 4180 CSV"),
    ('service_name_en,cost\nA,free\n"Unterminated,free\n',
     "row 3 (line 3): not RFC 4180 CSV: unexpected end"),
])
def test_malformed_csv_names_the_row(tmp_path, text, expected):
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidData, match=re.escape(expected)):
        spreadsheet.read(path)


def test_not_utf8_is_refused(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("service_name_en\nCafé\n".encode("latin-1"))
    with pytest.raises(InvalidData, match="not UTF-8"):
        spreadsheet.read(path)


def test_hsds_nested_100000_deep_names_the_path(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"services": [{"name": "x", "languages": ' + "[" * 100_000
                    + "]" * 100_000 + "}]}", encoding="utf-8")
    with pytest.raises(InvalidData, match=re.escape(
            "$.services[0].languages[0][0][0][0][0]...: line 1, column 103: nested more "
            "than 64 levels deep")):
        hsds.load(path)


@pytest.mark.parametrize("document", [
    '{"services": "not a list"}', '{"organizations": 7}', "[1, 2, 3]", '"text"',
])
def test_hsds_of_the_wrong_shape_is_a_clean_refusal(store, tmp_path, document):
    with pytest.raises(InvalidData):
        hsds.records(json.loads(document), Resolver(store))


def test_hsds_identifier_that_is_a_list_identifies_nothing(store):
    document = {"services": [{"name": "x", "organization_id": [1], "attributes": [
        {"taxonomy_term_id": {"a": 1}}]}], "languages": [{"service_id": ["s"], "code": "fr"}]}
    (record,) = hsds.records(document, Resolver(store))
    assert record.organisation is None and "languages" not in record.json


def test_hsds_huge_number_is_refused(tmp_path):
    path = tmp_path / "n.json"
    path.write_text('{"services": [{"name": "x", "id": ' + "9" * 5000 + "}]}", encoding="utf-8")
    with pytest.raises(InvalidData, match="not a JSON document this import can read"):
        hsds.load(path)


def test_flat_hsds_lists_are_matched_by_id(store):
    document = {"organizations": [{"id": "o", "name": "Example Org"}],
                "services": [{"id": f"s{i}", "organization_id": "o", "name": f"Service {i}",
                              "attributes": [{"taxonomy_term": {"code": "housing"}}]}
                             for i in range(3)],
                "languages": [{"service_id": "s2", "code": "fr"},
                              {"service_id": "s0", "code": "en"}]}
    found = {r.json["name"]["en"].text: [v.text for v in r.json.get("languages", [])]
             for r in hsds.records(document, Resolver(store))}
    assert found == {"Service 0": ["en"], "Service 1": [], "Service 2": ["fr"]}


def test_checking_in_batches_reports_the_same_problems(store, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "s.csv", bad_rows())
    with pytest.raises(ImportFailed) as whole:
        import_csv(store, path)
    monkeypatch.setattr(importing, "BATCH", 1)
    with pytest.raises(ImportFailed) as batched:
        import_csv(store, path)
    assert sorted(map(str, batched.value.problems)) == sorted(map(str, whole.value.problems))
    assert store.count() == open_store(None).count()
