"""The SPARQL 1.1 Protocol query endpoint at ``/sparql``: read-only, time-limited, bounded.

A query comes as ``GET ?query=``, as a form (``POST``, ``query=``) or as the body of a ``POST``
with ``Content-Type: application/sparql-query``. ``default-graph-uri`` and ``named-graph-uri``
(each repeatable, in the URL or the form) set the dataset; with neither, and no ``FROM`` in the
query, the default graph is the union of all named graphs.

Answers follow ``Accept``: SELECT as SPARQL JSON (the default), XML, CSV or TSV; ASK as JSON or
XML; CONSTRUCT and DESCRIBE as Turtle (the default), N-Triples, JSON-LD or RDF/XML. Limits come
from the settings: ``query_timeout_s`` (503 "the query was stopped"), ``query_max_body`` (413),
``query_max_depth`` (400), ``query_concurrency`` (503 with ``Retry-After`` when every worker is
busy), and ``query_max_rows``: an answer cut there carries ``X-Passerelle-Truncated: true`` and
``X-Passerelle-Row-Limit`` (for CONSTRUCT and DESCRIBE the limit counts triples). A query that
needs more memory than a worker may hold is a 400; so are updates (they go to
``/sparql/update``) and ``SERVICE`` (the server fetches nothing). Refusals are text, or
``{"detail": ...}`` JSON when the client prefers JSON. How queries run is ``graph.sandbox``'s
story.

``GET /sparql`` with no query shows a browser the query page and gives any other client the
SPARQL service description.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import parse_qsl

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from passerelle.api import bodies
from passerelle.api.routers import query_page
from passerelle.graph.endpoint import sandbox
from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import RDF_TYPE, RDFS, SD
from passerelle.settings import Settings

log = logging.getLogger("passerelle.sparql")
_isolation_checked = threading.Event()


def _check_isolation() -> None:
    """At start, in the background: start the update worker and log one warning line when
    workers cannot leave the network (``sandbox.check_isolation``)."""
    if _isolation_checked.is_set():
        return
    _isolation_checked.set()
    threading.Thread(target=sandbox.check_isolation, args=(log.warning,),
                     name="isolation-check", daemon=True).start()


router = APIRouter(tags=["sparql"], on_startup=[_check_isolation])

QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"
UPDATE = "application/sparql-update"
UPDATE_FIELDS = {"update", "using-graph-uri", "using-named-graph-uri"}
TRUNCATED = "X-Passerelle-Truncated"
ROW_LIMIT = "X-Passerelle-Row-Limit"
_runner_lock = threading.Lock()


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}


def _refuse(request: Request, status: int, message: str,
            headers: dict[str, str] | None = None) -> Response:
    ranges = formats.parse_accept(request.headers.get("accept"))
    if ranges and "json" in ranges[0][0]:
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def query_runner(request: Request) -> sandbox.WorkerPool | sandbox.InProcess:
    """The app's query runner, started with the first query (its workers live as long as the
    server). Whatever runs a client's query text should run it here, never on the store."""
    state = request.app.state
    with _runner_lock:
        if getattr(state, "sparql_runner", None) is None:
            settings: Settings = state.settings
            state.sparql_runner = sandbox.runner(
                state.store, concurrency=settings.query_concurrency,
                timeout_s=settings.query_timeout_s)
    return state.sparql_runner


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to pass ``limit`` bytes."""
    return await bodies.read_limited(
        request, limit, f"the body is larger than the limit of {limit} bytes", ProtocolError)


def _utf8(body: bytes, content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        charset = value.strip().strip('"').lower()
        if key.strip().lower() == "charset" and charset not in ("utf-8", "utf8", "us-ascii"):
            raise ProtocolError(400, f"the body must be UTF-8, not {charset[:40]}")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(400, f"the body is not UTF-8: {error}") from None


def _fields(request: Request, body: bytes) -> tuple[list[tuple[str, str]], list[str]]:
    """The protocol's fields (from the URL, and a form body) and the query texts of the body."""
    fields = list(request.query_params.multi_items())
    if request.method != "POST":
        return fields, []
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    if media == QUERY:
        return fields, [_utf8(body, content_type)]
    if media == FORM:
        try:
            form = parse_qsl(_utf8(body, content_type), keep_blank_values=True,
                             encoding="utf-8", errors="strict")
        except UnicodeDecodeError as error:
            raise ProtocolError(400, f"the form is not UTF-8: {error}") from None
        if any(name == "query" for name, _ in form) and any(n == "query" for n, _ in fields):
            raise ProtocolError(400, "the query is given both in the URL and in the body; "
                                     "send it once")
        return fields + form, []
    if media == UPDATE:
        raise ProtocolError(400, "this endpoint only answers queries: updates go to "
                                 "POST /sparql/update, with a token")
    raise ProtocolError(415, f"unsupported content type {media[:100] or 'none'!r}; send the "
                             f"query as {QUERY} or as a form ({FORM})")


