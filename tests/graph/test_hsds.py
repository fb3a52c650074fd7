"""Open Referral HSDS against the official files of ../shared/standards (never copied here).

The export: every object valid against the strict compiled schemas of HSDS 3.1, declaring its
version. The import: every official example of HSDS 3.0.1 and 3.1, folder-driven, with a count
guard; what cannot be stored is refused at its exact JSON path with the rule, leaving the store
exactly as it was; with ``skip_invalid`` the rest is stored; a round trip keeps every id and IRI.
"""

from __future__ import annotations

import json

import pytest

from passerelle.errors import InvalidData
from passerelle.graph.export import hsds as export
from passerelle.graph.imports import hsds
from passerelle.graph.imports.hsds_fields import REPORTED, VERSION, markdown
from passerelle.graph.imports.importer import ImportFailed, import_records
from passerelle.graph.rdf.namespaces import DCT, ID, PAS, graph_iri
from passerelle.graph.store.bundle import open_store, seed_files
from passerelle.graph.write.loader import load
from tests.conftest import ROOT
from tests.hsds_schemas import VERSIONS, errors, folder

GRAPH = graph_iri("import-hsds-test")
TERM = "3f7b145d-84af-42d7-8fae-eaca714b02b2"
TERM_MAP = {TERM: "mental-health", "*": "social-orientation"}
"""What a steward would declare for the examples: their one term belongs to a counselling
service; the list items carry no terms at all."""


def examples() -> list:
    found = []
    for version in VERSIONS:
        base = folder(version) / "examples"
        found += sorted(base.glob("*.json")) + [base / "csv" / "datapackage.json"]
    return found


EXAMPLES = examples()
STORED = {"service_full", "organization_full", "organization_list", "service_list",
          "service_at_location_full", "service_at_location_list", "tabular", "datapackage"}
NOT_DIRECTORY_DATA = {"base": "metadata of an Open Referral API",
                      "location": "a location on its own",
                      "taxonomy": "taxonomies only", "taxonomy_list": "taxonomies only",
                      "taxonomy_term": "taxonomy_terms only",
                      "taxonomy_term_list": "taxonomy_terms only"}
BAD_LATITUDE = {
    "service_full": "$.service_at_locations[0].location.latitude",
    "organization_full": "$.services[0].service_at_locations[0].location.latitude",
    "service_at_location_full": "$.location.latitude",
    "service_at_location_list": "$.contents[0].location.latitude",
    "tabular": "$['locations.csv'][0].latitude",
    "datapackage": "$['locations.csv'][0].latitude",
}


def name(path) -> str:
    return path.stem


def test_collected_every_official_example():
    assert len(EXAMPLES) == 28
    assert {name(p) for p in EXAMPLES} == STORED | set(NOT_DIRECTORY_DATA)


