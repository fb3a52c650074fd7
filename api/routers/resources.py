"""Linked data: every instance IRI under the base dereferences at ``/id/...``.

The path after ``/id/`` is the IRI after the base, so links work whatever host serves them. The
answer is negotiated from the formats table (Turtle, JSON-LD, N-Triples, RDF/XML) plus HTML for
browsers; ``?format=`` overrides ``Accept`` so a person can follow a link to the Turtle.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.web import choose_language, local_href, messages, page
from passerelle.graph.rdf import formats, queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import (
    DCT,
    PAS,
    PROV,
    RDF,
    RDF_TYPE,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
)
from passerelle.graph.read import factfile
from passerelle.graph.read.codes import UnknownCode
from passerelle.graph.read.describe import Description, curie, describe, serialize
from passerelle.graph.read.labels import order
from passerelle.graph.read.search import SearchParams, pick, search
from passerelle.graph.store.base import Store

router = APIRouter(tags=["linked data"])

RDF_FORMATS = tuple(formats.by_name(n) for n in ("ttl", "jsonld", "nt", "rdfxml"))
HTML = "text/html"
OFFERS = [f.media_type for f in RDF_FORMATS] + [HTML]
PATH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}(/[A-Za-z0-9][A-Za-z0-9._-]{0,120}){0,7}$")
VARY = {"Vary": "Accept"}

FormatName = Literal["html", "ttl", "jsonld", "nt", "rdfxml"]
PLAIN = {XSD + "string", RDF + "langString"}
FIRST = (RDF_TYPE, SCHEMA + "name", SKOS + "prefLabel")

BOOLEAN = XSD + "boolean"
PROV_SOURCE = PROV + "wasDerivedFrom"
TITLE = DCT + "title"
CHECKED = PAS + "lastChecked"
DESCRIPTIONS = (SCHEMA + "description", SKOS + "definition", RDFS + "comment")
SOURCE = DCT + "source"
SHOWN_FIRST = {RDF_TYPE, *FIRST, *DESCRIPTIONS, SOURCE}
"""Said at the top of the page (what it is, its name and description) or in its sources."""
COUNTRY = SCHEMA + "addressCountry"
SERVICE_AREA = PAS + "serviceArea"
"""On a region page, the services found there replace the bare list of those naming it."""
NOTATION = SKOS + "notation"
DIALLED = {SCHEMA + "email": "mailto:"}
"""Contact values a reader follows: an address to write to (a telephone number to call is
shown and linked by the pages' ``telephone`` filter)."""
TELEPHONE = SCHEMA + "telephone"


def in_words(iri: str, lang: str, t: dict) -> str:
    """A term's name for people: the catalogue's words, the vocabulary's label, else its local
    name split into words ("nutsLevel" -> "nuts level"), never a prefixed term."""
    name = curie(iri)
    if name in t["properties"]:
        return t["properties"][name]
    from passerelle.api import ontology_doc

    label = ontology_doc.label(iri, lang)
    if label:
        return label[:1].upper() + label[1:]
    local = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).replace("_", " ").replace("-", " ")
    return spaced[:1].upper() + spaced[1:].lower() if spaced else iri


def inbound(store: Store, iri: str, lang: str, t: dict, base: str) -> list[dict]:
    """What refers to the resource, grouped by property and named in words."""
    found: dict[str, dict[str, dict]] = {}
    sparql = values(queries.text("resource-inbound"), {"resource": [ox.NamedNode(iri)]})
    for row in store.query(sparql):
        entry = found.setdefault(row["property"].value, {}).setdefault(row["subject"].value, {})
        if isinstance(row["name"], ox.Literal):
            entry.setdefault(row["name"].language or "", row["name"].value)
    groups = []
    for predicate in sorted(found, key=curie):
        name = curie(predicate)
        heading = t["inverse"].get(name) or t["of"].format(property=in_words(predicate, lang, t))
        links = sorted(({"href": local_href(s, base), "iri": s,
                         "text": pick(names, lang) or curie(s)}
                        for s, names in found[predicate].items()),
                       key=lambda link: link["text"].casefold())
        groups.append({"heading": heading, "links": links, "predicate": predicate})
    return groups


def provenance(store: Store, iri: str, lang: str) -> list[dict]:
    """The named graphs holding the resource's statements, with title, date and sources."""
    graphs: dict[str, dict] = {}
    sparql = values(queries.text("resource-provenance"), {"resource": [ox.NamedNode(iri)]})
    for row in store.query(sparql):
        graph = graphs.setdefault(row["graph"].value,
                                  {"iri": row["graph"].value, "titles": {}, "checked": None,
                                   "sources": set()})
        meta, value = row["meta"].value, row["value"]
        if meta == TITLE and isinstance(value, ox.Literal):
            graph["titles"].setdefault(value.language or "", value.value)
        elif meta == CHECKED:
            graph["checked"] = max(graph["checked"] or "", value.value)
        elif meta == PROV_SOURCE:
            graph["sources"].add(value.value)
    return [{**g, "title": pick(g["titles"], lang) or g["iri"], "sources": sorted(g["sources"])}
            for g in sorted(graphs.values(), key=lambda g: g["iri"])]