def _graphs(fields: list[tuple[str, str]], name: str) -> list[str]:
    iris = [value for key, value in fields if key == name]
    for iri in iris:
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise ProtocolError(400, f"{name} {iri[:200]!r} is not an absolute IRI") from None
    return iris


def _job(request: Request, body: bytes, settings: Settings) -> sandbox.Job | None:
    """The job a request asks for; None when it asks no query."""
    fields, texts = _fields(request, body)
    if UPDATE_FIELDS & {name for name, _ in fields}:
        raise ProtocolError(400, "this endpoint only answers queries: updates go to "
                                 "POST /sparql/update, with a token")
    texts += [value for name, value in fields if name == "query"]
    if len(texts) > 1:
        raise ProtocolError(400, f"{len(texts)} queries given (a repeated query parameter, or "
                                 "one in the URL and one in the body); send exactly one")
    if not texts and request.method == "POST":
        raise ProtocolError(400, "the request holds no query")
    if not texts:
        return None
    if len(texts[0].encode("utf-8", "surrogatepass")) > settings.query_max_body:
        raise ProtocolError(413, f"the query is longer than the limit of "
                                 f"{settings.query_max_body} bytes")
    default, named = _graphs(fields, "default-graph-uri"), _graphs(fields, "named-graph-uri")
    dataset = (None, None) if not default and not named else (tuple(default), tuple(named))
    return sandbox.Job(texts[0], *dataset, accept=request.headers.get("accept"),
                       max_rows=settings.query_max_rows, max_depth=settings.query_max_depth,
                       base_iri=settings.public_url.rstrip("/") + "/sparql")


def _description(request: Request, fmt: formats.Format, settings: Settings) -> bytes:
    """The SPARQL service description: what this endpoint speaks and which graphs it holds."""
    endpoint = ox.NamedNode(settings.public_url.rstrip("/") + "/sparql")
    a, dataset, default = ox.NamedNode(RDF_TYPE), ox.BlankNode(), ox.BlankNode()

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(SD + name)

    statements = [
        (endpoint, a, sd("Service")),
        (endpoint, sd("endpoint"), endpoint),
        (endpoint, sd("supportedLanguage"), sd("SPARQL11Query")),
        (endpoint, sd("feature"), sd("UnionDefaultGraph")),
        *((endpoint, sd("resultFormat"), ox.NamedNode(f.oxigraph.iri))
          for f in (*formats.RESULTS_FORMATS, *sandbox.GRAPH_FORMATS)),
        (endpoint, ox.NamedNode(RDFS + "comment"), ox.Literal(
            f"Read-only. A query is stopped after {settings.query_timeout_s:g} s; answers hold "
            f"at most {settings.query_max_rows} rows. SERVICE is not allowed. Updates go to "
            "/sparql/update.", language="en")),
        (endpoint, sd("defaultDataset"), dataset),
        (dataset, a, sd("Dataset")),
        (dataset, sd("defaultGraph"), default),
        (default, a, sd("Graph")),
    ]
    for iri in sorted(request.app.state.store.graphs()):
        named = ox.BlankNode()
        statements += [(dataset, sd("namedGraph"), named), (named, a, sd("NamedGraph")),
                       (named, sd("name"), ox.NamedNode(iri))]
    return ox.serialize([ox.Triple(*s) for s in statements], format=fmt.oxigraph,
                        prefixes={"sd": SD})


