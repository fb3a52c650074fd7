"""The query page for people: an editor, the example questions, and results as a table.

It works without JavaScript: an example is loaded by a link (``?example=NAME``), the Run button
submits the form by GET, and the server runs the query through the endpoint's own runner (worker
processes, the same screening, time limit and size bounds as ``/sparql``: a visitor's query text
never runs in the server process) and renders the answer as a table whose IRIs are links. The same
URL with ``download=csv|json|ttl`` returns the results as a file. ``render`` is what a browser
asking ``GET /sparql`` with no query is shown.

For people rather than programs: the common prefixes are declared for the reader when a query uses
them without declaring them (the page lists them and says which it added), a parser error is one
line naming the line and column, with the place marked in the query, and the CSV download is
meant for spreadsheets: UTF-8 with a byte-order mark, comma, semicolon or tab, and cells that a
spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) prefixed with ``'``. ``/sparql`` itself answers ``text/csv`` exactly as the standard says.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response

from passerelle.api.deps import SettingsDep
from passerelle.api.web import choose_language, local_href, messages, page, url_with
from passerelle.graph.endpoint import sandbox
from passerelle.graph.rdf import queries, sparql_text
from passerelle.graph.rdf.namespaces import prefixes
from passerelle.settings import Settings

router = APIRouter(include_in_schema=False)

DISPLAY_ROWS = 1000
RESULTS_JSON = "application/sparql-results+json"
DOWNLOADS = {"csv": RESULTS_JSON, "json": RESULTS_JSON, "ttl": "text/turtle"}
"""Download name -> media type asked of the endpoint's runner (also the file extension); the CSV
is written here from the JSON answer, for spreadsheets."""
SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t"}
FORMULA = ("=", "+", "-", "@", "\t", "\r")
TABLE = "application/sparql-results+json, application/n-triples;q=0.9"
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
PREFIXES = prefixes("pas", "schema", "skos", "dct", "prov", "org", "rdf", "rdfs", "xsd")
"""Declared for the reader when a query uses them without a PREFIX line of its own."""
_ERROR = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.DOTALL)
_KEYWORD = re.compile(r"^[A-Z][A-Za-z]*( [A-Z][A-Za-z]*)*$")


def with_prefixes(sparql: str) -> tuple[str, list[str]]:
    """The query with the common prefixes it uses but does not declare added on one first line,
    and their names, read by the SPARQL tokenizer (a name inside a string or an IRI is not a
    use)."""
    found = [t for t in sparql_text.tokens(sparql) if t.kind != "comment"]
    declared = {token.text.split(":")[0].lower() for before, token in itertools.pairwise(found)
                if before.kind == "word" and before.text.upper() == "PREFIX"
                and token.kind == "pname"}
    named = {token.text.split(":")[0] for token in found if token.kind == "pname"}
    used = [name for name in PREFIXES if name not in declared and name in named]
    if not used:
        return sparql, []
    line = " ".join(f"PREFIX {name}: <{PREFIXES[name]}>" for name in used)
    return f"{line}\n{sparql}", used


def readable_error(message: str, sparql: str, shifted: int) -> dict:
    """A parser message as one sentence, with the line and column in the reader's own text and
    that line cut in three (before, at, after the place) so the page can mark it."""
    found = _ERROR.search(message)
    if not found:
        return {"text": " ".join(message.split())[:300]}
    line, column = int(found[1]) - shifted, int(found[2])
    expected = found[3]
    lines = sparql.split("\n")
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    at = max(0, min(column - 1, len(text)))
    if "Prefix not found" in expected:
        before = [t for t in sparql_text.tokens(text[:at].rstrip()) if t.kind != "comment"]
        name = before[-1].text.split(":")[0] if before and before[-1].kind == "pname" else ""
        what = ("unknown-prefix", name)
    else:
        words = [w.strip() for w in expected.removeprefix("expected one of").removeprefix(
            "expected").split(",")]
        keywords = [w for w in words if _KEYWORD.fullmatch(w) and w != "Prefix not found"]
        what = ("expected", ", ".join(keywords[:6])) if keywords else ("unexpected", "")
    offset = sum(len(li) + 1 for li in lines[:max(line - 1, 0)]) + at
    return {"line": line, "column": column, "kind": what[0], "detail": what[1],
            "before": text[:at], "at": text[at:at + 1] or " ", "after": text[at + 1:],
            "offset": offset}


def spreadsheet_csv(body: bytes, separator: str) -> bytes:
    """SELECT results (SPARQL JSON) as CSV for spreadsheets: BOM, the chosen separator, and a
    leading ``'`` on cells a spreadsheet would read as a formula."""
    result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n")
    names = [v.value for v in result.variables]
    writer.writerow(names)
    for solution in result:
        row = []
        for name in names:
            term = solution[name]
            text = ("" if term is None else f"_:{term.value}" if isinstance(term, ox.BlankNode)
                    else term.value if isinstance(term, ox.NamedNode | ox.Literal) else str(term))
            row.append("'" + text if text.startswith(FORMULA) else text)
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    description: str
    text: str


