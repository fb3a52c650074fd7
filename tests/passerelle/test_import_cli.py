"""`passerelle import` and `passerelle export --format hsds` through the installed command."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

from tests.conftest import DATA, run_cli

TEMPLATES = resources.files("passerelle.graph.imports.spreadsheet_template")
TEMPLATE = Path(str(TEMPLATES / "services-template.csv"))
COUNT = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s a <https://w3id.org/passerelle/ontology#"
         "Service> } }")


def services(store: Path) -> int:
    result = run_cli("query", COUNT, "--format", "csv", "--store", str(store))
    return int(result.stdout.decode().split()[-1])


def spreadsheet(path: Path, *changes: dict[str, str]) -> Path:
    with TEMPLATE.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, example = reader.fieldnames, next(reader)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows({**example, **change} for change in changes)
    return path


def test_help_lists_import():
    assert "import" in run_cli("--help").stdout.decode()


def test_template_imports_into_a_named_graph(tmp_path):
    store = tmp_path / "store"
    result = run_cli("import", str(TEMPLATE), "--store", str(store))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == (
        "imported 1 service(s) into <https://w3id.org/passerelle/graph/import-services-template>")
    assert services(store) == 1


def test_invalid_rows_are_listed_and_nothing_is_stored(tmp_path):
    store = tmp_path / "store"
    path = spreadsheet(tmp_path / "services.csv", {"service_name_en": "One"},
                       {"service_name_en": "Two", "statuses": "refugee;xyz"})
    result = run_cli("import", str(path), "--store", str(store))
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "row 3, column statuses: unknown status 'xyz'" in err
    assert "Traceback" not in err
    assert services(store) == 0


def test_skip_invalid_imports_the_rest(tmp_path):
    store = tmp_path / "store"
    path = spreadsheet(tmp_path / "services.csv", {"service_name_en": "One"},
                       {"service_name_en": "Two", "email": "nobody"})
    result = run_cli("import", str(path), "--store", str(store), "--skip-invalid")
    assert result.returncode == 0, result.stderr.decode()
    assert "row 3, column email:" in result.stderr.decode()
    assert "imported 1 service(s)" in result.stdout.decode()
    assert services(store) == 1


def test_hsds_in_and_out(tmp_path):
    store = tmp_path / "store"
    result = run_cli("import", str(DATA / "hsds" / "nested.json"), "--store", str(store),
                     "--graph", "https://example.org/graph/directory")
    assert result.returncode == 0, result.stderr.decode()
    exported = run_cli("export", "--format", "hsds", "--store", str(store))
    assert exported.returncode == 0, exported.stderr.decode()
    document = json.loads(exported.stdout)
    assert sorted(s["name"] for s in document["services"]) == [
        "Example French workshops", "Example housing advice"]
    assert [o["name"] for o in document["organizations"]] == ["Example Welcome Network"]


def test_official_csv_datapackage_refused_at_its_path_then_imported_without_it(tmp_path):
    """The official HSDS 3.1 CSV example: its one location has latitude 100. All or nothing
    refuses it naming the cell; a dry run with --skip-invalid reports and writes nothing; the
    real run stores the service and organisation and leaves the coordinates out."""
    from tests.hsds_schemas import folder

    package = folder("hsds-3.1") / "examples" / "csv" / "datapackage.json"
    terms = tmp_path / "terms.json"
    terms.write_text(json.dumps({"*": "mental-health"}))
    store = tmp_path / "store"
    refused = run_cli("import", str(package), "--term-map", str(terms), "--store", str(store))
    assert refused.returncode == 1
    assert "$['locations.csv'][0].latitude: 100 is out of range [rule: latitude is between " \
           "-90 and 90]" in refused.stderr.decode()
    assert services(store) == 0
    checked = run_cli("import", str(package), "--term-map", str(terms), "--store", str(store),
                      "--skip-invalid", "--check")
    assert checked.returncode == 0, checked.stderr.decode()
    assert checked.stdout.decode().startswith("checked, nothing written: 1 service(s)")
    assert services(store) == 0
    done = run_cli("import", str(package.parent), "--term-map", str(terms), "--store",
                   str(store), "--skip-invalid")
    assert done.returncode == 0, done.stderr.decode()
    assert "imported 1 service(s)" in done.stdout.decode()
    assert services(store) == 1
    exported = run_cli("export", "--format", "hsds", "--store", str(store))
    document = json.loads(exported.stdout)
    assert document["version"] == "3.1"
    assert [s["id"] for s in document["services"]] == ["ac148810-d857-441c-9679-408f346de14b"]


def test_a_term_map_naming_an_unknown_type_is_one_line(tmp_path):
    terms = tmp_path / "terms.json"
    terms.write_text(json.dumps({"*": "juggling"}))
    result = run_cli("import", str(DATA / "hsds" / "nested.json"), "--term-map", str(terms),
                     "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert "term map: unknown service type(s) 'juggling'" in one_line_error(result)


def test_other_file_kinds_are_a_clean_error(tmp_path):
    path = tmp_path / "services.xlsx"
    path.write_bytes(b"PK")
    result = run_cli("import", str(path), "--store", str(tmp_path / "store"))
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1
    assert ".csv" in result.stderr.decode()


def test_broken_json_names_line_and_column(tmp_path):
    path = tmp_path / "directory.json"
    path.write_text('{"services": [\n  {"name": "x",}\n]}')
    result = run_cli("import", str(path), "--store", str(tmp_path / "store"))
    assert result.returncode == 1
    assert "directory.json: line 2, column" in result.stderr.decode()


# --- Invalid data exits 1, a command that cannot run exits 2; one line, no traceback ----------

def one_line_error(result) -> str:
    err = result.stderr.decode()
    assert "Traceback" not in err, err[-2000:]
    assert err.count("\n") == 1, err[-2000:]
    return err


def refused_import(path, store) -> str:
    """Import ``path`` expecting invalid data: exit 1, nothing stored; the one-line error."""
    result = run_cli("import", str(path), "--store", str(store))
    assert result.returncode == 1
    assert services(store) == 0
    return one_line_error(result)


def test_a_cell_over_128_kb_is_one_line_naming_row_and_column(tmp_path):
    store = tmp_path / "store"
    path = spreadsheet(tmp_path / "services.csv", {"service_name_en": "One"},
                       {"service_name_en": "Two", "description_en": "x" * 200_000})
    assert "row 3, column description_en: 200,000 characters" in refused_import(path, store)


def test_hsds_nested_100000_deep_is_one_line_naming_the_path(tmp_path):
    store = tmp_path / "store"
    path = tmp_path / "deep.json"
    path.write_text('{"services": [{"name": "x", "phones": ' + "[" * 100_000 + "]" * 100_000
                    + "}]}", encoding="utf-8")
    assert "$.services[0].phones[0][0]" in refused_import(path, store)


def test_doubled_quotes_are_stored_as_one(tmp_path):
    store = tmp_path / "store"
    path = spreadsheet(tmp_path / "services.csv", {"service_name_en": 'Atelier "Code"'})
    assert '"Atelier ""Code"""' in path.read_text(encoding="utf-8")
    result = run_cli("import", str(path), "--store", str(store))
    assert result.returncode == 0, result.stderr.decode()
    names = run_cli("query", "SELECT ?n WHERE { ?s a <https://w3id.org/passerelle/ontology#"
                    "Service> ; <http://schema.org/name> ?n FILTER (lang(?n) = 'en') }",
                    "--format", "csv", "--store", str(store))
    assert names.stdout.decode().splitlines()[1:] == ['"Atelier ""Code"""']


