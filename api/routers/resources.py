"""Linked data: every instance IRI under the base dereferences at ``/id/...``.

The path after ``/id/`` is the IRI after the base, so links work whatever host serves them. The
answer is negotiated from the formats table (Turtle, JSON-LD, N-Triples, RDF/XML) plus HTML for
browsers; ``?format=`` overrides ``Accept`` so a person can follow a link to the Turtle.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

import jinja2
import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.graph import formats
from passerelle.graph.describe import RDF_TYPE, Description, curie, describe, serialize
from passerelle.graph.search import pick

router = APIRouter(tags=["linked data"])

RDF_FORMATS = tuple(formats.by_name(n) for n in ("ttl", "jsonld", "nt", "rdfxml"))
HTML = "text/html"
OFFERS = [f.media_type for f in RDF_FORMATS] + [HTML]
PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}(/[A-Za-z0-9][A-Za-z0-9._-]{0,120}){0,7}$")
VARY = {"Vary": "Accept"}

FormatName = Literal["html", "ttl", "jsonld", "nt", "rdfxml"]
PLAIN = {"http://www.w3.org/2001/XMLSchema#string",
         "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}
FIRST = (RDF_TYPE, "http://schema.org/name", "http://www.w3.org/2004/02/skos/core#prefLabel")

templates = jinja2.Environment(loader=jinja2.PackageLoader("passerelle.api", "templates"),
                               autoescape=True)


def render_page(d: Description, iri: str, base: str) -> str:
    """The HTML page of a resource: its statements as a table, with names instead of IRIs and
    local ``/id/`` links for IRIs under the base."""

    def href(target: str) -> str:
        return "/id/" + target.removeprefix(base) if target.startswith(base) else target

    def value(term, depth: int) -> dict:
        if isinstance(term, ox.NamedNode):
            return {"href": href(term.value), "iri": term.value,
                    "text": pick(d.labels(term), "en") or curie(term.value)}
        if isinstance(term, ox.BlankNode):
            return {"rows": rows(term, depth + 1) if depth < 3 else []}
        datatype = term.datatype.value
        return {"text": term.value, "lang": term.language,
                "datatype": None if datatype in PLAIN else curie(datatype)}

    def rows(node, depth: int = 0) -> list[dict]:
        about = d.about(node)
        ordered = sorted(about, key=lambda p: (FIRST.index(p) if p in FIRST else len(FIRST),
                                               curie(p)))
        return [{"property": curie(p), "iri": p,
                 "values": sorted((value(o, depth) for o in about[p]),
                                  key=lambda v: v.get("text", ""))}
                for p in ordered]

    node = ox.NamedNode(iri)
    return templates.get_template("resource.html").render(
        iri=iri, title=pick(d.labels(node), "en") or iri, rows=rows(node),
        alternates=[(f.name, f.label, f.media_type) for f in RDF_FORMATS],
    )


def _media_type(request: Request, format: FormatName | None) -> str | None:
    if format == "html":
        return HTML
    if format is not None:
        return formats.by_name(format).media_type
    return formats.negotiate(request.headers.get("accept"), OFFERS,
                             default=RDF_FORMATS[0].media_type)


@router.get("/id/{path:path}", summary="Dereference an instance IRI (content negotiation)",
            responses={200: {"content": {m: {} for m in OFFERS}}})
def resource(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    path: str,
    format: Annotated[FormatName | None,
                      Query(description="Overrides Accept: html, ttl, jsonld, nt or rdfxml")]
    = None,
) -> Response:
    media = _media_type(request, format)
    if media is None:
        return PlainTextResponse(f"Not acceptable; available: {', '.join(OFFERS)}\n",
                                 status_code=406, headers=VARY)
    iri = settings.base_iri + path
    description = describe(store, [iri]) if PATH.fullmatch(path) else None
    if description is None or not description.triples:
        return PlainTextResponse(f"Nothing is known about {iri[:300]}\n", status_code=404,
                                 headers=VARY)
    if media == HTML:
        return HTMLResponse(render_page(description, iri, settings.base_iri), headers=VARY)
    fmt = formats.by_media_type(media)
    return Response(serialize(description, fmt), media_type=fmt.media_type, headers=VARY)
