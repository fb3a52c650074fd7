"""How the read endpoints answer: JSON or JSON-LD by content negotiation, 404 and 406 bodies.

Organisations, practices, events and the vocabularies share these, so they all negotiate,
name their parameters in errors and vary on ``Accept`` the same way.
"""

from __future__ import annotations

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse

from passerelle.api import jsonld
from passerelle.api.web import language_headers
from passerelle.graph.rdf import formats

JSON = "application/json"
JSON_LD = "application/ld+json"
VARY = {"Vary": "Accept"}
CONTEXT_LINK = {"Link": '</context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; '
                        'type="application/ld+json"'}

class FastJSON(JSONResponse):
    """JSON written by orjson: the same compact UTF-8 text as ``JSONResponse``, several times
    faster on the large bodies of searches with facet counts (thousands of region rows), whose
    encoding took longer than counting them. A body orjson cannot write (an integer beyond 64
    bits) is written as ``JSONResponse`` writes it."""

    def render(self, content) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            return super().render(content)


def respond(request: Request, body: dict, terms: dict, lang: str | None = None) -> JSONResponse:
    """``body`` as JSON (the default, linked to the API's context) or, when asked for, as
    JSON-LD with ``terms`` added to the context and only the store's own statements; 406 when
    the client accepts neither. A body written in the reader's language ``lang`` (labels,
    sentences) says so and varies on what chose it."""
    media = formats.negotiate(request.headers.get("accept"), [JSON, JSON_LD], default=JSON)
    if media is None:
        return JSONResponse({"detail": f"acceptable media types: {JSON}, {JSON_LD}"},
                            status_code=406, headers=VARY)
    headers = language_headers(lang) if lang else VARY
    if media == JSON_LD:
        content = jsonld.faithful(request.app.state.store, body, terms)
        return FastJSON(content, media_type=JSON_LD, headers=headers)
    return FastJSON(body, headers={**headers, **CONTEXT_LINK})


def not_found(what: str, ident: str) -> JSONResponse:
    return JSONResponse({"detail": f"no {what} {ident[:200]!r}"}, status_code=404, headers=VARY)
