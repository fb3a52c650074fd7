"""POST, PUT and DELETE for the record endpoints (``/api/services``, ``/api/organisations``).

Both kinds of record take the same steps, so one function adds the three routes to a router:
a token, a JSON body shaped like the read model, then ``graph.records`` does the rest.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from passerelle.api.auth import Author
from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.writing import (
    media_type,
    outcome_json,
    parse_json,
    perform,
    read_body,
    unsupported,
)
from passerelle.graph.store.base import Store
from passerelle.graph.write import records
from passerelle.graph.write.mapping import field_error
from passerelle.settings import Settings

EXAMPLES = {
    "service": {
        "id": "example-language-cafe", "lang": "en",
        "name": {"en": "Language café", "fr": "Café des langues"},
        "provider": "au-maquis", "service_types": ["language"],
        "eligibility": {"state": "open-to-all"}, "areas": ["lauris"], "languages": ["fr"],
        "cost": "free", "last_verified": "2026-11-27", "free": True,
        "contact": {"telephone": "+33490000000", "email": "cafe@example.org"},
        "address": {"locality": "Lauris", "region": "FRL06", "country": "FR"},
        "hours": [{"days": ["tu", "th"], "opens": "09:00", "closes": "12:00"}],
        "documents": {"en": ["proof of address"]}, "age": {"min": 16},
    },
    "organisation": {
        "id": "example-association", "name": {"en": "Example association"},
        "kind": "organisation", "types": ["association"], "homepage": "https://example.org/",
        "regions": ["FRL06"],
    },
}


async def json_body(request: Request, settings: Settings) -> bytes:
    """The body, undecoded: it is decoded on the write queue, off the event loop."""
    media = media_type(request)
    if media != "application/json" and not media.endswith("+json"):
        raise unsupported(request, ["application/json"])
    return await read_body(request, settings.write_max_body)


def _record(body: bytes) -> dict:
    """The decoded body, which must be an object (``null`` would mean "no record")."""
    record = parse_json(body)
    if not isinstance(record, dict):
        raise field_error("body", "send a JSON object")
    return record


def _create(store: Store, kind: records.Kind, body: bytes, **options) -> records.Written:
    return records.create(store, kind, _record(body), **options)


def _replace(store: Store, kind: records.Kind, ident: str, body: bytes, **options
             ) -> records.Written:
    return records.replace(store, kind, ident, _record(body), **options)


def _answer(kind: records.Kind, written: records.Written, base: str, status: int
            ) -> JSONResponse:
    slug = written.iri[len(base + kind.namespace):]
    return JSONResponse(
        {"id": written.iri, "graph": written.graph, **outcome_json(written.outcome)},
        status_code=status, headers={"Location": f"/api/{kind.name}s/{slug}"})


def add_write_routes(router: APIRouter, kind: records.Kind) -> None:
    body_doc = {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"type": "object"}, "example": EXAMPLES[kind.name]}}}}

    @router.post("", status_code=201, openapi_extra=body_doc, name=f"create-{kind.name}",
                 summary=f"Create a {kind.name} (token required); 409 if its id exists")
    async def create(request: Request, store: StoreDep, settings: SettingsDep,
                     author: Author) -> JSONResponse:
        body = await json_body(request, settings)
        written = await perform(request, _create, store, kind, body, base=settings.base_iri,
                                author=author)
        return _answer(kind, written, settings.base_iri, 201)

    @router.put("/{id:path}", openapi_extra=body_doc, name=f"replace-{kind.name}",
                summary=f"Create or replace a {kind.name} by slug or IRI (token required)")
    async def replace(request: Request, store: StoreDep, settings: SettingsDep, author: Author,
                      id: str) -> JSONResponse:
        body = await json_body(request, settings)
        written = await perform(request, _replace, store, kind, id, body,
                                base=settings.base_iri, author=author)
        return _answer(kind, written, settings.base_iri, 201 if written.created else 200)

    @router.delete("/{id:path}", status_code=204, name=f"delete-{kind.name}",
                   summary=f"Delete a {kind.name} (token required); refused while still "
                           "referenced")
    async def delete(request: Request, store: StoreDep, settings: SettingsDep, author: Author,
                     id: str) -> Response:
        await perform(request, records.delete, store, kind, id, base=settings.base_iri,
                      author=author)
        return Response(status_code=204)
