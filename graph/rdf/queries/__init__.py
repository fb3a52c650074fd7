"""SPARQL questions as ``.rq`` files named after what they ask, read by the code that runs them.

A file may include another with a line ``#include NAME``: the line is replaced by the text of
``NAME.rq``, indented as the line was. A rule several questions share (who is eligible:
``service-eligibility``) is then written once, and each question states it the same way.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

INCLUDE = "#include "


@cache
def text(name: str) -> str:
    """The text of ``{name}.rq`` (``examples/...`` for the researchers' example questions), with
    its ``#include`` lines replaced by the files they name."""
    raw = resources.files(__package__).joinpath(f"{name}.rq").read_text(encoding="utf-8")
    return expand(raw)


def expand(sparql: str, seen: tuple[str, ...] = ()) -> str:
    """``sparql`` with each ``#include NAME`` line replaced by ``NAME.rq`` (expanded in turn);
    a file that includes itself, directly or not, is an error."""
    lines = []
    for line in sparql.splitlines():
        stripped = line.strip()
        if not stripped.startswith(INCLUDE):
            lines.append(line)
            continue
        name = stripped.removeprefix(INCLUDE).strip()
        if name in seen:
            raise ValueError(f"{name}.rq includes itself")
        indent = line[:len(line) - len(line.lstrip())]
        included = resources.files(__package__).joinpath(f"{name}.rq").read_text(
            encoding="utf-8")
        lines.extend(indent + part if part else part
                     for part in expand(included, (*seen, name)).splitlines())
    return "\n".join(lines) + ("\n" if sparql.endswith("\n") else "")
