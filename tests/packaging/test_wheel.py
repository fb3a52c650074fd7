"""The built wheel holds every file of the tree it installs: a new subpackage, query, template or
message file cannot be left out of it by a hand-written list."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"passerelle": "passerelle", "graph": "passerelle/graph", "api": "passerelle/api",
           "ontology": "passerelle/ontology", "shapes": "passerelle/shapes"}
SKIPPED = {"__pycache__", "node_modules"}


def _tracked() -> set[str]:
    listed = subprocess.run(["git", "ls-files", *FOLDERS], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
    expected = set()
    for name in listed:
        top, _, rest = name.partition("/")
        if not SKIPPED & set(Path(name).parts):
            expected.add(f"{FOLDERS[top]}/{rest}")
    return expected


@pytest.fixture(scope="module")
def names(tmp_path_factory) -> set[str]:
    """The names of the files in a wheel built from this tree."""
    folder = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "-w", str(folder), str(ROOT)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    return set(zipfile.ZipFile(next(folder.glob("passerelle-*.whl"))).namelist())


def test_wheel_holds_every_file_of_the_tree(names):
    expected = _tracked()
    assert len(expected) > 100
    assert {n for n in expected if n.endswith((".py", ".rq", ".ttl", ".html", ".json", ".csv"))}
    missing = sorted(expected - names)
    assert missing == [], f"{len(missing)} files of the tree are not in the wheel: {missing[:10]}"


def test_wheel_holds_a_compiled_catalogue_for_every_translation(names):
    """The ``.mo`` files are built, not committed: the wheel compiles one for each ``.po``."""
    catalogues = sorted(n for n in _tracked() if n.endswith("/messages.po"))
    assert len(catalogues) == 10
    missing = [n for n in catalogues if n.removesuffix(".po") + ".mo" not in names]
    assert missing == []
