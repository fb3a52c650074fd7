"""The graph layer knows nothing of HTTP: no web framework, no status code, in code or in prose.

Why: ``graph/`` is used by the CLI, the importers and the benchmark as well as by the API; a
refusal carries a kind (``commit.REFUSAL_KINDS``) and an explanation carries codes, and only
``api/`` turns them into statuses and sentences. A status written in ``graph/`` is a second
place that must change when the API's answer does, and it is the API's to choose.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

GRAPH = Path(__file__).parents[2] / "graph"
FRAMEWORKS = {"fastapi", "starlette", "uvicorn", "http"}
HTTP_NAMES = {"status_code", "HTTPStatus", "HTTPException", "http_status"}
STATUSES = "400 401 403 404 405 406 409 410 411 413 414 415 422 429 500 501 502 503 504"
STATUS_IN_TEXT = re.compile(r"\bHTTP\b|(?<![\w,.:/-])(?:" + STATUSES.replace(" ", "|")
                            + r")(?![\w,:/%-]|\.\d)")


def problems(source: str) -> list[str]:
    """What in ``source`` speaks HTTP: a framework imported, a status named or assigned, a
    status or the word HTTP in a string or a comment."""
    found = []
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names
                      if a.name.split(".")[0] in FRAMEWORKS]
        elif isinstance(node, ast.ImportFrom) and node.module \
                and node.module.split(".")[0] in FRAMEWORKS:
            found.append(f"imports from {node.module}")
        elif isinstance(node, ast.Name) and node.id in HTTP_NAMES \
                or isinstance(node, ast.Attribute) and node.attr in HTTP_NAMES \
                or isinstance(node, ast.keyword) and node.arg in HTTP_NAMES:
            found.append(f"line {node.lineno}: names {ast.unparse(node)[:60]}")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, int) and 100 <= node.value.value < 600 \
                and any("status" in ast.unparse(t).lower() for t in node.targets):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and STATUS_IN_TEXT.search(node.value.replace("http://", "")
                                          .replace("https://", "")):
            found.append(f"line {node.lineno}: text {node.value[:80]!r}")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and STATUS_IN_TEXT.search(token.string):
            found.append(f"line {token.start[0]}: comment {token.string[:80]!r}")
    return found


MODULES = sorted(GRAPH.rglob("*.py"))


def test_every_module_is_checked():
    assert len(MODULES) >= 40
    assert {p.parent.name for p in MODULES} >= {"rdf", "store", "validation", "write", "imports",
                                                 "export", "read", "endpoint"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(GRAPH)))
def test_graph_module_speaks_no_http(path):
    assert problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("source", [
    "from fastapi import Request\n",
    "import starlette.responses\n",
    "from http import HTTPStatus\n",
    "class Refused(Exception):\n    status = 409\n",
    "raise Error(message, status_code=422)\n",
    '"""Raises Missing: the endpoint answers 404."""\n',
    "x = 1  # the client gets its 503\n",
    '"""Parsing and HTTP content negotiation."""\n',
])
def test_the_check_finds_http(source):
    assert problems(source)


@pytest.mark.parametrize("source", [
    "for start in range(0, len(items), 500):\n    pass\n",
    '"""1,500 concepts in a chain."""\n',
    'IRI = "http://example.org/404"\n',
])
def test_the_check_lets_numbers_be_numbers(source):
    assert problems(source) == []
