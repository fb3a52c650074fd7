"""Regional factfiles for people and programs: ``/factfiles`` and ``/factfiles/{code}``.

HTML by default (every interface language, printable on A4), JSON by ``Accept:
application/json``. The coverage matrix is drawn on the server as an SVG heat map: each cell
carries its number as text and its colour darkens with the number (a scale that stays ordered
in greyscale), the SVG is named and described for screen readers, and the same numbers follow
as a table, the heat map's text alternative. Gaps come from ``graph/`` as codes and are worded
here from the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from passerelle.api.deps import SettingsDep, StoreDep
from passerelle.api.places import PlaceName
from passerelle.api.web import choose_language, local_href, messages, page
from passerelle.graph.rdf import formats
from passerelle.graph.read import coverage, factfile
from passerelle.graph.read.factfile import Region
from passerelle.graph.store.base import Store

router = APIRouter(include_in_schema=False)

HTML = "text/html"
JSON = "application/json"
VARY = {"Vary": "Accept, Accept-Language"}

SCALE = ((0, "#ffffff", "#000000"), (1, "#c6dbef", "#000000"), (2, "#6baed6", "#000000"),
         (4, "#2171b5", "#ffffff"), (8, "#08306b", "#ffffff"))
"""(from this many services, fill, text colour): lightness falls as the count rises, so the
order survives greyscale, and each text colour keeps at least 4.5:1 contrast on its fill."""
LABEL_WIDTH, CELL_WIDTH, CELL_HEIGHT, LINE = 230, 90, 26, 14
LINE_CHARACTERS = 13
"""A column's label is wrapped in lines of about this many characters to fit its width."""


@dataclass(frozen=True)
class Square:
    x: int
    y: int
    fill: str
    ink: str
    text: str
    title: str


