"""What every write endpoint does with a request before and after the graph layer.

Bodies are read by hand rather than by FastAPI's models so that each refusal has its own status:
413 past ``settings.write_max_body`` (the declared Content-Length and the bytes actually
streamed are both counted, so a client cannot lie its way past the limit), 415 for a content type
the endpoint does not read, 400 for a body that does not parse (with line and column), 422 for
data that parses but is wrong (a field named, or the validation report), 413 for a literal
over ``settings.write_max_literal``, 503 with Retry-After when the write queue is full. Bodies are
decoded and parsed on the write queue, never on the event loop. The store is untouched by every
refusal: nothing is written before validation passes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

import pyoxigraph as ox
from fastapi import Request
from fastapi.responses import JSONResponse

from passerelle.api import bodies
from passerelle.errors import PasserelleError
from passerelle.graph.rdf import formats
from passerelle.graph.write import loader
from passerelle.graph.write.commit import (
    Busy,
    Outcome,
    WriteQueue,
    WriteRefused,
    report_json,
)


class Refusal(Exception):
    """Raised inside an endpoint to answer with ``response`` at once."""

    def __init__(self, response: JSONResponse):
        self.response = response


def _answer(status: int, detail, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def unsupported(request: Request, accepted: list[str]) -> Refusal:
    shown = media_type(request) or "none"
    return Refusal(_answer(415, f"unsupported content type {shown[:100]!r}; send one of: "
                                + ", ".join(accepted)))


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused with 413 as soon as it is known to pass ``limit`` bytes, or with
    503 before it is read when the write queue is full already."""
    if write_queue(request).full:
        raise busy(request)
    return await bodies.read_limited(
        request, limit,
        f"the body is larger than the limit of {limit} bytes (PASSERELLE_WRITE_MAX_BODY)",
        lambda status, message: Refusal(_answer(status, message)))


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes):
    """The decoded body; nesting and number length are checked before the decoder runs, since
    past them Python's decoder fails with errors that name no position (or none at all)."""
    try:
        text = body.decode("utf-8")
        formats.check_nesting(body, json=True)
        value = json.loads(text, parse_constant=_no_constant)
        json.dumps(value, ensure_ascii=False).encode("utf-8")  # no lone surrogate (\ud800)
        return value
    except UnicodeEncodeError as error:
        raise Refusal(_answer(400, "the body is not valid JSON: it escapes a lone surrogate "
                                   f"({error.object[error.start:error.end]!a}), which is not "
                                   "text")) from None
    except UnicodeDecodeError as error:
        raise Refusal(_answer(400, f"the body is not UTF-8: {error}")) from None
    except formats.Refused as error:
        raise Refusal(_answer(400, f"the body is not accepted: {error}")) from None
    except json.JSONDecodeError as error:
        raise Refusal(_answer(400, f"the body is not valid JSON: line {error.lineno}, column "
                                   f"{error.colno}: {error.msg}")) from None
    except (ValueError, RecursionError) as error:
        raise Refusal(_answer(400, f"the body is not valid JSON: {error}")) from None


def parse_rdf(body: bytes, fmt: formats.Format, graph: str, *, max_literal: int | None = None
              ) -> list[ox.Triple]:
    """The triples of one graph; a body naming other graphs (TriG, N-Quads) is refused."""
    try:
        graphs = loader.parse(body, fmt, name="the request body", graph=graph,
                              max_literal=max_literal)
    except loader.LiteralTooLarge as error:
        raise Refusal(refusal(error)) from None
    except PasserelleError as error:
        raise Refusal(_answer(400, str(error))) from None
    others = sorted(set(graphs) - {graph})
    if others:
        raise Refusal(_answer(400, "the body names other graphs ("
                                   + ", ".join(f"<{g}>" for g in others[:5])
                                   + "); this request writes one graph"))
    return graphs.get(graph, [])


STATUS = {"malformed": 400, "forbidden": 403, "not-found": 404, "conflict": 409,
          "too-large": 413, "invalid": 422, "busy": 503}
"""The HTTP answer to each kind of refusal the write path raises (``commit.REFUSAL_KINDS``)."""


def refusal(error: Exception) -> JSONResponse:
    """The answer to a refused write: the status its kind maps to, with what the client needs
    to fix it (the literal, the validation report, the field)."""
    if isinstance(error, loader.LiteralTooLarge):
        return _answer(STATUS[error.kind],
                       f"{error} (PASSERELLE_WRITE_MAX_LITERAL); nothing was stored",
                       subject=error.subject, predicate=error.predicate)
    if isinstance(error, loader.ValidationFailed):
        count = len(error.report.violations)
        return _answer(STATUS[error.kind], f"the data breaks {count} rule(s); nothing was stored",
                       **report_json(error.report))
    if isinstance(error, WriteRefused) and error.kind == "invalid" and error.field:
        return _answer(STATUS[error.kind], [{"loc": ["body", *error.field.split(".")],
                                             "msg": str(error), "type": "value_error"}])
    if isinstance(error, WriteRefused):
        return _answer(STATUS[error.kind], str(error))
    return _answer(STATUS["malformed"], str(error))


def write_queue(request: Request) -> WriteQueue:
    """The app's write queue, made on its first write (so an app that never writes starts no
    thread)."""
    state = request.app.state
    if getattr(state, "writes", None) is None:
        settings = state.settings
        state.writes = WriteQueue(settings.write_queue, max_literal=settings.write_max_literal)
    return state.writes


def busy(request: Request) -> Refusal:
    settings = request.app.state.settings
    retry = settings.write_retry_after_s
    return Refusal(_answer(
        STATUS["busy"],
        f"too many writes are waiting (at most {settings.write_queue} behind the one "
        f"running, PASSERELLE_WRITE_QUEUE); nothing was stored, try again in {retry} s",
        headers={"Retry-After": str(retry)}))


async def perform(request: Request, function: Callable, *args, **kwargs):
    """Run a blocking write (with whatever parsing it needs) on the write queue, off the event
    loop and out of the thread pool that serves reads; a refused write raises ``Refusal``, and
    a full queue answers 503 with Retry-After at once."""
    try:
        future = write_queue(request).submit(function, *args, **kwargs)
    except Busy:
        raise busy(request) from None
    try:
        return await asyncio.wrap_future(future)
    except (WriteRefused, PasserelleError) as error:
        raise Refusal(refusal(error)) from None


def outcome_json(outcome: Outcome | None) -> dict:
    if outcome is None:
        return {"change": None, "warnings": []}
    return {"change": outcome.change, "warnings": outcome.warnings}