@cache
def examples() -> tuple[Example, ...]:
    """The example questions shipped in ``graph/rdf/queries/examples``, by file name, with the
    shared rules they include (``#include``) written out, so the reader sees and can change the
    whole question."""
    folder = resources.files("passerelle.graph.rdf.queries").joinpath("examples")
    found = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".rq"):
            continue
        text = queries.expand(entry.read_text(encoding="utf-8"))
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
               "where": None, "downloads": [], "endpoint": "/sparql", "prefixes": PREFIXES,
               "added": []}
    if run and len(sparql) > settings.query_max_body:
        context["error"] = t["query_error_size"].format(n=settings.query_max_body)
        run = False
    if run:
        download = params.get("download")
        text, context["added"] = with_prefixes(sparql)
        try:
            if download in DOWNLOADS:
                answer = _run(request, text, settings, DOWNLOADS[download])
                body, media = answer.body, answer.media_type
                if download == "csv" and media.startswith(RESULTS_JSON):
                    separator = SEPARATORS.get(params.get("sep", ""), ",")
                    body = spreadsheet_csv(body, separator)
                    media = "text/csv; charset=utf-8"
                return Response(body, media_type=media, headers={
                    "Content-Disposition": f'attachment; filename="results.{download}"'})
            context["answer"] = _table(_result(_run(request, text, settings, TABLE)),
                                       settings.base_iri)
        except SyntaxError as error:
            where = readable_error(str(error), sparql, 1 if context["added"] else 0)
            context["where"] = where if "line" in where else None
            context["error"] = t["query_error_syntax"].format(detail=(
                t["query_error_at"].format(line=where["line"], column=where["column"]) + " "
                + t["query_error_" + where["kind"].replace("-", "_")].format(
                    name=where["detail"], words=where["detail"])
                if "line" in where else where["text"]))
        except QueryFailed as error:
            context["error"] = (t["query_error_timeout"].format(
                seconds=f"{settings.query_timeout_s:g}") if str(error) == "timeout"
                else t["query_error"] if str(error) == "format"
                else t["query_error"] + ": " + str(error)[:300])
        answer = context["answer"]
        if answer:
            if answer["kind"] == "select":
                context["downloads"] = [
                    (t["query_csv_" + sep], url_with(request, download="csv", sep=sep,
                                                     example=None))
                    for sep in SEPARATORS] + [("JSON", url_with(request, download="json",
                                                                 sep=None, example=None))]
            else:
                name = "ttl" if answer["kind"] == "graph" else "json"
                context["downloads"] = [("Turtle" if name == "ttl" else "JSON",
                                         url_with(request, download=name, example=None))]
    status = 400 if context["error"] else 200
    return page(request, "query.html", lang, status_code=status, **context)


@router.get("/query")
def query_page(request: Request, settings: SettingsDep) -> Response:
    return render(request, settings)
