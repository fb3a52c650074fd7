"""The open-data side: the DCAT-AP catalogue, the dumps it lists, the vocabulary, the context.

Dumps and catalogue come from a cache keyed on the store's content (``dumps.Cache`` on
``app.state``), so a download is a copy of bytes already made and the checksums the catalogue
states are those of the bytes served.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from passerelle.api import jsonld, ontology_doc
from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.web import choose_language, language_headers
from passerelle.graph.export import catalog, dumps
from passerelle.graph.rdf import formats

router = APIRouter(tags=["open data"])

RDF_OFFERS = [formats.by_name(n).media_type for n in ("ttl", "jsonld", "rdfxml")]
VARY = {"Vary": "Accept"}


def _cache(request: Request) -> dumps.Cache:
    state = request.app.state
    if not hasattr(state, "exports"):
        state.exports = dumps.Cache(dumps.private_graphs(state.settings))
    return state.exports


def _not_acceptable(offers: list[str]) -> JSONResponse:
    return JSONResponse({"detail": f"acceptable media types: {', '.join(offers)}"},
                        status_code=406, headers=VARY)


@router.get("/catalog", summary="DCAT-AP 3 description of the dataset, its files and services")
def get_catalog(request: Request, store: StoreDep, settings: SettingsDep) -> Response:
    media = formats.negotiate(request.headers.get("accept"), RDF_OFFERS, default=RDF_OFFERS[0])
    if media is None:
        return _not_acceptable(RDF_OFFERS)
    fmt = formats.by_media_type(media)
    body = _cache(request).derived(
        store, f"catalog.{fmt.name}",
        lambda files: catalog.build(store, settings, files).serialize(format=fmt.rdflib,
                                                                      encoding="utf-8"))
    return Response(body, media_type=fmt.media_type, headers=VARY)


@router.get("/export/{name}", summary="A dump of the graph, or the CPSV-AP profile")
def get_export(name: str, request: Request, store: StoreDep) -> Response:
    files = _cache(request).files(store)
    dump = files.get(name)
    if dump is None:
        return JSONResponse({"detail": f"no file {name[:100]!r}; files: {', '.join(files)}"},
                            status_code=404)
    return Response(dump.data, media_type=dump.fmt.media_type,
                    headers={"Content-Disposition": f'attachment; filename="{dump.name}"',
                             "ETag": f'"{dump.sha256}"'})


ONTOLOGY_FORMATS = tuple(formats.by_name(n) for n in ("ttl", "rdfxml", "jsonld", "nt"))
ONTOLOGY_OFFERS = ["text/html", *(f.media_type for f in ONTOLOGY_FORMATS)]
"""HTML first for browsers; RDF clients name an RDF type first (OWL API tools send
``application/rdf+xml`` first and ``*/*`` last), so they get RDF."""
OntologyFormat = Annotated[Literal["html", "ttl", "rdfxml", "jsonld", "nt"] | None,
                           Query(description="Overrides Accept: html, ttl, rdfxml, jsonld or nt")]


def _ontology(request: Request, format: str | None, module: str | None) -> Response:
    if format == "html":
        media = "text/html"
    elif format is not None:
        media = formats.by_name(format).media_type
    else:
        media = formats.negotiate(request.headers.get("accept"), ONTOLOGY_OFFERS,
                                  default="text/html")
    if media is None:
        return _not_acceptable(ONTOLOGY_OFFERS)
    if media == "text/html":
        lang = choose_language(request)
        return HTMLResponse(ontology_doc.html(lang), headers=language_headers(lang))
    fmt = formats.by_media_type(media)
    return Response(ontology_doc.serialize(fmt.rdflib, module), media_type=fmt.media_type,
                    headers=VARY)


@router.get("/ontology", summary="The vocabulary: HTML for people, RDF for machines",
            responses={200: {"content": {m: {} for m in ONTOLOGY_OFFERS}}})
def get_ontology(request: Request, format: OntologyFormat = None) -> Response:
    return _ontology(request, format, None)


@router.get("/ontology/{version}/{module}",
            summary="One ontology module by its version IRI (…/ontology/0.1.0/core)",
            responses={200: {"content": {m: {} for m in ONTOLOGY_OFFERS}}})
def get_ontology_version(request: Request, version: str, module: str,
                         format: OntologyFormat = None) -> Response:
    if f"{version}/{module}" not in ontology_doc.modules():
        return JSONResponse({"detail": f"no ontology module {version[:40]!r}/{module[:60]!r}; "
                                       f"modules: {', '.join(sorted(ontology_doc.modules()))}"},
                            status_code=404)
    return _ontology(request, format, f"{version}/{module}")


@router.get("/context.jsonld", summary="The JSON-LD context of the API's JSON answers")
def get_context() -> JSONResponse:
    return JSONResponse({"@context": jsonld.CONTEXT}, media_type="application/ld+json")