def test_a_javascript_website_is_invalid_data(tmp_path):
    store = tmp_path / "store"
    path = spreadsheet(tmp_path / "services.csv", {"website": "javascript:alert(1)"})
    result = run_cli("import", str(path), "--store", str(store))
    assert result.returncode == 1
    assert "row 2, column website: not a web address" in result.stderr.decode()
    assert services(store) == 0


def test_a_control_character_is_invalid_data(tmp_path):
    store = tmp_path / "store"
    path = spreadsheet(tmp_path / "services.csv", {"cost": "free\x07"})
    result = run_cli("import", str(path), "--store", str(store))
    err = result.stderr.decode()
    assert result.returncode == 1, err
    assert "row 2, column cost" in err and "control character" in err
    assert services(store) == 0


def test_could_not_run_exits_2(tmp_path):
    missing = run_cli("import", str(tmp_path / "nowhere.csv"), "--store", str(tmp_path / "s"))
    assert missing.returncode == 2
    assert "no such file" in one_line_error(missing)
    not_a_store = tmp_path / "file"
    not_a_store.write_text("x")
    path = spreadsheet(tmp_path / "services.csv", {})
    blocked = run_cli("import", str(path), "--store", str(not_a_store))
    assert blocked.returncode == 2
    assert "Not a directory" in one_line_error(blocked)


def test_progress_bar_on_stderr_only_when_asked_or_on_a_terminal(tmp_path):
    store = tmp_path / "store"
    asked = run_cli("import", str(TEMPLATE), "--store", str(store), "--progress")
    assert asked.returncode == 0, asked.stderr.decode()
    assert "importing services-template.csv" in asked.stderr.decode()
    assert "importing" not in asked.stdout.decode()
    quiet = run_cli("import", str(TEMPLATE), "--store", str(store))
    assert quiet.returncode == 0, quiet.stderr.decode()
    assert "importing" not in quiet.stderr.decode()
