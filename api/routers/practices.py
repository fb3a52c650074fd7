"""Practices, projects and pilot actions: the list, and each one with its parts and services."""

from __future__ import annotations

from fastapi import APIRouter

from passerelle.api.entity_routes import add_read_routes
from passerelle.graph.read import model

router = APIRouter(prefix="/api/practices", tags=["practices"])
add_read_routes(router, model.PRACTICES,
                list_summary="Practices, projects and pilot actions, by name",
                item_summary="One practice by slug or IRI: funding, partners, region, dates, "
                             "parts")
