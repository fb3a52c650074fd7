"""Coverage by need and status for a region: JSON, CSV or JSON-LD (an RDF Data Cube).

``GET /api/coverage?region=R`` answers the matrix of ``passerelle.graph.read.coverage``; with
``region=`` repeated it answers ``{"matrices": [...]}``, one a region in the order asked. The CSV
(``Accept: text/csv``) is one long table, a row a region, need and status, for spreadsheets and
for comparing regions. The JSON-LD (``Accept: application/ld+json``) is an RDF Data Cube
(``qb:``): a ``qb:DataSet`` a region, a ``qb:Observation`` a cell, the region as
``sdmx-dimension:refArea``, and the need, status and the four counts as the components that
``GET /api/coverage/structure`` describes (a ``qb:DataStructureDefinition``), so the counts keep
their meaning outside Passerelle.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.params import Codes, unprocessable
from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import SKOS, XSD, prefixes
from passerelle.graph.read.codes import UnknownCode
from passerelle.graph.read.coverage import COLUMNS, MAX_DEPTH, Matrix, answer, matrices, table

router = APIRouter(prefix="/api/coverage", tags=["coverage"])

JSON = "application/json"
JSON_LD = "application/ld+json"
CSV = "text/csv"
OFFERS = [JSON, JSON_LD, CSV]
VARY = {"Vary": "Accept"}
MEASURES = {
    "open_to_all": ("Services stated as open to all statuses",
                    "Services of the need in the region stated as open whatever the status."),
    "restricted": ("Services restricted to a matching status",
                   "Services restricted to the status or to a broader one, and not open to all."),
    "not_stated": ("Services whose eligibility is not stated",
                   "Services that state neither openness to all nor a restriction: what a "
                   "search adds with include_unknown=true."),
    "total": ("Services a client of the status can use",
              "open_to_all plus restricted: the total of GET /api/services for the same need, "
              "status and region."),
}
DIMENSIONS = {
    "need": ("Need", "The need (service type); services of a narrower type count."),
    "status": ("Client's status", "The client's beneficiary status; services restricted to a "
                                  "broader status count."),
}
QB = "http://purl.org/linked-data/cube#"
SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"


def structure_iri(settings) -> str:
    return settings.public_url.rstrip("/") + "/api/coverage/structure"


def as_csv(found: list[Matrix]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(table(found))
    return out.getvalue().encode("utf-8")


def as_cube(found: list[Matrix], settings) -> dict:
    """The matrices as RDF Data Cube observations (JSON-LD)."""
    terms = structure_iri(settings) + "#"
    context = {
        "qb": QB, "sdmx-dimension": SDMX_DIMENSION,
        "xsd": XSD,
        "id": "@id", "type": "@type",
        "structure": {"@id": "qb:structure", "@type": "@id"},
        "dataSet": {"@id": "qb:dataSet", "@type": "@id"},
        "region": {"@id": "sdmx-dimension:refArea", "@type": "@id"},
        **{key: {"@id": terms + key, "@type": "@id"} for key in DIMENSIONS},
        **{key: {"@id": terms + key, "@type": "xsd:integer"} for key in MEASURES},
    }
    graph = []
    for matrix in found:
        code = quote(matrix.region.code, safe="")
        dataset = f"{settings.public_url.rstrip('/')}/api/coverage?region={code}"
        graph.append({"id": dataset, "type": "qb:DataSet", "structure": structure_iri(settings),
                      "region": matrix.region.iri})
        needs = {n.code: n.iri for n in matrix.needs}
        statuses = {s.code: s.iri for s in matrix.statuses}
        for cell in matrix.cells:
            graph.append({"id": f"{dataset}#{cell.need}/{cell.status}", "type": "qb:Observation",
                          "dataSet": dataset, "region": matrix.region.iri,
                          "need": needs[cell.need], "status": statuses[cell.status],
                          **{key: value for key, value in cell.as_dict().items()
                             if key in MEASURES}})
    return {"@context": context, "@graph": graph}


def structure(settings) -> dict:
    """The Data Cube structure the JSON-LD observations follow, with its own components."""
    iri = structure_iri(settings)
    components = [{"qb:dimension": {"@id": SDMX_DIMENSION + "refArea"}, "qb:order": 1}]
    components += [{"qb:dimension": {"@id": f"{iri}#{key}"}, "qb:order": order}
                   for order, key in enumerate(DIMENSIONS, start=2)]
    components += [{"qb:measure": {"@id": f"{iri}#{key}"}} for key in MEASURES]
    described = [{"@id": f"{iri}#{key}", "@type": ["qb:DimensionProperty", "rdf:Property"],
                  "rdfs:label": {"@value": label, "@language": "en"},
                  "rdfs:comment": {"@value": comment, "@language": "en"},
                  "rdfs:range": {"@id": SKOS + "Concept"}}
                 for key, (label, comment) in DIMENSIONS.items()]
    described += [{"@id": f"{iri}#{key}", "@type": ["qb:MeasureProperty", "rdf:Property"],
                   "rdfs:label": {"@value": label, "@language": "en"},
                   "rdfs:comment": {"@value": comment, "@language": "en"},
                   "rdfs:range": {"@id": XSD + "integer"}}
                  for key, (label, comment) in MEASURES.items()]
    return {"@context": {"qb": QB, **prefixes("rdfs", "rdf")},
            "@graph": [{"@id": iri, "@type": "qb:DataStructureDefinition",
                        "rdfs:label": {"@value": "Coverage by need and status", "@language": "en"},
                        "qb:component": components}, *described]}


def not_acceptable() -> JSONResponse:
    return JSONResponse({"detail": f"acceptable media types: {', '.join(OFFERS)}"},
                        status_code=406, headers=VARY)


@router.get("", summary="Coverage of a region: services by need and status, and by rule",
            responses={200: {"content": {m: {} for m in OFFERS}}})
def coverage(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    region: Annotated[Codes, Query(min_length=1, description=(
        "NUTS code, municipality slug or IRI; repeat for one matrix a region"))],
    need: Annotated[Codes, Query(description="Needs (rows); the top needs by default")]
    = [],  # noqa: B006 - FastAPI copies defaults
    status: Annotated[Codes, Query(description="Statuses (columns); the top statuses by "
                                               "default")]
    = [],  # noqa: B006
    depth: Annotated[int, Query(ge=0, le=MAX_DEPTH, description=(
        "Levels of narrower needs and statuses to add below each row and column"))] = 0,
) -> Response:
    media = formats.negotiate(request.headers.get("accept"), OFFERS, default=JSON)
    if media is None:
        return not_acceptable()
    try:
        found = matrices(store, region, need, status, depth)
    except UnknownCode as error:
        return JSONResponse(unprocessable(error.parameter, str(error)), status_code=422)
    if media == CSV:
        name = re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(m.region.code for m in found))[:100]
        return Response(as_csv(found), media_type="text/csv; charset=utf-8", headers={
            **VARY, "Content-Disposition": f'attachment; filename="coverage-{name}.csv"'})
    if media == JSON_LD:
        return JSONResponse(as_cube(found, settings), media_type=JSON_LD, headers=VARY)
    return JSONResponse(answer(found), headers=VARY)


@router.get("/structure", summary="The Data Cube structure of the coverage's JSON-LD")
def coverage_structure(settings: SettingsDep) -> JSONResponse:
    return JSONResponse(structure(settings), media_type=JSON_LD)
