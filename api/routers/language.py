"""The language switch: ``GET /language?lang=CODE&next=PATH`` remembers the reader's choice in a
cookie and sends them back to the page they were on, in that language.

It is a plain link, so the switch works without JavaScript; ``next`` must be a path on this site
(a full URL or ``//host`` is refused), so the switch cannot send a reader elsewhere.
"""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, RedirectResponse

from passerelle.api.params import unprocessable
from passerelle.api.web import COOKIE, COOKIE_AGE, INTERFACE_CODES, interface_code

router = APIRouter(include_in_schema=False)


def _local(target: str) -> bool:
    return target.startswith("/") and not target.startswith("//") and "\\" not in target \
        and not any(ord(c) < 0x20 for c in target)


@router.get("/language")
def choose(lang: str = Query(max_length=35), next: str = Query("/", max_length=4000)):
    code = interface_code(lang)
    if code is None:
        return JSONResponse(unprocessable(
            "lang", f"unknown interface language {lang[:35]!r}; choose one of "
            + ", ".join(sorted(INTERFACE_CODES))), status_code=422)
    if not _local(next):
        return JSONResponse(unprocessable("next", "next must be a path on this site, "
                                          "starting with a single /"), status_code=422)
    response = RedirectResponse(next, status_code=303)
    response.set_cookie(COOKIE, code, max_age=COOKIE_AGE, path="/", samesite="lax")
    return response
