"""Query parameters shared by the read endpoints, with the bounds that make a 422 name them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from passerelle.settings import Settings

LANG_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
DEFAULT_LANG = Settings.languages.default

Lang = Annotated[str, Query(
    pattern=LANG_PATTERN, max_length=35,
    description="Language of names and labels (BCP 47 tag). A text missing in it falls back "
                "along the language's chain (" + ", ".join(
                    f"{code}: {' → '.join(Settings.languages.chain(code))}"
                    for code in Settings.languages.codes) + "); a malformed tag is a 422.")]
"""The one language parameter of every endpoint: any well-formed tag, with fallback."""
Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1 to 100")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Items to skip")]
Codes = Annotated[list[str], Query(max_length=20)]


def unprocessable(parameter: str, message: str) -> dict:
    """The body of a 422 in FastAPI's own shape, so clients read one error format."""
    return {"detail": [{"loc": ["query", parameter], "msg": message, "type": "value_error"}]}
