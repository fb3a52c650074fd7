"""The SPARQL 1.1 Graph Store Protocol at ``/store``, with indirect graph identification.

``?graph=IRI`` names a graph (percent-decoded once, as the protocol asks), ``?default`` the
writable default graph. Reads are open and negotiated from the formats table; writes need a
token and go through the validation gate. The derived graph and the audit graph are read-only
(403), and the vocabulary graphs take an admin token (403 otherwise; see
``graph.vocabulary_guard``). POST with no graph creates one and answers 201 with its IRI in
``Location``.
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from passerelle.api.auth import Token
from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.writing import (
    Refusal,
    media_type,
    outcome_json,
    parse_rdf,
    perform,
    read_body,
    unsupported,
)
from passerelle.graph.rdf import formats
from passerelle.graph.read.describe import Description, serialize
from passerelle.graph.store.base import Store
from passerelle.graph.write import graph_store
from passerelle.graph.write.commit import DEFAULT_GRAPH, Outcome

router = APIRouter(prefix="/store", tags=["graph store"])

OFFERS = [f.media_type for f in formats.FORMATS]
MULTIPART = "multipart/form-data"


def _bad(message: str) -> Refusal:
    return Refusal(JSONResponse({"detail": message}, status_code=400))


def target(request: Request, *, required: bool = True) -> str | None:
    """The graph the request names, checked to be an absolute IRI."""
    params = request.query_params
    if "graph" in params and "default" in params:
        raise _bad("give ?graph=IRI or ?default, not both")
    if "default" in params:
        return DEFAULT_GRAPH
    if "graph" not in params:
        if required:
            raise _bad("name a graph with ?graph=IRI, or the default graph with ?default")
        return None
    try:
        return ox.NamedNode(params["graph"]).value
    except ValueError as error:
        raise _bad(f"graph: {params['graph'][:200]!r} is not an absolute IRI ({error})") \
            from None


@router.get("", summary="Read one graph (?graph=IRI or ?default), in the format asked for")
def read_graph(request: Request, store: StoreDep) -> Response:
    return _read(request, store)


@router.head("", summary="What GET would answer, without the body")
def head_graph(request: Request, store: StoreDep) -> Response:
    return _read(request, store)


def _read(request: Request, store: Store) -> Response:
    graph = target(request)
    media = formats.negotiate(request.headers.get("accept"), OFFERS, default="text/turtle")
    vary = {"Vary": "Accept"}
    if media is None:
        return JSONResponse({"detail": "acceptable media types: " + ", ".join(OFFERS)},
                            status_code=406, headers=vary)
    triples = graph_store.read(store, graph)
    if triples is None:
        return JSONResponse({"detail": f"no graph <{graph}>"}, status_code=404, headers=vary)
    body = serialize(Description(triples), formats.by_media_type(media))
    headers = {**vary, "Content-Type": f"{media}; charset=utf-8"}
    if request.method == "HEAD":
        return Response(status_code=200, headers={**headers, "Content-Length": str(len(body))})
    return Response(body, status_code=200, headers=headers)


def _rdf_format(request: Request) -> formats.Format:
    fmt = formats.by_media_type(media_type(request))
    if fmt is None:
        raise unsupported(request, OFFERS)
    return fmt


async def _multipart(request: Request, body: bytes) -> list[tuple[bytes, formats.Format]]:
    """The RDF documents of a multipart/form-data body, each with its format (parsed later, on
    the write queue)."""
    async def stream():
        yield body

    try:
        form = await MultiPartParser(request.headers, stream(),
                                     max_part_size=len(body) + 1).parse()
    except MultiPartException as error:
        raise _bad(f"the multipart body does not parse: {error.message}") from None
    documents: list[tuple[bytes, formats.Format]] = []
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data, declared, filename = await value.read(), value.content_type, value.filename
        else:
            data, declared, filename = value.encode(), None, None
        fmt = formats.by_media_type(declared) if declared else None
        if fmt is None and not declared:
            try:
                fmt = formats.by_extension(filename or name)
            except formats.UnknownFormat:
                fmt = None
        if fmt is None:
            raise Refusal(JSONResponse(
                {"detail": f"part {name[:100]!r}: unsupported content type "
                           f"{(declared or 'none')[:100]!r}; send one of: " + ", ".join(OFFERS)},
                status_code=415))
        documents.append((data, fmt))
    return documents


def _parse(documents: list[tuple[bytes, formats.Format]], graph: str, max_literal: int
           ) -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    for data, fmt in documents:
        triples += parse_rdf(data, fmt, graph, max_literal=max_literal)
    return triples


def _put(store: Store, graph: str, documents, *, max_literal: int, **options) -> Outcome:
    return graph_store.put(store, graph, _parse(documents, graph, max_literal), **options)


def _post(store: Store, graph: str, documents, *, max_literal: int, **options
          ) -> Outcome | None:
    """None when the documents hold no triple: there is nothing to add."""
    triples = _parse(documents, graph, max_literal)
    return graph_store.post(store, graph, triples, **options) if triples else None


def _delete(store: Store, graph: str, **options) -> Outcome | None:
    """None for the default graph when it is empty already: dropping it changes nothing."""
    if graph == DEFAULT_GRAPH and graph_store.read(store, graph) == []:
        return None
    return graph_store.delete(store, graph, **options)


def _written(outcome: Outcome, graph: str, created: bool) -> Response:
    """201 for a new graph; 204 for a changed one, or 200 when there are warnings to read."""
    if created:
        return JSONResponse({"graph": graph, **outcome_json(outcome)}, status_code=201,
                            headers={"Location": graph})
    if outcome.warnings:
        return JSONResponse({"graph": graph, **outcome_json(outcome)}, status_code=200)
    return Response(status_code=204)


@router.put("", summary="Replace one graph (token required): 201 created, 204 replaced")
async def put_graph(request: Request, store: StoreDep, settings: SettingsDep,
                    token: Token) -> Response:
    graph = target(request)
    fmt = _rdf_format(request)
    body = await read_body(request, settings.write_max_body)
    outcome = await perform(request, _put, store, graph, [(body, fmt)],
                            max_literal=settings.write_max_literal, author=token.public,
                            base=settings.base_iri,
                            may_change_vocabularies=token.may_change_vocabularies)
    return _written(outcome, graph, graph in outcome.created)


@router.post("", summary="Add to one graph, or create a new one with no graph named (token "
                         "required); multipart/form-data takes one RDF document a part")
async def post_graph(request: Request, store: StoreDep, settings: SettingsDep,
                     token: Token) -> Response:
    graph = target(request, required=False) or graph_store.new_graph()
    multipart = media_type(request) == MULTIPART
    fmt = None if multipart else _rdf_format(request)
    body = await read_body(request, settings.write_max_body)
    documents = await _multipart(request, body) if multipart else [(body, fmt)]
    outcome = await perform(request, _post, store, graph, documents,
                            max_literal=settings.write_max_literal, author=token.public,
                            base=settings.base_iri,
                            may_change_vocabularies=token.may_change_vocabularies)
    if outcome is None:
        return Response(status_code=204)
    return _written(outcome, graph, graph in outcome.created)


@router.delete("", summary="Drop one graph (token required): 204, or 404 when it is missing")
async def delete_graph(request: Request, store: StoreDep, settings: SettingsDep,
                       token: Token) -> Response:
    graph = target(request)
    await perform(request, _delete, store, graph, author=token.public, base=settings.base_iri,
                  may_change_vocabularies=token.may_change_vocabularies)
    return Response(status_code=204)