def wrap(label: str) -> list[str]:
    """``label`` in lines of at most ``LINE_CHARACTERS`` where words allow."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= LINE_CHARACTERS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [label]


def shade(total: int) -> tuple[str, str]:
    return next((fill, ink) for floor, fill, ink in reversed(SCALE) if total >= floor)


def heatmap(matrix: coverage.Matrix, lang: str, t: dict) -> dict:
    """Where the heat map's labels and squares go, their colours and texts."""
    needs = {n.code: n for n in matrix.needs}
    statuses = {s.code: s for s in matrix.statuses}
    columns = {s.code: i for i, s in enumerate(matrix.statuses)}
    rows = {n.code: i for i, n in enumerate(matrix.needs)}
    headings = [wrap(s.label(lang)) for s in matrix.statuses]
    header = LINE * max((len(h) for h in headings), default=1) + 12
    squares = []
    for cell in matrix.cells:
        fill, ink = shade(cell.total)
        text = str(cell.total) + (f" (+{cell.not_stated})" if cell.not_stated else "")
        squares.append(Square(
            LABEL_WIDTH + columns[cell.status] * CELL_WIDTH, header + rows[cell.need] * CELL_HEIGHT,
            fill, ink, text, t["coverage_cell"].format(
                need=needs[cell.need].label(lang), status=statuses[cell.status].label(lang),
                total=cell.total, open=cell.open_to_all, restricted=cell.restricted,
                unknown=cell.not_stated)))
    return {
        "width": LABEL_WIDTH + CELL_WIDTH * len(matrix.statuses) + 4,
        "height": header + CELL_HEIGHT * len(matrix.needs) + 4,
        "cell_width": CELL_WIDTH, "cell_height": CELL_HEIGHT, "label_width": LABEL_WIDTH,
        "header": header, "line": LINE,
        "rows": [(header + i * CELL_HEIGHT, ("\u2003" * n.depth) + n.label(lang))
                 for i, n in enumerate(matrix.needs)],
        "columns": [(LABEL_WIDTH + i * CELL_WIDTH + CELL_WIDTH // 2, lines)
                    for i, lines in enumerate(headings)],
        "squares": squares,
        "legend": [(fill, floor, SCALE[i + 1][0] - 1 if i + 1 < len(SCALE) else None)
                   for i, (floor, fill, _) in enumerate(SCALE)],
    }


def _common(label: str) -> str:
    """A vocabulary label inside a sentence: needs and statuses are common nouns."""
    return label[:1].lower() + label[1:]


def gap_sentences(matrix: coverage.Matrix, lang: str, t: dict) -> list[dict]:
    """Each gap of the matrix in words, with its codes."""
    needs = {n.code: _common(n.label(lang)) for n in matrix.needs}
    statuses = {s.code: _common(s.label(lang)) for s in matrix.statuses}
    out = []
    for gap in coverage.gaps(matrix):
        if gap.everyone and not gap.unstated:
            text = t["gap_none"].format(need=needs[gap.need])
        else:
            names = [statuses[s] for s in gap.statuses]
            joined = (", ".join(names[:-1]) + f" {t['or']} " + names[-1]) if len(names) > 1 \
                else names[0]
            text = t["gap_status"].format(need=needs[gap.need], statuses=joined)
            if gap.unstated:
                text += " " + t["gap_unstated"].format(n=gap.unstated)
        out.append({"need": gap.need, "statuses": list(gap.statuses),
                    "no_service_at_all": gap.everyone and not gap.unstated,
                    "not_stated": gap.unstated, "text": text})
    return out


def summary(store: Store, region: Region, lang: str, t: dict, matrix: coverage.Matrix) -> dict:
    """The index line of a region: what it has, and how many needs have a gap."""
    parts = factfile.contents(store, region)
    rows = [[matrix.cell(n.code, s.code) for s in matrix.statuses] for n in matrix.needs]
    counts = {"roundtables": len(parts.get("event", [])),
              "pilots": len(parts.get("pilot-action", [])),
              "practices": len(parts.get("practice", [])),
              "served": sum(any(c.total or c.not_stated for c in row) for row in rows),
              "open": sum(any(c.open_to_all for c in row) for row in rows),
              "needs": len(matrix.needs)}
    return {"code": region.code, "id": region.iri, "name": region.name(lang),
            "href": f"/factfiles/{region.code}?lang={lang}", **counts,
            "text": t["factfile_summary"].format(**counts)}


def _media(request: Request) -> str | None:
    if request.query_params.get("format") == "json":
        return JSON
    return formats.negotiate(request.headers.get("accept"), [HTML, JSON], default=HTML)


def not_acceptable() -> Response:
    return JSONResponse({"detail": f"acceptable media types: {HTML}, {JSON}"}, status_code=406,
                        headers=VARY)


@router.get("/factfiles")
def factfile_index(request: Request, store: StoreDep) -> Response:
    media = _media(request)
    if media is None:
        return not_acceptable()
    lang = choose_language(request)
    t = messages(lang)
    regions = factfile.regions(store)
    found = {m.region.iri: m for m in coverage.matrices(store, [r.iri for r in regions])} \
        if regions else {}
    lines = [summary(store, r, lang, t, found[r.iri]) for r in regions]
    if media == JSON:
        return JSONResponse({"total": len(lines), "items": lines}, headers=VARY)
    return page(request, "factfiles.html", lang, regions=lines)


@router.get("/factfiles/{code}")
def factfile_page(request: Request, store: StoreDep, settings: SettingsDep, code: str
                  ) -> Response:
    media = _media(request)
    if media is None:
        return not_acceptable()
    lang = choose_language(request)
    t = messages(lang)
    region = factfile.find(store, code[:200])
    if region is None:
        if media == JSON:
            return JSONResponse({"detail": f"no factfile for region {code[:200]!r}"},
                                status_code=404, headers=VARY)
        return page(request, "factfiles.html", lang, status_code=404, regions=None,
                    missing=code[:80])
    found = factfile.factfile(store, region, lang)
    found["region"]["name"] = PlaceName(found["region"]["name"], region.iri)
    matrix = found["coverage"]
    gaps = gap_sentences(matrix, lang, t)
    if media == JSON:
        return JSONResponse({**found, "coverage": matrix.as_dict(), "gaps": gaps},
                            headers=VARY)
    base = settings.base_iri
    return page(request, "factfile.html", lang, f=found, gaps=gaps,
                heat=heatmap(matrix, lang, t), matrix=matrix, link=lambda i: local_href(i, base),
                labels={"needs": {n.code: n.label(lang) for n in matrix.needs},
                        "statuses": [(s.code, s.label(lang)) for s in matrix.statuses]})
