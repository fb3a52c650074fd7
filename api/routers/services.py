"""Service search for caseworkers, and each service by its id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from passerelle.api import explanations
from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.params import Codes, Limit, Offset, ReaderLang, unprocessable
from passerelle.api.record_routes import add_write_routes
from passerelle.api.representations import JSON_LD, not_found, respond
from passerelle.api.web import messages
from passerelle.graph.read.codes import UnknownCode
from passerelle.graph.read.facets import facets as facet_counts
from passerelle.graph.read.facets import suggestions
from passerelle.graph.read.model import SERVICES, of_kind, render
from passerelle.graph.read.search import SearchParams, compute, concept_labels, kept, search
from passerelle.graph.read.services import describe
from passerelle.graph.write import records
from passerelle.graph.write.commit import Missing

router = APIRouter(prefix="/api/services", tags=["services"])


def worded(store, items: list[dict], lang: str) -> list[dict]:
    """The items with a sentence beside each explanation rule, in the interface language
    ``lang``, the concepts named in it."""
    label = concept_labels(store, set().union(*(explanations.concepts(i.get("why", {}))
                                                for i in items)), lang)
    t = messages(lang)
    return [{**item, "why": explanations.with_text(item["why"], label, t)} if "why" in item
            else item for item in items]

@router.get("", summary="Find services by need, status, region, language and words")
async def find_services(
    request: Request,
    store: StoreDep,
    lang: ReaderLang,
    need: Annotated[Codes, Query(description="Service type code or IRI; narrower types match")]
    = [],  # noqa: B006 - FastAPI copies defaults
    status: Annotated[Codes, Query(description="Client's status; open-to-all services match")]
    = [],  # noqa: B006
    region: Annotated[Codes, Query(description="NUTS code, municipality slug or IRI")]
    = [],  # noqa: B006
    language: Annotated[Codes, Query(description="ISO 639-1 code of a language of delivery")]
    = [],  # noqa: B006
    q: Annotated[str | None, Query(max_length=200, description="Words of names, descriptions or "
                                   "need labels, in any language")]
    = None,
    open_to_all: bool = False,
    include_unknown: bool = False,
    limit: Limit = 20,
    offset: Offset = 0,
    explain: bool = False,
    near: Annotated[str | None, Query(
        max_length=100, description="LAT,LON in decimal degrees, or a municipality or region "
        "code with reference coordinates: items carry distance_km and nearer ones rank first. "
        "Measured from the service's own coordinates, else 0 when near is a code and one of "
        "its areas is that place or contains it (it serves the place), else from its area's "
        "reference point; a service with none of these has no distance and comes after the "
        "others")]
    = None,
    within_km: Annotated[float | None, Query(
        gt=0, le=20_000, description="With near: only services known to be at most this far "
        "(those with no distance are left out)")] = None,
    facets: Annotated[bool, Query(
        description="Add, for need, status, region and language, each value's count: the "
        "total of this search with that parameter set to that value")] = False,
) -> JSONResponse:
    if within_km is not None and not near:
        return JSONResponse(unprocessable("within_km", "within_km needs near"), status_code=422)
    params = SearchParams(
        need=tuple(need), status=tuple(status), region=tuple(region),
        language=tuple(language), q=q or None, open_to_all=open_to_all,
        include_unknown=include_unknown, lang=lang, limit=limit, offset=offset, explain=explain,
        near=near or None, within_km=within_km,
    )
    # Cache-Control: no-cache asks for the answer computed now, not one kept from an
    # identical earlier search (RFC 9111 §5.2.1.4): how the benchmark times first-time
    # searches, and a way to confirm a kept answer.
    fresh = "no-cache" in request.headers.get("cache-control", "").lower()
    found = None if fresh or explain or facets else kept(store, params)
    if found is not None and found.total and JSON_LD not in request.headers.get("accept", ""):
        # A kept page as plain JSON needs nothing that blocks: answered here, without the
        # hand-over to a worker thread that costs a kept answer much of its time.
        return respond(request, {"total": found.total, "limit": limit, "offset": offset,
                                 "items": found.items}, {}, lang)
    return await run_in_threadpool(answer, request, store, params, fresh, facets)


def answer(request: Request, store, params: SearchParams, fresh: bool,
           facets: bool) -> JSONResponse:
    """The search's answer, computed (``fresh``) or kept, with facet counts if asked, in a
    worker thread: it reads the store and the search index."""
    limit, offset, explain, lang = params.limit, params.offset, params.explain, params.lang
    try:
        result = (compute if fresh else search)(store, params)
    except UnknownCode as error:
        return JSONResponse(unprocessable(error.parameter, str(error)), status_code=422)
    items = result.items
    if explain:
        items = worded(store, items, lang)
    body: dict = {"total": result.total, "limit": limit, "offset": offset, "items": items}
    if facets:
        body["facets"] = facet_counts(store, params, result)
    if result.total == 0:
        body["suggestions"] = worded_suggestions(store, params, lang)
    if explain:
        body["query"] = result.query
    return respond(request, body, {}, lang)


def worded_suggestions(store, params: SearchParams, lang: str) -> list[dict]:
    """The search's suggestions with a sentence each, in the interface language ``lang``, the
    codes named in it."""
    found = suggestions(store, params)
    label = explanations.code_labels(store, lang)
    t = messages(lang)
    return [{"change": s.change, "total": s.total,
             "text": explanations.suggestion(s, label, t)} for s in found]


@router.get("/{id:path}", summary="One service by slug or IRI, as the search lists it")
def service(request: Request, store: StoreDep, settings: SettingsDep, id: str,
            lang: ReaderLang) -> JSONResponse:
    try:
        iri = records.iri_for(records.SERVICES, id, settings.base_iri)
    except Missing:
        return not_found("service", id)
    described = describe(store, [iri])
    if not of_kind(SERVICES, described, iri):
        return not_found("service", id)
    return respond(request, render(SERVICES, described, iri, lang), {}, lang)


add_write_routes(router, records.SERVICES)
