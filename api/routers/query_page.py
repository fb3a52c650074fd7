"""The query page for people: an editor, the example questions, and results as a table.

It works without JavaScript: an example is loaded by a link (``?example=NAME``), the Run button
submits the form by GET, and the server runs the query through the endpoint's own runner (worker
processes, the same screening, time limit and size bounds as ``/sparql``: a visitor's query text
never runs in the server process) and renders the answer as a table whose IRIs are links. The same
URL with ``download=csv|json|ttl`` returns the results as a file. ``render`` is what a browser
asking ``GET /sparql`` with no query is shown.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from passerelle.api.deps import SettingsDep
from passerelle.api.web import choose_language, local_href, messages, page, url_with
from passerelle.graph import sandbox
from passerelle.settings import Settings

router = APIRouter(include_in_schema=False)

DISPLAY_ROWS = 1000
DOWNLOADS = {"csv": "text/csv", "json": "application/sparql-results+json", "ttl": "text/turtle"}
"""Download name -> media type asked of the endpoint's runner (also the file extension)."""
TABLE = "application/sparql-results+json, application/n-triples;q=0.9"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    text: str


@cache
def examples() -> tuple[Example, ...]:
    """The example questions shipped in ``graph/queries/examples``, by file name."""
    folder = resources.files("passerelle.graph.queries").joinpath("examples")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".rq"):
            continue
        text = entry.read_text(encoding="utf-8")
        heads = dict(re.findall(r"^# (title|description):\s*(.+)$", text, re.MULTILINE))
        name = entry.name.removesuffix(".rq")
        found.append(Example(name, heads.get("title", name), heads.get("description", ""), text))
    return tuple(found)


class QueryFailed(Exception):
    """A query the page cannot answer, with the message for the reader."""


def _run(request: Request, sparql: str, settings: Settings, accept: str) -> sandbox.Answer:
    """The answer of the endpoint's runner, its refusals turned into QueryFailed."""
    from passerelle.api.routers.sparql import query_runner  # the endpoint imports this module

    job = sandbox.Job(sparql, None, None, accept=accept, max_rows=settings.query_max_rows,
                      max_depth=settings.query_max_depth,
                      base_iri=settings.public_url.rstrip("/") + "/sparql")
    try:
        return query_runner(request).run(job)
    except sandbox.TimedOut as error:
        raise QueryFailed("timeout") from error
    except sandbox.BadQuery as error:
        raise SyntaxError(str(error)) from None
    except sandbox.NotAcceptable as error:
        raise QueryFailed("format") from error
    except sandbox.QueryError as error:
        raise QueryFailed(str(error)) from error


def _result(answer: sandbox.Answer):
    if answer.media_type.startswith("application/sparql-results+json"):
        return ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.JSON)
    return ox.parse(io.BytesIO(answer.body), format=ox.RdfFormat.N_TRIPLES)


def _cell(term, base: str) -> dict:
    if term is None:
        return {"text": ""}
    if isinstance(term, ox.NamedNode):
        return {"text": term.value, "href": local_href(term.value, base)}
    if isinstance(term, ox.BlankNode):
        return {"text": f"_:{term.value}"}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "lang": term.language}
    return {"text": str(term)}


def _table(result, base: str) -> dict:
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "ask", "answer": bool(result)}
    if isinstance(result, ox.QuerySolutions):
        columns = [v.value for v in result.variables]
        rows = []
        for solution in result:
            rows.append([_cell(solution[c], base) for c in columns])
            if len(rows) > DISPLAY_ROWS:
                break
        return {"kind": "select", "columns": columns, "rows": rows[:DISPLAY_ROWS],
                "truncated": len(rows) > DISPLAY_ROWS}
    rows = []
    for triple in result:
        triple = getattr(triple, "triple", triple)
        rows.append([_cell(triple.subject, base), _cell(triple.predicate, base),
                     _cell(triple.object, base)])
        if len(rows) > DISPLAY_ROWS:
            break
    return {"kind": "graph", "columns": None, "rows": rows[:DISPLAY_ROWS],
            "truncated": len(rows) > DISPLAY_ROWS}


def render(request: Request, settings: Settings) -> Response:
    """The query page: the editor (with ``query`` or an ``example`` loaded), and the answer
    when a query was sent; or the answer as a file when ``download`` is asked for."""
    lang = choose_language(request)
    t = messages(lang)
    params = request.query_params
    sparql = params.get("query")
    example = params.get("example", "")
    if sparql is None and NAME.fullmatch(example):
        sparql = next((e.text for e in examples() if e.name == example), None)
        run = False
    else:
        run = bool(sparql and sparql.strip())
    context = {"examples": examples(), "query": sparql or "", "answer": None, "error": None,
               "downloads": [], "endpoint": "/sparql"}
    if run and len(sparql) > settings.query_max_body:
        context["error"] = t["query_error_size"].format(n=settings.query_max_body)
        run = False
    if run:
        download = params.get("download")
        try:
            if download in DOWNLOADS:
                answer = _run(request, sparql, settings, DOWNLOADS[download])
                return Response(answer.body, media_type=answer.media_type, headers={
                    "Content-Disposition": f'attachment; filename="results.{download}"'})
            context["answer"] = _table(_result(_run(request, sparql, settings, TABLE)),
                                       settings.base_iri)
        except SyntaxError as error:
            context["error"] = t["query_error_syntax"].format(detail=str(error)[:500])
        except QueryFailed as error:
            context["error"] = (t["query_error_timeout"].format(
                seconds=f"{settings.query_timeout_s:g}") if str(error) == "timeout"
                else t["query_error"] if str(error) == "format"
                else t["query_error"] + ": " + str(error)[:300])
        answer = context["answer"]
        if answer:
            names = ("ttl",) if answer["kind"] == "graph" else \
                ("json",) if answer["kind"] == "ask" else ("csv", "json")
            context["downloads"] = [(n.upper() if n != "ttl" else "Turtle",
                                     url_with(request, download=n, example=None))
                                    for n in names]
    status = 400 if context["error"] else 200
    return page(request, "query.html", lang, status_code=status, **context)


@router.get("/query")
def query_page(request: Request, settings: SettingsDep) -> Response:
    return render(request, settings)
