"""Practices, projects and pilot actions: the list, and each one with its parts and services."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.params import Limit, Offset
from passerelle.api.representations import Lang, not_found, respond
from passerelle.graph import entities

router = APIRouter(prefix="/api/practices", tags=["practices"])
KIND = entities.PRACTICES


@router.get("", summary="Practices, projects and pilot actions, by name")
def list_practices(request: Request, store: StoreDep, lang: Lang = "en",
                   limit: Limit = 20, offset: Offset = 0) -> JSONResponse:
    body = {**entities.page(store, KIND, limit, offset, lang), "limit": limit, "offset": offset}
    return respond(request, body, entities.context(KIND))


@router.get("/{id:path}",
            summary="One practice by slug or IRI: funding, partners, region, dates, parts")
def practice(request: Request, store: StoreDep, settings: SettingsDep, id: str,
             lang: Lang = "en") -> JSONResponse:
    iri = entities.resolve(store, KIND, id, settings.base_iri)
    if iri is None:
        return not_found(KIND.name, id)
    return respond(request, entities.details(store, KIND, iri, lang), entities.context(KIND))
