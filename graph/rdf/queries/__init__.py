"""SPARQL questions as ``.rq`` files named after what they ask, read by the code that runs them."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def text(name: str) -> str:
    """The text of ``{name}.rq`` (``examples/...`` for the researchers' example questions)."""
    return resources.files(__package__).joinpath(f"{name}.rq").read_text(encoding="utf-8")