def snapshot(store) -> set:
    return {str(q) for q in store.quads()} if hasattr(store, "quads") else \
        {tuple(map(str, r.values())) for r in store.select(
            "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}


@pytest.fixture
def store():
    return open_store(None)


def read(store, path, **options):
    return hsds.read(path, store, term_map=TERM_MAP, **options)


@pytest.mark.parametrize("path", [p for p in EXAMPLES if name(p) in NOT_DIRECTORY_DATA],
                         ids=lambda p: f"{p.parts[-3]}-{name(p)}")
def test_documents_without_directory_data_are_refused_saying_what_they_are(store, path):
    with pytest.raises(InvalidData, match=NOT_DIRECTORY_DATA[name(path)]):
        read(store, path)


@pytest.mark.parametrize("path", [p for p in EXAMPLES if name(p) in BAD_LATITUDE],
                         ids=lambda p: f"{p.parts[-3 if name(p) != 'datapackage' else -4]}-"
                                       f"{name(p)}")
def test_out_of_range_latitude_refuses_the_file_at_its_path(store, path):
    before = snapshot(store)
    with pytest.raises(ImportFailed) as failure:
        import_records(store, read(store, path), graph=GRAPH, source=path.name)
    assert [str(p) for p in failure.value.problems] == [
        f"{BAD_LATITUDE[name(path)]}: 100 is out of range "
        "[rule: latitude is between -90 and 90]"]
    assert snapshot(store) == before


def ids_of(path) -> dict[str, set[str]]:
    """The service and organisation ids a source gives, whatever its shape."""
    document = hsds.load_any(path)
    found: dict[str, set[str]] = {"services": set(), "organizations": set()}

    def walk(value, key=None):
        if isinstance(value, dict):
            kind = hsds.kind_of(value) if key in (None, "contents", "service", "organization",
                                                  "services") else None
            if kind == "service":
                found["services"].add(value["id"])
            elif kind == "organization":
                found["organizations"].add(value["id"])
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
    if isinstance(document, dict) and "services.csv" in document:
        found["services"] = {s["id"] for s in document["services.csv"]}
        found["organizations"] = {o["id"] for o in document["organizations.csv"]}
    else:
        walk(document)
    return found


@pytest.mark.parametrize("path", [p for p in EXAMPLES if name(p) in STORED],
                         ids=lambda p: f"{p.parts[-3 if name(p) != 'datapackage' else -4]}-"
                                       f"{name(p)}")
def test_every_example_imports_keeping_its_ids(store, path):
    result = import_records(store, read(store, path), graph=GRAPH, source=path.name,
                            skip_invalid=True)
    expected = ids_of(path)
    assert result.imported == len(expected["services"])
    assert [p.where for p in result.skipped] == ([BAD_LATITUDE[name(path)]]
                                                 if name(path) in BAD_LATITUDE else [])
    document = export.document(store).document
    assert {s["id"] for s in document["services"]} == expected["services"]
    exported_orgs = {o["id"] for o in document["organizations"]}
    if name(path) == "organization_list":
        assert result.organisations == 1
        assert not document["services"]
    else:
        assert exported_orgs and exported_orgs <= expected["organizations"]
        assert {s.get("organization_id") for s in document["services"]} <= exported_orgs
    for item in document["services"]:
        assert errors("service", item) == []
    for item in document["organizations"]:
        assert errors("organization", item) == []


def test_unknown_terms_areas_and_unkept_fields_are_reported_not_fatal(store):
    path = folder("hsds-3.1") / "examples" / "service_full.json"
    records = hsds.read(path, store, term_map={"*": "health"})
    result = import_records(store, records, graph=GRAPH, source=path.name, skip_invalid=True)
    notes = [str(n) for n in result.notes]
    assert "$.attributes[0].taxonomy_term: taxonomy term 'code' maps to no service type " \
           "(no declared mapping): not kept" in notes
    assert "$.service_areas[0]: area 'http://example.com' is not a known region (by code, " \
           "IRI or name): not kept" in notes
    unkept = next(n for n in notes if n.startswith("$: not kept"))
    assert "cost_options" in unkept and "interpretation_services" not in unkept
    assert set(unkept.split(": ", 2)[2].split(", ")) <= set(REPORTED)
    assert "$.schedules[0]: not weekly hours (narrowed by byweekno, bymonthday, byyearday, " \
           "count, until, valid_from, valid_to): only the description is kept" in notes


def test_an_organisations_unkept_fields_are_named_once(store):
    path = folder("hsds-3.1") / "examples" / "organization_full.json"
    result = import_records(store, read(store, path), graph=GRAPH, source=path.name,
                            skip_invalid=True)
    (note,) = [str(n) for n in result.notes if n.where == "$"]
    assert note.startswith("$: not kept (no field in the graph yet): ")
    assert {"locations", "tax_status", "funding"} <= set(note.split(": ", 2)[2].split(", "))


def test_without_a_mapping_a_service_with_no_known_term_is_refused(store):
    path = folder("hsds-3.1") / "examples" / "service_list.json"
    before = snapshot(store)
    with pytest.raises(ImportFailed) as failure:
        import_records(store, hsds.read(path, store), graph=GRAPH, source=path.name)
    assert [p.where for p in failure.value.problems] == ["$.contents[0].attributes"]
    assert "[rule: Service type required]" in failure.value.problems[0].message
    assert snapshot(store) == before


def test_open_eligibility_terms_map_to_their_close_match(store):
    service = {"id": "0b0c1a62-0000-4000-8000-000000000001", "name": "Rent help",
               "status": "active", "attributes": [{"id": "0b0c1a62-0000-4000-8000-000000000002",
                                                   "taxonomy_term": {
                                                       "id": "0b0c1a62-0000-4000-8000-00000000003",
                                                       "name": "Housing",
                                                       "taxonomy": "Open Eligibility"}}]}
    records = hsds.records(service, hsds.Resolver(store))
    assert [v.text for v in records[0].json["service_types"]] == ["housing"]


def test_a_dry_run_reports_and_writes_nothing(store):
    path = folder("hsds-3.1") / "examples" / "service_full.json"
    before = snapshot(store)
    result = import_records(store, read(store, path), graph=GRAPH, source=path.name,
                            skip_invalid=True, check_only=True)
    assert result.imported == 1 and result.checked_only
    assert snapshot(store) == before


@pytest.fixture(scope="module")
def seed():
    store = open_store(None)
    load(store, seed_files())
    return store


def test_seed_export_declares_its_version_and_passes_the_strict_schemas(seed):
    found = export.document(seed)
    document = found.document
    assert document["version"] == VERSION == "3.1"
    assert document["services"] and document["organizations"]
    problems = [f"services[{n}]{e[1:]}" for n, s in enumerate(document["services"])
                for e in errors("service", s)]
    problems += [f"organizations[{n}]{e[1:]}" for n, o in enumerate(document["organizations"])
                 for e in errors("organization", o)]
    assert problems == []
    stated = {r["s"].value for r in seed.select(
        f"SELECT ?s WHERE {{ ?s a <{PAS}Service> ; <{PAS}serviceStatus> ?x }}")}
    every = {r["s"].value for r in seed.select(f"SELECT ?s WHERE {{ ?s a <{PAS}Service> }}")}
    assert len(document["services"]) == len(stated)
    assert set(found.left_out) == every - stated


def test_round_trip_keeps_every_id_and_iri(seed):
    first = export.document(seed).document
    again = open_store(None)
    result = import_records(again, hsds.records(first, hsds.Resolver(again)), graph=GRAPH,
                            source="export.json")
    assert result.imported == len(first["services"])
    second = export.document(again).document
    assert second["services"] == first["services"]
    assert second["organizations"] == first["organizations"]
    iris = {r["s"].value for r in again.select(
        f"SELECT ?s WHERE {{ ?s a <{PAS}Service> ; <{DCT}identifier> ?i }}")}
    third = open_store(None)
    import_records(third, hsds.records(second, hsds.Resolver(third)), graph=GRAPH,
                   source="export.json")
    assert {r["s"].value for r in third.select(
        f"SELECT ?s WHERE {{ ?s a <{PAS}Service> }}")} == iris
    assert all(i.startswith(ID + "service/") for i in iris)


def test_importing_an_export_into_its_own_store_keeps_the_iris(seed, tmp_path):
    document = export.document(seed).document
    records = hsds.records(document, hsds.Resolver(seed))
    exported = {s["id"] for s in document["services"]}
    ids = export.Ids(seed)
    assert {r.iri for r in records} == {ids.iri(i, PAS + "Service") for i in exported}


def test_the_mapping_table_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown() in readme


def test_exported_json_is_plain_json(seed):
    assert json.loads(json.dumps(export.document(seed).document))["version"] == "3.1"


def weekly_example(version: str) -> dict:
    """The official ``service_full`` with what keeps its details from being stored as stated:
    an in-range latitude, and its schedule without the parts that narrow it to some weeks."""
    document = hsds.load(folder(version) / "examples" / "service_full.json")
    document["service_at_locations"][0]["location"]["latitude"] = 50
    for key in hsds.NARROWING:
        document["schedules"][0].pop(key, None)
    return document


@pytest.mark.parametrize("version", VERSIONS)
def test_service_details_are_read_exported_and_kept_by_a_round_trip(version):
    source = weekly_example(version)
    store = open_store(None)
    result = import_records(store, hsds.records(source, hsds.Resolver(store), term_map=TERM_MAP),
                            graph=GRAPH, source="service_full.json")
    assert result.imported == 1
    (item,) = export.services(store, export.Ids(store).of_class(PAS + "Service"), "en")
    location = source["service_at_locations"][0]["location"]
    assert item["age"] == {"min": 12, "max": 100}
    assert item["interpretation"] is True
    assert item["documents"] == [source["required_documents"][0]["document"]]
    assert item["hours"] == [{"days": ["th", "fr"], "opens": "10:00", "closes": "18:00"}]
    assert item["opening_hours"] == source["schedules"][0]["description"]
    assert item["accessibility"] == location["accessibility"][0]["description"]
    assert item["address"]["region"] == "MyState"
    assert item["geo"] == {"lat": 50.0, "lon": 101.0}

    first = export.document(store).document
    (service,) = first["services"]
    assert errors("service", service) == []
    assert (service["minimum_age"], service["maximum_age"]) == (12, 100)
    assert "interpretation_services" not in service
    assert [d["document"] for d in service["required_documents"]] == item["documents"]
    weekly = [s for s in service["schedules"] if "byday" in s]
    assert [(s["freq"], s["byday"], s["opens_at"], s["closes_at"]) for s in weekly] == [
        ("WEEKLY", "TH,FR", "10:00", "18:00")]
    place = service["service_at_locations"][0]["location"]
    assert (place["latitude"], place["longitude"]) == (50.0, 101.0)
    assert place["addresses"][0]["state_province"] == "MyState"
    assert [a["description"] for a in place["accessibility"]] == [item["accessibility"]]

    again = open_store(None)
    import_records(again, hsds.records(first, hsds.Resolver(again), term_map=TERM_MAP),
                   graph=GRAPH, source="export.json")
    assert export.document(again).document["services"] == first["services"]


def test_a_minimum_age_of_zero_is_exported():
    store = open_store(None)
    service = {"id": "0b0c1a62-0000-4000-8000-000000000011", "name": "Baby clinic",
               "status": "active", "minimum_age": 0, "maximum_age": 3,
               "interpretation_services": "No"}
    import_records(store, hsds.records(service, hsds.Resolver(store),
                                       term_map={"*": "health"}), graph=GRAPH, source="x")
    (out,) = export.document(store).document["services"]
    assert (out["minimum_age"], out["maximum_age"]) == (0, 3)
    (item,) = export.services(store, export.Ids(store).of_class(PAS + "Service"), "en")
    assert item["interpretation"] is False


def test_an_age_that_is_not_whole_years_is_refused_at_its_path(store):
    service = {"id": "0b0c1a62-0000-4000-8000-000000000012", "name": "Youth club",
               "status": "active", "minimum_age": "twelve"}
    before = snapshot(store)
    with pytest.raises(ImportFailed) as failure:
        import_records(store, hsds.records(service, hsds.Resolver(store),
                                           term_map={"*": "health"}), graph=GRAPH, source="x")
    assert [p.where for p in failure.value.problems] == ["$.minimum_age"]
    assert "whole number of years" in failure.value.problems[0].message
    assert snapshot(store) == before


FULL = {"service_full", "organization_full", "service_at_location_full", "tabular",
        "datapackage"}
"""The example shapes that carry a whole service, details included."""


@pytest.mark.parametrize("path", [p for p in EXAMPLES if name(p) in FULL],
                         ids=lambda p: f"{p.parts[-3 if name(p) != 'datapackage' else -4]}-"
                                       f"{name(p)}")
def test_every_full_example_keeps_its_service_details(store, path):
    import_records(store, read(store, path), graph=GRAPH, source=path.name, skip_invalid=True)
    (item,) = export.services(store, export.Ids(store).of_class(PAS + "Service"), "en")
    assert item["age"] == {"min": 12, "max": 100}
    assert item["interpretation"] is True
    assert len(item["documents"]) == 1 and item["documents"][0].startswith("Any official")
    assert item["accessibility"].startswith("The building is equipped with induction loops")
    assert item["address"]["region"] == "MyState"
    assert not item.get("hours")  # the examples' schedule is narrowed to some weeks
    (service,) = export.document(store).document["services"]
    assert (service["minimum_age"], service["maximum_age"]) == (12, 100)
    assert service["required_documents"][0]["document"] == item["documents"][0]