def services_here(store: Store, iri: str, base: str, lang: str) -> dict | None:
    """For a region: the services the search finds there (inside it, or covering it), and the
    search page's URL for the same place."""
    if not iri.startswith(base + "region/"):
        return None
    try:
        found = search(store, SearchParams(region=(iri,), lang=lang, limit=100))
    except UnknownCode:
        return None
    links = [{"href": local_href(item["id"], base), "iri": item["id"],
              "text": item.get("name") or curie(item["id"])} for item in found.items]
    code = iri.removeprefix(base + "region/")
    written = factfile.find(store, iri)
    return {"total": found.total, "links": links,
            "search": "/?" + urlencode({"region": code, "lang": lang}),
            "factfile": f"/factfiles/{written.code}?" + urlencode({"lang": lang}) if written
            else None}


def along_chain(found: list[dict], lang: str) -> list[dict]:
    """Of a property's texts, those in the first language of the reader's fallback chain that
    has any (with the untagged values), so a missing translation shows one fallback, marked,
    and not every language at once; all of them when none is on the chain."""
    for code in order(lang):
        chosen = [v for v in found if (v.get("lang") or "").lower() == code]
        if chosen:
            return [v for v in found if not v.get("lang")] + chosen
    return found


def render_page(request: Request, store: Store, d: Description, iri: str, base: str) -> Response:
    """The HTML page of a resource, for people: what it is and its description first, then its
    facts in words (names instead of IRIs, local ``/id/`` links), what refers to it, for a
    region the services the search finds there, its own sources, and last its identifier and
    data formats."""
    lang = choose_language(request)
    t = messages(lang)

    def value(term, depth: int) -> dict:
        if isinstance(term, ox.NamedNode):
            known = curie(term.value) != term.value  # a term of a vocabulary we name
            return {"href": local_href(term.value, base), "iri": term.value,
                    "text": pick(d.labels(term), lang)
                    or (in_words(term.value, lang, t) if known else term.value)}
        if isinstance(term, ox.BlankNode):
            return {"rows": rows(term, depth + 1) if depth < 3 else []}
        datatype = term.datatype.value
        if datatype == BOOLEAN:
            return {"text": t["yes"] if term.value in ("true", "1") else t["no"]}
        return {"text": term.value, "lang": term.language}

    def rows(node, depth: int = 0) -> list[dict]:
        about = d.about(node)
        ordered = sorted((p for p in about if depth or p not in SHOWN_FIRST),
                         key=lambda p: (FIRST.index(p) if p in FIRST else len(FIRST),
                                        in_words(p, lang, t).casefold()))
        out = []
        for p in ordered:
            found = [value(o, depth) for o in about[p]]
            if p in DIALLED:
                found = [{**v, "href": DIALLED[p] + v["text"].replace(" ", ""), "iri": v["text"]}
                         if "text" in v and "href" not in v else v for v in found]
            elif p == TELEPHONE:
                found = [{**v, "telephone": True} if "text" in v else v for v in found]
            found = along_chain(found, lang)
            words = in_words(p, lang, t)
            if p == NOTATION and region:
                words = t["resource_nuts_code"]
            elif p == COUNTRY:
                words = t["resource_iso_country"]
            out.append({"property": curie(p), "words": words, "iri": p,
                        "values": sorted(found, key=lambda v: v.get("text", ""))})
        return out

    node = ox.NamedNode(iri)
    region = iri.startswith(base + "region/")
    kinds = sorted({pick(d.labels(k), lang) or in_words(k.value, lang, t)
                    for k in d.objects(node, RDF_TYPE) if isinstance(k, ox.NamedNode)})
    summary = None
    for predicate in DESCRIPTIONS:
        texts = {o.language or "": o.value for o in d.objects(node, predicate)
                 if isinstance(o, ox.Literal)}
        if texts:
            summary = {"text": pick(texts, lang), "lang": next(
                (k for k, v in texts.items() if v == pick(texts, lang)), "") or None}
            break
    sources = sorted(o.value for o in d.objects(node, SOURCE) if isinstance(o, ox.NamedNode))
    facts = rows(node)
    return page(request, "resource.html", lang,
                iri=iri, title=pick(d.labels(node), lang) or iri, kinds=kinds, summary=summary,
                rows=facts, sources=sources, region=region,
                countries=region or any(r["iri"] == SCHEMA + "address" for r in facts),
                inbound=[g for g in inbound(store, iri, lang, t, base)
                         if not (region and g["predicate"] == SERVICE_AREA)],
                services=services_here(store, iri, base, lang),
                provenance=provenance(store, iri, lang),
                alternates=[(f.name, f.label, f.media_type) for f in RDF_FORMATS])


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
        return render_page(request, store, description, iri, settings.base_iri)
    fmt = formats.by_media_type(media)
    return Response(serialize(description, fmt), media_type=fmt.media_type, headers=VARY)
