"""An import grows with its file, not with its square: counted, not timed (bench/import_scale.py
times it).

The records are mapped and checked a part at a time (``importer.BATCH``), each triple checked
once, the later parts seeing the organisations earlier parts described; the real store is
written once, at the end, or not at all. A graph that holds nothing yet is filled as the parts
are staged, and emptied again when the import is refused.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest

from passerelle.graph.imports import checking, spreadsheet
from passerelle.graph.imports import importer as importing
from passerelle.graph.imports.importer import ImportFailed, import_records
from passerelle.graph.rdf.namespaces import PAS, graph_iri
from passerelle.graph.store.bundle import open_store
from passerelle.graph.store.embedded import EmbeddedStore
from passerelle.graph.write import mapping, steps
from tests.graph.test_imports import example_row, write_csv

GRAPH = graph_iri("import-scale")
ROWS = 35
PART = 10


def rows(count: int, changes: dict[int, dict[str, str]] | None = None) -> list[dict[str, str]]:
    """``count`` services, five to an organisation, so organisations span parts."""
    return [{**example_row(), "organisation": f"Association {i // 5}",
             "organisation_id": f"association-{i // 5}", "service_name_en": f"Service {i}",
             **(changes or {}).get(i, {})} for i in range(count)]


def services(store) -> set[str]:
    found = store.select(f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s a <{PAS}Service> }} }}")
    return {row["s"].value for row in found}


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """Parts of ``PART`` records; how many triples each check was given (each part's in its
    scratch store, then the write path's of what replacing removes) and each store write,
    recorded; scratch files under the test's own folder."""
    monkeypatch.setattr(importing, "BATCH", PART)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    seen = {"checked": [], "writes": []}
    check = steps.check

    def counting_check(store, planned, **options):
        seen["checked"].append(len(planned.change.added))
        return check(store, planned, **options)

    monkeypatch.setattr(steps, "check", counting_check)
    part_check = checking.PartChecks.check

    def counting_part_check(self, text, *args):
        seen["checked"].append(text.count(b"\n"))  # one line a triple
        return part_check(self, text, *args)

    monkeypatch.setattr(checking.PartChecks, "check", counting_part_check)
    store = open_store(None)
    for name in ("write", "write_from", "begin_write_from"):
        method = getattr(store, name)

        def counting(*args, _name=name, _method=method, **options):
            seen["writes"].append(_name)
            return _method(*args, **options)

        monkeypatch.setattr(store, name, counting)
    seen["store"] = store
    return seen


def imported(store, path: Path, **options):
    return import_records(store, spreadsheet.records(path), graph=GRAPH, source=path.name,
                          **options)


def test_each_triple_is_checked_once_part_by_part_and_stored_in_one_write(counted, tmp_path):
    store = counted["store"]
    result = imported(store, write_csv(tmp_path / "s.csv", rows(ROWS)))
    assert (result.imported, result.skipped, result.read) == (ROWS, [], ROWS)
    parts = -(-ROWS // PART)
    assert len(counted["checked"]) == parts + 1  # each part, then what replacing removes
    stored = sum(1 for _ in store.quads(GRAPH))
    assert sum(counted["checked"]) == stored
    assert max(counted["checked"]) < 2 * stored / parts
    assert counted["writes"] == ["begin_write_from"]
    assert len(services(store)) == ROWS


def test_a_reimport_in_parts_replaces_the_graph(counted, tmp_path):
    store = counted["store"]
    imported(store, write_csv(tmp_path / "all.csv", rows(ROWS)))
    imported(store, write_csv(tmp_path / "fewer.csv", rows(12)))
    assert len(services(store)) == 12
    # Replacing a graph that holds data is one transaction (write_from hands it to write).
    assert counted["writes"] == ["begin_write_from", "write_from", "write"]


@pytest.mark.parametrize("existing", [False, True], ids=["new graph", "re-import"])
def test_a_bad_row_in_the_last_part_leaves_the_store_and_no_scratch(counted, tmp_path,
                                                                    monkeypatch, existing):
    """Files of one part each: into a new graph, the first parts are loaded before the last
    is refused, and the refusal drops them."""
    store = counted["store"]
    if existing:
        imported(store, write_csv(tmp_path / "first.csv", rows(12)))
        counted["writes"].clear()
    monkeypatch.setattr(steps, "FILE_QUADS", 1)
    undone = []
    undo = EmbeddedStore._undo_pending

    def undoing(self):
        undone.append(sum(1 for _ in self.quads(GRAPH)))
        undo(self)

    monkeypatch.setattr(EmbeddedStore, "_undo_pending", undoing)
    before = sorted(map(str, store.quads()))
    path = write_csv(tmp_path / "s.csv", rows(ROWS, {ROWS - 2: {"statuses": "xyz"}}))
    with pytest.raises(ImportFailed) as failed:
        imported(store, path)
    assert [str(p) for p in failed.value.problems] == [
        f"row {ROWS}, column statuses: unknown status 'xyz'"]
    assert sorted(map(str, store.quads())) == before
    assert counted["writes"] == ([] if existing else ["begin_write_from"])
    # Into a new graph, the parts before the refused one were loaded, then dropped.
    assert (undone[0] > 0) if not existing else undone == []
    assert list((tmp_path / "scratch").iterdir()) == []


def test_skipping_a_bad_row_keeps_the_other_parts(counted, tmp_path):
    store = counted["store"]
    path = write_csv(tmp_path / "s.csv", rows(ROWS, {3: {"statuses": "xyz"}}))
    result = imported(store, path, skip_invalid=True)
    assert result.imported == ROWS - 1
    assert [str(p) for p in result.skipped] == ["row 5, column statuses: unknown status 'xyz'"]
    assert len(services(store)) == ROWS - 1


def test_a_later_part_names_an_organisation_an_earlier_part_described(counted, tmp_path):
    """Seven services to an organisation, parts of ten: the check of a part reads the
    organisations earlier parts staged (a provider must be an organisation)."""
    store = counted["store"]
    spanning = [{**row, "organisation": f"Association {i // 7}",
                 "organisation_id": f"association-{i // 7}"} for i, row in enumerate(rows(ROWS))]
    result = imported(store, write_csv(tmp_path / "s.csv", spanning))
    assert (result.imported, result.skipped) == (ROWS, [])
    typed = store.select(f"SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ "
                         f"?s <{PAS}provider> ?o . ?o a ?type }} }}")
    assert int(typed[0]["n"].value) == -(-ROWS // 7)


def test_staged_text_keeps_every_line_break_and_full_stop_inside_literals():
    subject, predicate = ox.NamedNode("https://example.org/s"), ox.NamedNode(f"{PAS}cost")
    literal = ox.Literal('free .\n" .\\n <x> .\r\n', language="en")
    text = ox.serialize([ox.Triple(subject, predicate, literal)], format=ox.RdfFormat.N_TRIPLES)
    quads = list(ox.parse(steps.as_quads(text, GRAPH), format=ox.RdfFormat.N_QUADS))
    assert quads == [ox.Quad(subject, predicate, literal, ox.NamedNode(GRAPH))]


def test_the_mappers_text_is_what_its_triples_serialize_to():
    """An import takes the mapper's statements as N-Triples lines (``text``): the same
    statements, written as ``pyoxigraph.serialize`` writes the triples the write API gets."""
    store = open_store(None)
    body = {"lang": "en", "name": {"en": 'Atelier "Code"\ndu soir', "fr": "Café \\ tab\t."},
            "description": "Line one .\r\nline two <x> .", "service_types": ["language"],
            "areas": ["lauris"], "languages": ["fr", "en"],
            "eligibility": {"state": "restricted", "statuses": ["refugee"]},
            "address": {"street": "1 place de la Mairie", "postal_code": "84360",
                        "locality": "Lauris", "country": "FR"},
            "contact": {"email": "a@example.org", "telephone": "+33 4 00 00 00 00"},
            "geo": {"lat": 43.7, "long": 5.3},
            "hours": [{"days": ["tu"], "opens": "09:00", "closes": "12:00"}],
            "free": True, "age": {"min": 16}, "url": "https://example.org/s",
            "last_verified": "2026-11-27"}
    iri = f"{GRAPH}/service/x"
    triples = mapping.service(store, body, iri, base=GRAPH + "/", modified=None)
    lines = mapping.service(store, body, iri, base=GRAPH + "/", modified=None, text=True)
    assert len(triples) > 20

    def labelled(text: str) -> str:
        """Blank node labels numbered by first appearance (each mapping makes its own)."""
        seen: dict[str, str] = {}
        return re.sub(r"_:\w+", lambda m: seen.setdefault(m.group(), f"_:b{len(seen)}"), text)

    assert labelled("".join(lines)) == labelled(
        ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode())
