"""The first hour of a newcomer: `make test` without the shared folders, `make clean`, `serve`'s
first lines and a taken port, each answered in plain words."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT, run_cli
from tests.servers import free_port

WITHOUT_SHARED = {k: v for k, v in os.environ.items()
                  if k not in ("PASSERELLE_STANDARDS_DIR", "PASSERELLE_CONFORMANCE_DIR")}


def _clone(tmp_path: Path) -> Path:
    """The files `make` reads, in a folder with no ../shared beside it and no .venv."""
    clone = tmp_path / "deep" / "clone"
    clone.mkdir(parents=True)
    shutil.copy(ROOT / "Makefile", clone)
    shutil.copy(ROOT / "pyproject.toml", clone)
    return clone


def test_make_test_without_shared_folders_stops_at_once_naming_them(tmp_path):
    clone = _clone(tmp_path)
    done = subprocess.run(["make", "test"], cwd=clone, env=WITHOUT_SHARED, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode != 0
    for name in ("PASSERELLE_STANDARDS_DIR", "PASSERELLE_CONFORMANCE_DIR",
                 "../shared/standards", "../shared/conformance"):
        assert name in done.stderr
    assert not (clone / ".venv").exists()  # it stopped before installing anything


def test_make_test_goes_on_when_the_variables_name_the_folders(tmp_path):
    standards = tmp_path / "s" / "cpsv-ap-3.2.0" / "shacl"
    conformance = tmp_path / "c" / "w3c-sparql11" / "protocol"
    standards.mkdir(parents=True)
    conformance.mkdir(parents=True)
    (standards / "cpsv-ap-SHACL.ttl").touch()
    (conformance / "manifest.ttl").touch()
    done = subprocess.run(["make", "-n", "check-shared", f"PASSERELLE_STANDARDS_DIR={tmp_path}/s",
                           f"PASSERELLE_CONFORMANCE_DIR={tmp_path}/c"], cwd=_clone(tmp_path),
                          env=WITHOUT_SHARED, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0
    done = subprocess.run(["make", "check-shared", f"PASSERELLE_STANDARDS_DIR={tmp_path}/s",
                           f"PASSERELLE_CONFORMANCE_DIR={tmp_path}/c"], cwd=tmp_path / "deep" /
                          "clone", env=WITHOUT_SHARED, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_make_clean_says_where_the_data_is_and_reset_data_removes_it(tmp_path):
    clone = _clone(tmp_path)
    data = tmp_path / "data"
    (data / "store").mkdir(parents=True)
    env = {**WITHOUT_SHARED, "PASSERELLE_DATA_DIR": str(data)}
    clean = subprocess.run(["make", "clean"], cwd=clone, env=env, capture_output=True,
                           text=True, timeout=30)
    assert clean.returncode == 0
    assert str(data) in clean.stdout and "make reset-data" in clean.stdout
    assert data.exists()
    reset = subprocess.run(["make", "reset-data"], cwd=clone, env=env, capture_output=True,
                           text=True, timeout=30)
    assert reset.returncode == 0 and not data.exists()


def test_serve_on_a_taken_port_is_one_line_naming_the_option(store_copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("serve", "--store", str(store_copy), "--port", str(port), timeout=60)
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert len(lines) == 1, lines
    assert f"port {port}" in lines[0] and "--port" in lines[0]


def test_serve_prints_the_url_to_open_and_what_is_there(store_copy):
    port = free_port()
    command = Path(sys.executable).with_name("passerelle")
    process = subprocess.Popen([str(command), "serve", "--store", str(store_copy),
                                "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        first = [process.stdout.readline() for _ in range(4)]
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert f"open http://127.0.0.1:{port}/" in first[0]
    assert any("/sparql" in line for line in first) and any("/docs" in line for line in first)


def test_licence_is_an_spdx_expression():
    """A table here makes setuptools print a deprecation screen on every install."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "EUPL-1.2"
