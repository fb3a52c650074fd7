"""The loader: parse first, validate the batch, write once; a killed load leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from passerelle.errors import PasserelleError
from passerelle.graph.store.bundle import open_store
from passerelle.graph.write.loader import ValidationFailed, load
from tests.conftest import DATA, run_cli

INVALID = sorted((DATA / "invalid").glob("*.ttl"))


def quad_count(path: Path) -> int:
    return open_store(path).count()


def test_invalid_file_leaves_store_unchanged(tmp_path):
    store = open_store(tmp_path / "s")
    before = sorted(map(str, store.quads()))
    with pytest.raises(ValidationFailed) as failure:
        load(store, [*sorted((DATA / "valid").glob("*.ttl")), INVALID[0]])
    assert failure.value.report.violations
    assert sorted(map(str, store.quads())) == before


def test_parse_error_in_last_file_stores_nothing(tmp_path):
    store = open_store(tmp_path / "s")
    before = store.count()
    bad = tmp_path / "broken.nt"
    bad.write_text("<http://example.org/a> <http://example.org/b> .\n")
    with pytest.raises(PasserelleError, match="broken.nt: line 1"):
        load(store, [*sorted((DATA / "valid").glob("*.ttl")), bad], validate_first=False)
    assert store.count() == before


def test_every_format_of_the_table_loads(tmp_path, seeded_store):
    from passerelle.graph.rdf import formats

    source = open_store(seeded_store)
    for fmt in formats.FORMATS:
        path = tmp_path / f"dump.{fmt.extension}"
        path.write_bytes(source.dump(fmt))
        target = open_store(tmp_path / f"store-{fmt.name}")
        result = load(target, [path], validate_first=False)
        assert result.triples > 1000, fmt.name


@pytest.mark.parametrize("name, body", [
    ("deep.jsonld", b'{"@id": "http://example.org/a", "http://example.org/p":\n'
     + b'{"http://example.org/p": ' * 5000 + b"1" + b"}" * 5001),
    ("deep.ttl", b"<http://example.org/a> <http://example.org/p>\n"
     + b"<<( <http://example.org/a> <http://example.org/p> " * 50_000 + b"1" + b" )>>" * 50_000
     + b" ."),
    ("entities.rdf", b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY a "aaaa">]>\n<r>&a;</r>'),
])
def test_cli_load_refuses_what_would_crash_the_parser(tmp_path, name, body):
    """Before the screen, the first two ended the process with a stack overflow."""
    store = tmp_path / "store"
    open_store(store)
    before = quad_count(store)
    path = tmp_path / name
    path.write_bytes(body)
    result = run_cli("load", str(path), "--store", str(store))
    message = result.stderr.decode()
    assert result.returncode == 2, message
    assert f"{name}: line 2" in message and "Traceback" not in message, message
    assert ("nested deeper than 100" in message) != ("<!DOCTYPE>" in message), message
    assert quad_count(store) == before


BIG_LOAD = """
import sys
from pathlib import Path
from passerelle.graph.store.bundle import open_store
from passerelle.graph.write.loader import load
store = open_store(Path(sys.argv[1]))
print("ready", flush=True)
load(store, [Path(sys.argv[2])], validate_first=False)
print("done", flush=True)
"""


def write_big_file(path: Path, triples: int) -> None:
    with path.open("w") as out:
        for i in range(triples):
            out.write(f"<https://example.org/s{i}> <https://example.org/p> \"value {i}\" .\n")


@pytest.mark.parametrize("delay", [0.2, 0.8, 1.6, 3.0])
def test_load_killed_with_sigkill_leaves_store_as_before(tmp_path, delay):
    store_dir = tmp_path / "store"
    before = quad_count(store_dir)
    big = tmp_path / "big.nt"
    write_big_file(big, 300_000)
    process = subprocess.Popen([sys.executable, "-c", BIG_LOAD, str(store_dir), str(big)],
                               stdout=subprocess.PIPE, env=os.environ.copy())
    assert process.stdout.readline().strip() == b"ready"
    time.sleep(delay)
    still_running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = quad_count(store_dir)
    if still_running:
        assert after in (before, before + 300_000), "a killed load left part of its data"
    else:
        assert after == before + 300_000


def test_at_least_one_kill_lands_mid_load(tmp_path):
    """Guards the test above: a load of this size is not instantaneous, so kills land mid-way."""
    store_dir = tmp_path / "store"
    before = quad_count(store_dir)
    big = tmp_path / "big.nt"
    write_big_file(big, 300_000)
    process = subprocess.Popen([sys.executable, "-c", BIG_LOAD, str(store_dir), str(big)],
                               stdout=subprocess.PIPE)
    assert process.stdout.readline().strip() == b"ready"
    time.sleep(0.2)
    assert process.poll() is None, "the load finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert quad_count(store_dir) == before
