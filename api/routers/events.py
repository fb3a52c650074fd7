"""Events: the list (most recent first), and each one with organisers and what was presented."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.params import Limit, Offset
from passerelle.api.representations import Lang, not_found, respond
from passerelle.graph import entities

router = APIRouter(prefix="/api/events", tags=["events"])
KIND = entities.EVENTS


@router.get("", summary="Events, most recent first")
def list_events(request: Request, store: StoreDep, lang: Lang = "en",
                limit: Limit = 20, offset: Offset = 0) -> JSONResponse:
    body = {**entities.page(store, KIND, limit, offset, lang), "limit": limit, "offset": offset}
    return respond(request, body, entities.context(KIND))


@router.get("/{id:path}",
            summary="One event by slug or IRI: date, mode, participants, organisers, practices")
def event(request: Request, store: StoreDep, settings: SettingsDep, id: str,
          lang: Lang = "en") -> JSONResponse:
    iri = entities.resolve(store, KIND, id, settings.base_iri)
    if iri is None:
        return not_found(KIND.name, id)
    return respond(request, entities.details(store, KIND, iri, lang), entities.context(KIND))
