"""The read routes every entity resource has: its list, and one entity by slug or IRI.

Organisations, practices and events differ only in which kind of entity they read and how their
routes are described, so each router names its kind and this module adds the two routes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.params import Limit, Offset, ReaderLang
from passerelle.api.representations import not_found, respond
from passerelle.graph.read import entities, model


def add_read_routes(router: APIRouter, kind: model.Kind, *, list_summary: str,
                    item_summary: str) -> None:
    @router.get("", summary=list_summary)
    def list_entities(request: Request, store: StoreDep, lang: ReaderLang,
                      limit: Limit = 20, offset: Offset = 0) -> JSONResponse:
        body = {**entities.page(store, kind, limit, offset, lang), "limit": limit,
                "offset": offset}
        return respond(request, body, model.context(kind), lang)

    @router.get("/{id:path}", summary=item_summary)
    def entity(request: Request, store: StoreDep, settings: SettingsDep, id: str,
               lang: ReaderLang) -> JSONResponse:
        iri = entities.resolve(store, kind, id, settings.base_iri)
        if iri is None:
            return not_found(kind.name, id)
        return respond(request, entities.details(store, kind, iri, lang),
                       model.context(kind), lang)
