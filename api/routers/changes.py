"""The accepted changes, from the audit graph: who, when, what kind, which graphs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from passerelle.api.deps import StoreDep
from passerelle.api.params import unprocessable
from passerelle.api.representations import respond
from passerelle.graph.write import audit

router = APIRouter(prefix="/api/changes", tags=["changes"])


def parse_since(text: str) -> datetime:
    """An ISO date (midnight UTC) or date-time (UTC when no offset is given), in UTC.

    A moment whose UTC time falls outside the years 1 to 9999 (``0001-01-01T00:00:00+01:00``)
    is the first or the last moment there is: every change is after the one, none after the
    other.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time())
    if not moment.tzinfo:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if moment.year == datetime.min.year else datetime.max
        return edge.replace(tzinfo=UTC)


@router.get("", summary="Accepted changes, oldest first, since a date or date-time")
def list_changes(
    request: Request, store: StoreDep,
    since: Annotated[str | None, Query(max_length=40, description="ISO 8601 date or date-time")]
    = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many changes")] = 100,
) -> JSONResponse:
    try:
        moment = parse_since(since) if since else None
    except ValueError:
        return JSONResponse(unprocessable("since", f"{since[:40]!r} is not an ISO 8601 date or "
                                                   "date-time (2026-11-27, 2026-11-27T10:00:00Z)"),
                            status_code=422)
    items = audit.changes(store, moment, limit)
    return respond(request, {"total": len(items), "limit": limit, "items": items}, {})
