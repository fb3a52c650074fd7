"""Events: the list (most recent first), and each one with organisers and what was presented."""

from __future__ import annotations

from fastapi import APIRouter

from passerelle.api.entity_routes import add_read_routes
from passerelle.graph.read import model

router = APIRouter(prefix="/api/events", tags=["events"])
add_read_routes(router, model.EVENTS,
                list_summary="Events, most recent first",
                item_summary="One event by slug or IRI: date, mode, participants, organisers, "
                             "practices")