def _no_query(request: Request, settings: Settings) -> Response:
    offers = ["text/html", *(f.media_type for f in sandbox.GRAPH_FORMATS)]
    media = formats.negotiate(request.headers.get("accept"), offers, default="text/turtle")
    if media is None:
        raise ProtocolError(406, "acceptable without a query: " + ", ".join(offers))
    if media == "text/html":
        return query_page.render(request, settings)
    fmt = formats.by_media_type(media)
    return Response(_description(request, fmt, settings), media_type=media,
                    headers={"Vary": "Accept"})


def _respond(request: Request, body: bytes) -> Response:
    """Everything after the body is read; blocking, so it runs on the thread pool."""
    settings: Settings = request.app.state.settings
    try:
        job = _job(request, body, settings)
        if job is None:
            return _no_query(request, settings)
        answer = query_runner(request).run(job)
    except ProtocolError as error:
        return _refuse(request, error.status, str(error), error.headers)
    except sandbox.Busy as error:
        return _refuse(request, 503, str(error), {"Retry-After": str(error.retry_after)})
    except (sandbox.TimedOut, sandbox.Unavailable) as error:
        return _refuse(request, 503, str(error))
    except sandbox.NotAcceptable as error:
        return _refuse(request, 406, str(error))
    except sandbox.BadQuery as error:
        return _refuse(request, 400, str(error))
    headers = {"Vary": "Accept"}
    if answer.truncated:
        headers.update({TRUNCATED: "true", ROW_LIMIT: str(settings.query_max_rows)})
    return Response(answer.body, media_type=answer.media_type, headers=headers)


_PARAMETERS = [
    {"name": "query", "in": "query", "schema": {"type": "string"},
     "description": "The SPARQL query (GET; with POST, send it in the body)."},
    *({"name": name, "in": "query", "style": "form", "explode": True,
       "schema": {"type": "array", "items": {"type": "string", "format": "iri"}},
       "description": f"Repeatable; sets the {role} of the dataset."}
      for name, role in (("default-graph-uri", "default graph"),
                         ("named-graph-uri", "named graphs"))),
]
_ANSWERS = {
    "200": {"description": "The answer, in the negotiated format. "
                           f"`{TRUNCATED}: true` and `{ROW_LIMIT}` when cut at the row limit.",
            "content": {m: {} for m in (*(f.media_type for f in formats.RESULTS_FORMATS),
                                        *(f.media_type for f in sandbox.GRAPH_FORMATS))}},
    "400": {"description": "Malformed or refused query (update, SERVICE, too deep nesting), "
                           "repeated query, not UTF-8"},
    "406": {"description": "No acceptable format; the message lists them"},
    "413": {"description": "Query longer than the body limit"},
    "503": {"description": "Stopped at the time limit, or every worker busy (Retry-After)"},
}


@router.get("/sparql", response_class=Response,
            summary="SPARQL 1.1 query (read-only); without a query, the service description "
                    "(or the query page in a browser)",
            openapi_extra={"parameters": _PARAMETERS, "responses": _ANSWERS})
async def sparql_get(request: Request) -> Response:
    return await run_in_threadpool(_respond, request, b"")


@router.post("/sparql", response_class=Response,
             summary="SPARQL 1.1 query (read-only) sent in the body",
             openapi_extra={
                 "parameters": _PARAMETERS[1:], "responses": _ANSWERS,
                 "requestBody": {"required": True, "content": {
                     QUERY: {"schema": {"type": "string"}},
                     FORM: {"schema": {"type": "object", "properties": {
                         "query": {"type": "string"},
                         "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                         "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                     }, "required": ["query"]}}}}})
async def sparql_post(request: Request) -> Response:
    try:
        body = await _read_body(request, request.app.state.settings.query_max_body)
    except ProtocolError as error:
        return _refuse(request, error.status, str(error), error.headers)
    return await run_in_threadpool(_respond, request, body)
