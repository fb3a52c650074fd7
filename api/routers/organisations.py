"""Organisations: the list, and each one with its services, practices, platforms and events."""

from __future__ import annotations

from fastapi import APIRouter

from passerelle.api.entity_routes import add_read_routes
from passerelle.api.record_routes import add_write_routes
from passerelle.graph.read import model
from passerelle.graph.write import records

router = APIRouter(prefix="/api/organisations", tags=["organisations"])
add_read_routes(router, model.ORGANISATIONS,
                list_summary="Organisations, by name",
                item_summary="One organisation by slug or IRI, with what it does")
add_write_routes(router, records.ORGANISATIONS)
