"""Query parameters shared by the read endpoints, with the bounds that make a 422 name them."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

from passerelle.api.web import choose_language
from passerelle.settings import Settings

LANG_PATTERN = r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$"
DEFAULT_LANG = Settings.languages.default
CHAINS = ", ".join(f"{code}: {' → '.join(Settings.languages.chain(code))}"
                   for code in Settings.languages.codes)
"""Each language's fallback chain, as the parameter's documentation states it."""

Lang = Annotated[str, Query(
    pattern=LANG_PATTERN, max_length=35,
    description="Language of names and labels (BCP 47 tag). A text missing in it falls back "
                "along the language's chain (" + CHAINS + "); a malformed tag is a 422.")]
"""The one language parameter of every endpoint: any well-formed tag, with fallback."""


async def reader_language(request: Request, lang: Annotated[str | None, Query(
        pattern=LANG_PATTERN, max_length=35,
        description="Language of names, labels and sentences (BCP 47 tag). Without it, the "
                    "language cookie set by the language switch (/language), then the best "
                    "of Accept-Language by q-value, then " + DEFAULT_LANG + ". A language "
                    "Passerelle does not speak is passed over for the next of these; a text "
                    "missing in the chosen language falls back along its chain (" + CHAINS
                    + "); a malformed tag is a 422.")]
        = None) -> str:
    """The language a JSON answer is written in: the pages' one chooser
    (``web.choose_language``), so an API call and a page read with the same parameter, cookie
    and headers speak the same language. ``lang`` is declared here only so that it is
    documented and a malformed tag is a 422. A coroutine, as it only reads the request
    (``deps``)."""
    return choose_language(request)


ReaderLang = Annotated[str, Depends(reader_language)]
"""The one language of every JSON endpoint: an interface language, chosen as pages choose it.
Its answers say it in ``Content-Language`` and vary on the headers that chose it
(``representations.respond``)."""
Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1 to 100")]
Offset = Annotated[int, Query(ge=0, le=100_000, description="Items to skip")]
Codes = Annotated[list[str], Query(max_length=20)]


def unprocessable(parameter: str, message: str) -> dict:
    """The body of a 422 in FastAPI's own shape, so clients read one error format."""
    return {"detail": [{"loc": ["query", parameter], "msg": message, "type": "value_error"}]}
