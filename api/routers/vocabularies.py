"""The reference vocabularies: statuses, service types and regions, as trees and one by one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from passerelle.api.deps import StoreDep
from passerelle.api.params import ReaderLang
from passerelle.api.representations import not_found, respond
from passerelle.graph.rdf.namespaces import SKOS
from passerelle.graph.read import concepts
from passerelle.graph.read.codes import SCHEMES

router = APIRouter(prefix="/api", tags=["vocabularies"])

TERMS = {
    "code": SKOS + "notation",
    "labels": {"@id": SKOS + "prefLabel", "@container": "@language"},
    "definition": SKOS + "definition",
    "children": {"@reverse": SKOS + "broader"},  # the store states broader, not narrower
    "narrower": {"@reverse": SKOS + "broader"},
    "broader": {"@id": SKOS + "broaderTransitive"},
    "scheme": None,
}
VOCABULARIES = {  # path -> (scheme key in graph.vocab, what one concept is called)
    "statuses": ("status", "status"),
    "service-types": ("need", "service type"),
    "regions": ("region", "region"),
}


def _routes(path: str, scheme_key: str, what: str) -> None:
    scheme = SCHEMES[scheme_key]

    @router.get(f"/{path}", name=f"{path}-tree",
                summary=f"The {path.replace('-', ' ')} as a tree (by skos:broader)")
    def tree(request: Request, store: StoreDep, lang: ReaderLang) -> JSONResponse:
        body = {"scheme": scheme, "items": concepts.tree(store, scheme, lang)}
        return respond(request, body, TERMS, lang)

    @router.get(f"/{path}/{{code:path}}", name=f"{path}-concept",
                summary=f"One {what} by code or IRI, with its broader chain and narrower list")
    def concept(request: Request, store: StoreDep, code: str,
                lang: ReaderLang) -> JSONResponse:
        found = concepts.concept(store, scheme, code, lang)
        if found is None:
            return not_found(what, code)
        return respond(request, found, TERMS, lang)


for _path, (_key, _what) in VOCABULARIES.items():
    _routes(_path, _key, _what)
