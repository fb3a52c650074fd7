"""What every write endpoint does with a request before and after the graph layer.

Bodies are read by hand rather than by FastAPI's models so that each refusal has its own status:
413 past ``settings.write_max_body`` (the declared Content-Length and the bytes actually
streamed are both counted, so a client cannot lie its way past the limit), 415 for a content type
the endpoint does not read, 400 for a body that does not parse (with line and column), 422 for
data that parses but is wrong (a field named, or the validation report). The store is untouched
by every refusal: nothing is written before validation passes.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from passerelle.api import bodies
from passerelle.errors import PasserelleError
from passerelle.graph import formats, loader
from passerelle.graph.writes import Outcome, Unprocessable, WriteRefused, report_json


class Refusal(Exception):
    """Raised inside an endpoint to answer with ``response`` at once."""

    def __init__(self, response: JSONResponse):
        self.response = response


def _answer(status: int, detail, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported(request: Request, accepted: list[str]) -> Refusal:
    shown = media_type(request) or "none"
    return Refusal(_answer(415, f"unsupported content type {shown[:100]!r}; send one of: "
                                + ", ".join(accepted)))


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to pass ``limit`` bytes."""
    return await bodies.read_limited(
        request, limit,
        f"the body is larger than the limit of {limit} bytes (PASSERELLE_WRITE_MAX_BODY)",
        lambda status, message: Refusal(_answer(status, message)))


def parse_json(body: bytes):
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise Refusal(_answer(400, f"the body is not UTF-8: {error}")) from None
    except json.JSONDecodeError as error:
        raise Refusal(_answer(400, f"the body is not valid JSON: line {error.lineno}, column "
                                   f"{error.colno}: {error.msg}")) from None


def parse_rdf(body: bytes, fmt: formats.Format, graph: str) -> list[ox.Triple]:
    """The triples of one graph; a body naming other graphs (TriG, N-Quads) is refused."""
    try:
        graphs = loader.parse(body, fmt, name="the request body", graph=graph)
    except PasserelleError as error:
        raise Refusal(_answer(400, str(error))) from None
    others = sorted(set(graphs) - {graph})
    if others:
        raise Refusal(_answer(400, "the body names other graphs ("
                                   + ", ".join(f"<{g}>" for g in others[:5])
                                   + "); this request writes one graph"))
    return graphs.get(graph, [])


def refusal(error: Exception) -> JSONResponse:
    """The answer to a refused write."""
    if isinstance(error, loader.ValidationFailed):
        count = len(error.report.violations)
        return _answer(422, f"the data breaks {count} rule(s); nothing was stored",
                       **report_json(error.report))
    if isinstance(error, Unprocessable) and error.field:
        return _answer(422, [{"loc": ["body", *error.field.split(".")], "msg": str(error),
                              "type": "value_error"}])
    if isinstance(error, WriteRefused):
        return _answer(error.status, str(error))
    return _answer(400, str(error))


async def perform(function: Callable, *args, **kwargs):
    """Run a blocking write off the event loop; a refused write raises ``Refusal``."""
    try:
        return await run_in_threadpool(function, *args, **kwargs)
    except (WriteRefused, PasserelleError) as error:
        raise Refusal(refusal(error)) from None


def outcome_json(outcome: Outcome | None) -> dict:
    if outcome is None:
        return {"change": None, "warnings": []}
    return {"change": outcome.change, "warnings": outcome.warnings}
