"""Backup and restore through the installed command.

`passerelle export --format nq > backup.nq` then `passerelle load backup.nq --replace` on an empty
store must give back the same store, graph by graph, blank nodes included; a restore replaces
each graph of the file as one transaction, and leaves the graphs the file does not hold alone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from tests.conftest import run_cli

INFERRED = "https://w3id.org/passerelle/graph/inferred"
ORGANISATIONS = "https://w3id.org/passerelle/graph/organisations"


def export_nq(store: Path) -> bytes:
    result = run_cli("export", "--format", "nq", "--store", str(store))
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def graphs_of(nquads: bytes) -> dict[str, Dataset]:
    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    return {str(g.identifier): g for g in dataset.graphs() if len(g)}


def count(store: Path, graph: str) -> int:
    result = run_cli("query", f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                     "--format", "csv", "--store", str(store))
    return int(result.stdout.decode().split()[-1])


def test_restore_on_an_empty_store_gives_an_isomorphic_store(store_copy, tmp_path):
    backup = tmp_path / "backup.nq"
    backup.write_bytes(export_nq(store_copy))
    assert b"_:" in backup.read_bytes(), "the seed has blank nodes: the test must cover them"
    restored = tmp_path / "restored"
    result = run_cli("load", str(backup), "--replace", "--store", str(restored))
    assert result.returncode == 0, result.stderr.decode()
    before, after = graphs_of(backup.read_bytes()), graphs_of(export_nq(restored))
    assert sorted(after) == sorted(before)
    assert len(before) > 10
    for name, graph in before.items():
        assert isomorphic(graph, after[name]), name
    assert count(restored, INFERRED) == count(store_copy, INFERRED) > 0


def test_restore_replaces_the_graphs_of_the_file_and_no_other(store_copy, tmp_path):
    backup = tmp_path / "backup.nq"
    backup.write_bytes(export_nq(store_copy))
    extra = tmp_path / "extra.nq"
    extra.write_text(
        f'<https://example.org/x> <https://example.org/p> "stale" <{ORGANISATIONS}> .\n'
        '<https://example.org/y> <https://example.org/p> "kept" <https://example.org/g/other> .\n')
    assert run_cli("load", str(extra), "--no-validate", "--store", str(store_copy)).returncode == 0
    result = run_cli("load", str(backup), "--replace", "--store", str(store_copy))
    assert result.returncode == 0, result.stderr.decode()
    after = graphs_of(export_nq(store_copy))
    assert isomorphic(after[ORGANISATIONS], graphs_of(backup.read_bytes())[ORGANISATIONS])
    assert (None, None, URIRef("https://example.org/x")) not in after[ORGANISATIONS]
    assert len(after["https://example.org/g/other"]) == 1


def test_invalid_backup_restores_nothing(store_copy, tmp_path):
    backup = tmp_path / "backup.nq"
    bad = (f'<https://w3id.org/passerelle/id/service/nameless> '
           f'<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> '
           f'<https://w3id.org/passerelle/ontology#Service> <{ORGANISATIONS}> .\n')
    backup.write_bytes(export_nq(store_copy) + bad.encode())
    stale = tmp_path / "stale.nq"
    stale.write_text(f'<https://example.org/x> <https://example.org/p> "v" <{ORGANISATIONS}> .\n')
    run_cli("load", str(stale), "--no-validate", "--store", str(store_copy))
    before = export_nq(store_copy)
    result = run_cli("load", str(backup), "--replace", "--store", str(store_copy))
    assert result.returncode == 1
    assert "service/nameless" in result.stderr.decode()
    assert export_nq(store_copy) == before


def write_two_graphs(path: Path, triples: int, value: str) -> None:
    with path.open("w") as out:
        for i in range(triples):
            graph = "a" if i % 2 else "b"
            out.write(f'<https://example.org/s{i}> <https://example.org/p> "{value} {i}" '
                      f"<https://example.org/g/{graph}> .\n")


@pytest.mark.parametrize("delay", [0.6, 1.2, 2.0])
def test_restore_killed_midway_leaves_each_graph_whole(tmp_path, delay):
    """A killed restore leaves both graphs as they were or both as in the file, never a mix."""
    store = tmp_path / "store"
    old, new = tmp_path / "old.nq", tmp_path / "new.nq"
    write_two_graphs(old, 1_000, "old")
    write_two_graphs(new, 100_000, "new")
    assert run_cli("load", str(old), "--no-validate", "--store", str(store)).returncode == 0
    command = Path(sys.executable).with_name("passerelle")
    process = subprocess.Popen([str(command), "load", str(new), "--replace", "--no-validate",
                                "--store", str(store)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    time.sleep(delay)
    assert process.poll() is None, "the restore finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    sizes = (count(store, "https://example.org/g/a"), count(store, "https://example.org/g/b"))
    assert sizes in ((500, 500), (50_000, 50_000)), sizes
