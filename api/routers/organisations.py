"""Organisations: the list, and each one with its services, practices, platforms and events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.params import Limit, Offset
from passerelle.api.record_routes import add_write_routes
from passerelle.api.representations import Lang, not_found, respond
from passerelle.graph import entities, records

router = APIRouter(prefix="/api/organisations", tags=["organisations"])
KIND = entities.ORGANISATIONS


@router.get("", summary="Organisations, by name")
def list_organisations(request: Request, store: StoreDep, lang: Lang = "en",
                       limit: Limit = 20, offset: Offset = 0) -> JSONResponse:
    body = {**entities.page(store, KIND, limit, offset, lang), "limit": limit, "offset": offset}
    return respond(request, body, entities.context(KIND))


@router.get("/{id:path}", summary="One organisation by slug or IRI, with what it does")
def organisation(request: Request, store: StoreDep, settings: SettingsDep, id: str,
                 lang: Lang = "en") -> JSONResponse:
    iri = entities.resolve(store, KIND, id, settings.base_iri)
    if iri is None:
        return not_found(KIND.name, id)
    return respond(request, entities.details(store, KIND, iri, lang), entities.context(KIND))


add_write_routes(router, records.ORGANISATIONS)
