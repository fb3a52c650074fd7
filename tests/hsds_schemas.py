"""The official HSDS schemas, read from PASSERELLE_STANDARDS_DIR (never copied), made strict the
way Open Referral validates its own examples: ``additionalProperties: false`` on every object,
Draft 2020-12, formats checked (uuid, uri, email, date-time)."""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import ROOT

STANDARDS = Path(os.environ.get("PASSERELLE_STANDARDS_DIR")
                 or ROOT / ".." / "shared" / "standards")
VERSIONS = ("hsds-3.0.1", "hsds-3.1")
FORMATS = {"uuid", "uri", "email", "date-time"}
"""The formats HSDS uses, each of which must really be checked."""


def folder(version: str = "hsds-3.1") -> Path:
    path = STANDARDS / version
    if not (path / "schema" / "compiled").is_dir():
        pytest.fail(f"official HSDS files not found in {path}; set PASSERELLE_STANDARDS_DIR")
    return path


def _strict(schema):
    if isinstance(schema, dict):
        if isinstance(schema.get("properties"), dict) and schema.get("type", "object") == "object":
            schema["additionalProperties"] = False
        for value in schema.values():
            _strict(value)
    elif isinstance(schema, list):
        for value in schema:
            _strict(value)
    return schema


@cache
def validator(name: str, version: str = "hsds-3.1") -> Draft202012Validator:
    """The strict validator of ``schema/compiled/{name}.json`` (or ``schema/{name}.json``)."""
    base = folder(version) / "schema"
    path = base / "compiled" / f"{name}.json"
    if not path.exists():
        path = base / f"{name}.json"
    schema = _strict(copy.deepcopy(json.loads(path.read_text(encoding="utf-8"))))
    Draft202012Validator.check_schema(schema)
    checker = Draft202012Validator.FORMAT_CHECKER
    missing = FORMATS - set(checker.checkers)
    if missing:
        pytest.fail(f"format checks {sorted(missing)} unavailable: install the test extra")
    return Draft202012Validator(schema, format_checker=checker)


def errors(name: str, instance) -> list[str]:
    """Each error as "path: message", empty when the instance is valid."""
    return [f"{e.json_path}: {e.message}" for e in validator(name).iter_errors(instance)]


def page_errors(name: str, body) -> list[str]:
    """The errors of a paginated answer: its envelope and each item against ``name``."""
    problems = []
    envelope = {"total_items": int, "total_pages": int, "page_number": int, "size": int,
                "first_page": bool, "last_page": bool, "empty": bool, "contents": list}
    for key, kind in envelope.items():
        if not isinstance(body.get(key), kind):
            problems.append(f"$.{key}: missing or not {kind.__name__}")
    for n, item in enumerate(body.get("contents") or []):
        problems += [f"$.contents[{n}]{e[1:]}" for e in errors(name, item)]
    return problems
