"""Liveness: 200 when the store answers a query."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from passerelle.api.deps import StoreDep
from passerelle.graph.rdf import queries

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(store: StoreDep) -> JSONResponse:
    try:
        answered = bool(store.query(queries.text("store-answers")))
    except Exception as error:  # any store failure means unhealthy, and says why
        return JSONResponse({"status": "unavailable", "error": str(error)}, status_code=503)
    return JSONResponse({"status": "ok", "data": answered})
