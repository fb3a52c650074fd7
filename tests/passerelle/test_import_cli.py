"""`passerelle import` and `passerelle export --format hsds` through the installed command."""

from __future__ import annotations

import csv
import json
from importlib import resources
from pathlib import Path

from tests.conftest import DATA, run_cli

TEMPLATE = Path(str(resources.files("passerelle.graph.templates") / "services-template.csv"))
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
    assert result.returncode == 2
    assert "directory.json: line 2, column" in result.stderr.decode()
