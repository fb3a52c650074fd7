"""The Open Referral API (HSDS 3.1 ``schema/openapi.json``) over the same graph as ``/api``.

Services, organisations, services at locations, the taxonomy and its terms, each listed in the
paginated envelope and each by id, every answer valid against the official compiled schema of
its object. What is mapped and what is not: ``graph/imports/hsds_fields.py`` and the HSDS part
of the README. Services whose status the graph does not state are not listed (HSDS requires a
status); ``format`` other than ``json``, ``postcode`` and ``proximity`` are not offered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from passerelle.api.deps import StoreDep
from passerelle.api.params import DEFAULT_LANG, Lang, unprocessable
from passerelle.api.representations import not_found
from passerelle.graph.export import openreferral
from passerelle.graph.export.openreferral import Directory

router = APIRouter(prefix="/openreferral", tags=["open referral"])

Search = Annotated[str | None, Query(max_length=200, description="Words in names and "
                                     "descriptions (services: the search's full text)")]
Page = Annotated[int, Query(ge=1, le=100_000, description="Page number, from 1")]
PerPage = Annotated[int, Query(ge=1, le=100, description="Items a page, 1 to 100")]
Ident = Annotated[str | None, Query(max_length=300)]
Full = Annotated[bool, Query(description="Fully nested objects instead of one-to-one fields")]
Format = Annotated[str, Query(pattern="^json$", description="Only json is offered")]


def _query(search, taxonomy_term_id, taxonomy_id, organization_id, modified_after, page,
           per_page, lang) -> openreferral.Query | JSONResponse:
    moment = None
    if modified_after is not None:
        try:
            moment = datetime.fromisoformat(modified_after)
        except ValueError:
            return JSONResponse(unprocessable("modified_after", "not a date and time (ISO "
                                              "8601, e.g. 2026-11-27T10:00:00Z)"),
                                status_code=422)
        if moment.tzinfo is None:
            return JSONResponse(unprocessable("modified_after", "give the time zone (e.g. Z "
                                              "or +01:00)"), status_code=422)
    return openreferral.Query(search=search, taxonomy_term_id=taxonomy_term_id,
                              taxonomy_id=taxonomy_id, organization_id=organization_id,
                              modified_after=moment, page=page, per_page=per_page, lang=lang)


def _one(found: dict | None, what: str, ident: str) -> JSONResponse:
    return JSONResponse(found) if found is not None else not_found(what, ident)


@router.get("/", summary="Which HSDS version and profile this API follows")
def about(request: Request) -> JSONResponse:
    return JSONResponse(openreferral.about(str(request.base_url) + "openapi.json"))


@router.get("/services", summary="Services, paginated (one-to-one fields unless full)")
def services(store: StoreDep, search: Search = None, taxonomy_term_id: Ident = None,
             taxonomy_id: Ident = None, organization_id: Ident = None,
             modified_after: Annotated[str | None, Query(max_length=40)] = None,
             minimal: bool = False, full: Full = False, page: Page = 1, per_page: PerPage = 50,
             format: Format = "json", lang: Lang = DEFAULT_LANG) -> JSONResponse:
    """The services of the graph as HSDS 3.1, found by the same search as `/api/services`:
    `search` is its full-text `q`, `taxonomy_term_id` its `need` (a term's HSDS id, its code
    or its IRI; narrower types match too), `taxonomy_id` the service-type taxonomy's id;
    `organization_id` and `modified_after` narrow further. Services whose status the graph
    does not state are not listed, since HSDS requires one. The field map is in the README
    ("Open Referral HSDS"): kept, mapped, reported and dropped fields and why."""
    query = _query(search, taxonomy_term_id, taxonomy_id, organization_id, modified_after,
                   page, per_page, lang)
    if isinstance(query, JSONResponse):
        return query
    return JSONResponse(Directory(store, lang).services(query, full=full and not minimal,
                                                        minimal=minimal))


@router.get("/services/{id}", summary="One service, fully nested")
def service(store: StoreDep, id: str, lang: Lang = DEFAULT_LANG) -> JSONResponse:
    return _one(Directory(store, lang).service(id), "service", id)


@router.get("/organizations", summary="Organisations, paginated")
def organizations(store: StoreDep, search: Search = None, full: Full = False, page: Page = 1,
                  per_page: PerPage = 50, format: Format = "json",
                  lang: Lang = DEFAULT_LANG) -> JSONResponse:
    query = openreferral.Query(search=search, page=page, per_page=per_page, lang=lang)
    return JSONResponse(Directory(store, lang).organizations(query, full=full))


@router.get("/organizations/{id}", summary="One organisation with its services")
def organization(store: StoreDep, id: str, lang: Lang = DEFAULT_LANG) -> JSONResponse:
    return _one(Directory(store, lang).organization(id), "organization", id)


@router.get("/service_at_locations", summary="Services at their places, paginated")
def service_at_locations(store: StoreDep, search: Search = None,
                         taxonomy_term_id: Ident = None, taxonomy_id: Ident = None,
                         organization_id: Ident = None,
                         modified_after: Annotated[str | None, Query(max_length=40)] = None,
                         full: Full = False, page: Page = 1, per_page: PerPage = 50,
                         format: Format = "json", lang: Lang = DEFAULT_LANG) -> JSONResponse:
    query = _query(search, taxonomy_term_id, taxonomy_id, organization_id, modified_after,
                   page, per_page, lang)
    if isinstance(query, JSONResponse):
        return query
    return JSONResponse(Directory(store, lang).service_at_locations(query, full=full))


@router.get("/service_at_locations/{id}", summary="One service at a location, fully nested")
def service_at_location(store: StoreDep, id: str, lang: Lang = DEFAULT_LANG) -> JSONResponse:
    return _one(Directory(store, lang).service_at_location(id), "service_at_location", id)


@router.get("/taxonomies", summary="The taxonomies of the terms services are tagged with")
def taxonomies(store: StoreDep, search: Search = None, page: Page = 1, per_page: PerPage = 50,
               format: Format = "json", lang: Lang = DEFAULT_LANG) -> JSONResponse:
    query = openreferral.Query(search=search, page=page, per_page=per_page, lang=lang)
    return JSONResponse(Directory(store, lang).taxonomies(query))


@router.get("/taxonomies/{id}", summary="One taxonomy")
def taxonomy(store: StoreDep, id: str, lang: Lang = DEFAULT_LANG) -> JSONResponse:
    return _one(Directory(store, lang).taxonomy(id), "taxonomy", id)


@router.get("/taxonomy_terms", summary="The service types as taxonomy terms, paginated")
def taxonomy_terms(store: StoreDep, search: Search = None, taxonomy_id: Ident = None,
                   page: Page = 1, per_page: PerPage = 50, format: Format = "json",
                   lang: Lang = DEFAULT_LANG) -> JSONResponse:
    query = openreferral.Query(search=search, taxonomy_id=taxonomy_id, page=page,
                               per_page=per_page, lang=lang)
    return JSONResponse(Directory(store, lang).taxonomy_terms(query))


@router.get("/taxonomy_terms/{id}", summary="One taxonomy term (by HSDS id, code or IRI)")
def taxonomy_term(store: StoreDep, id: str, lang: Lang = DEFAULT_LANG) -> JSONResponse:
    return _one(Directory(store, lang).taxonomy_term(id), "taxonomy_term", id)
