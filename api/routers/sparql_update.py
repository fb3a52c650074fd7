"""SPARQL 1.1 Update at ``POST /sparql/update``: token required, validated, atomic.

The body is ``application/sparql-update``, or a form with ``update=``. How an update is checked
before it is stored is ``graph.sparql_update``'s story; this answers 200 with the graphs it
changed, 400 for what does not parse or is not allowed (LOAD, SERVICE, nesting deeper than
``query_max_depth``, the derived graph), 403 when its effect changes a vocabulary and the token is
not an admin's, 422 with the validation report when the result would break a shape.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from passerelle.api.auth import Token
from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.writing import (
    Refusal,
    media_type,
    outcome_json,
    perform,
    read_body,
    unsupported,
)
from passerelle.graph.write import sparql_update

router = APIRouter(tags=["sparql"])

UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"


def _bad(message: str) -> Refusal:
    return Refusal(JSONResponse({"detail": message}, status_code=400))


def _text(media: str, body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _bad(f"the body is not UTF-8: {error}") from None
    if media == UPDATE:
        return text
    fields = parse_qs(text, keep_blank_values=True)
    if set(fields) & {"using-graph-uri", "using-named-graph-uri"}:
        raise _bad("using-graph-uri and using-named-graph-uri are not supported: write USING "
                   "in the update")
    if len(fields.get("update", [])) != 1:
        raise _bad("send exactly one update= field")
    return fields["update"][0]


@router.post("/sparql/update", summary="Run a SPARQL Update (token required); validated and "
                                       "atomic, refused whole on any violation")
async def update(request: Request, store: StoreDep, settings: SettingsDep,
                 token: Token) -> JSONResponse:
    media = media_type(request)
    if media not in (UPDATE, FORM):
        raise unsupported(request, [UPDATE, FORM])
    text = _text(media, await read_body(request, settings.write_max_body))
    changed, outcome = await perform(request, sparql_update.run, store, text,
                                     author=token.public, base=settings.base_iri,
                                     max_depth=settings.query_max_depth,
                                     may_change_vocabularies=token.may_change_vocabularies)
    return JSONResponse({"graphs": changed, **outcome_json(outcome)})
