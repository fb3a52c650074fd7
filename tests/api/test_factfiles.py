"""Regional factfiles over HTTP and in Chromium: the index, a factfile's parts in order, the heat
map with its text alternative and the same numbers as ``/api/coverage``, gaps in words, JSON by
Accept, links from the search and region pages; every interface language renders, axe-core finds
nothing, and the page prints on A4 without cut content."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from passerelle.api.web import INTERFACE
from passerelle.graph.read.labels import pick
from tests.api.test_pages_browser import shot
from tests.api.test_pages_people_browser import axe

SIRA = ["EL611", "ES242", "ES417", "ES424", "FRC13", "FRI21", "FRK24", "FRL06", "PL51", "PL9"]
PARTS = ["platform-heading", "partners-heading", "roundtables-heading", "pilots-heading",
         "practices-heading", "coverage-heading", "gaps-heading", "services-heading",
         "sources-heading"]


def html(server, path: str, lang: str = "en") -> str:
    response = server.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def text(markup: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def test_index_lists_the_ten_regions_with_a_line_each(server):
    page = html(server, "/factfiles")
    listed = re.findall(r'href="/factfiles/([A-Z0-9]+)\?lang=en"', page)
    assert listed == SIRA
    found = server.get("/factfiles", headers={"Accept": "application/json"}).json()
    assert [item["code"] for item in found["items"]] == SIRA
    vaucluse = next(item for item in found["items"] if item["code"] == "FRL06")
    assert vaucluse["roundtables"] >= 4 and vaucluse["pilots"] >= 1
    assert vaucluse["text"] in text(page)


def test_a_factfile_has_its_parts_in_order(server):
    page = html(server, "/factfiles/FRL06")
    positions = [page.index(f'id="{part}"') for part in PARTS]
    assert positions == sorted(positions)
    words = text(page)
    assert "Factfile: Vaucluse" in words
    assert "Entraide Pierre Valdo" in words and "ran the platform" in words
    for date in ("2021-04-22", "2021-07-27", "2021-10-06", "2022-05-09"):
        assert date in words
    assert "La Commune Ferme" in words  # the pilot action
    assert "NUMA" in words and "AGIR (Vaucluse, 2021)" in words  # practices presented
    assert "last checked on 2026-12-03" in words


def test_the_heat_map_has_a_text_alternative_and_the_api_numbers(server):
    page = html(server, "/factfiles/FRL06")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="heat-title heat-desc"' in svg
    assert re.search(r'<title id="heat-title">[^<]{10,}</title>', svg)
    assert re.search(r'<desc id="heat-desc">[^<]{20,}</desc>', svg)
    found = server.get("/api/coverage", params={"region": "FRL06"}).json()
    squares = re.findall(r'<g><title>([^<]+)</title>\s*<rect[^>]*fill="(#[0-9a-f]{6})"[^>]*/>\s*'
                         r'<text[^>]*fill="(#[0-9a-f]{6})"[^>]*>([^<]+)</text>', svg)
    assert len(squares) == len(found["cells"])
    for (title, fill, ink, shown), cell in zip(squares, found["cells"], strict=True):
        expected = str(cell["total"]) + (f" (+{cell['not_stated']})" if cell["not_stated"] else "")
        assert shown == expected
        assert f": {cell['total']} services" in title
        assert (fill == "#ffffff") == (cell["total"] == 0)
        assert (ink == "#ffffff") == (cell["total"] >= 4)  # light text only on dark squares
    table = page[page.index('class="coverage-table"'):]
    table = table[:table.index("</table>")]
    cells = re.findall(r"<td>([^<]+)</td>", table)
    assert [c.strip() for c in cells] == [s[3] for s in squares]


def test_gaps_are_said_in_words(server):
    found = server.get("/factfiles/FRL06", headers={"Accept": "application/json"}).json()
    words = text(html(server, "/factfiles/FRL06"))
    assert found["gaps"]
    for gap in found["gaps"]:
        assert gap["text"] in words
        for status in gap["statuses"]:
            cell = next(c for c in found["coverage"]["cells"]
                        if c["need"] == gap["need"] and c["status"] == status)
            assert cell["total"] == 0
    assert re.search(r"No service for [a-z ]+ is stated as open to [^.]*asylum seekers?", words)
    nothing = [g for g in found["gaps"] if g["no_service_at_all"]]
    assert nothing and all(g["text"].endswith("is recorded in this region.") for g in nothing)
    french = text(html(server, "/factfiles/FRL06", "fr"))
    assert "Manques" in french and "n'est enregistré dans cette région." in french


def test_services_by_need_come_with_their_contacts(server):
    page = html(server, "/factfiles/FRL06")
    section = page[page.index('id="services-heading"'):page.index('id="sources-heading"')]
    assert 'href="/id/service/commune-ferme-training"' in section
    assert "tel:" in section or "mailto:" in section
    employment = server.get("/api/services", params={"need": "employment",
                                                     "region": "FRL06"}).json()["total"]
    assert re.search(rf'id="need-employment">[^<]+<span class="count">\({employment}\)', section)


def test_json_by_accept(server):
    response = server.get("/factfiles/FRL06", headers={"Accept": "application/json"})
    assert response.status_code == 200
    found = response.json()
    assert found["region"]["code"] == "FRL06"
    assert found["coverage"] == server.get("/api/coverage", params={"region": "FRL06"}).json()
    dates = [e["start_date"] for e in found["roundtables"]]
    assert dates == sorted(dates)
    assert {"2021-04-22", "2021-07-27", "2021-10-06", "2022-05-09"} <= set(dates)
    assert {g["need"] for g in found["gaps"]} >= {"childcare"}
    assert all(g["text"] for g in found["gaps"])
    assert found["sources"] and all(s["checked"] for s in found["sources"])


@pytest.mark.parametrize("path", ["/factfiles/XX", "/factfiles/FR", "/factfiles/%3Cscript%3E",
                                  "/factfiles/" + "A" * 300])
def test_a_region_without_a_factfile_is_a_404(server, path):
    before = server.triple_count()
    response = server.get(path)
    assert response.status_code == 404
    assert "<script>" not in response.text
    json_answer = server.get(path, headers={"Accept": "application/json"})
    assert json_answer.status_code == 404 and "no factfile" in json_answer.json()["detail"]
    assert server.triple_count() == before


def test_a_format_it_does_not_offer_is_a_406(server):
    assert server.get("/factfiles/FRL06", headers={"Accept": "text/turtle"}).status_code == 406


def test_links_from_the_search_page_and_region_pages(server):
    assert 'href="/factfiles?lang=en"' in html(server, "/")
    assert 'href="/factfiles/FRL06?lang=en"' in html(server, "/id/region/FRL06")
    assert "/factfiles/" not in html(server, "/id/region/FR")


# --- in Chromium ---------------------------------------------------------------------------

ONTOLOGY = Path(__file__).parents[2] / "ontology"


def vaucluse(lang: str) -> str:
    """The region's name as a reader of ``lang`` sees it, through the one label picker."""
    graph = Graph().parse(ONTOLOGY / "regions.ttl")
    names = {o.language or "": str(o) for o in graph.objects(
        URIRef("https://w3id.org/passerelle/id/region/FRL06"), SKOS.prefLabel)}
    return pick(names, lang)


@pytest.mark.parametrize("lang", [language.code for language in INTERFACE])
def test_factfile_renders_in_every_interface_language(server, browser, lang):
    context = browser.new_context(locale=lang)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/factfiles/FRL06?lang={lang}")
        assert page.locator("html").get_attribute("lang") == lang
        direction = next(x.direction for x in INTERFACE if x.code == lang)
        assert (page.locator("html").get_attribute("dir") == "rtl") == (direction == "rtl")
        heat = page.get_by_role("img", name=re.compile(re.escape(vaucluse(lang))))
        assert heat.is_visible()
        assert heat.bounding_box()["width"] > 300
        shot(page, f"factfile-FRL06-{lang}")
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/factfiles/FRL06?lang=en", "/factfiles/FRL06?lang=fr",
                                  "/factfiles?lang=en"])
def test_factfile_pages_have_no_axe_finding(server, browser, path):
    found = axe(browser, server.url + path)
    assert found == [], json.dumps(found, indent=1)


A4_PRINTABLE_PX = 688
"""210 mm less the 14 mm margins of factfile.css, at 96 px per inch."""


def test_factfile_prints_on_a4_without_cut_content(server, browser, tmp_path):
    context = browser.new_context(locale="en-GB",
                                  viewport={"width": A4_PRINTABLE_PX, "height": 1000})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/factfiles/FRL06?lang=en")
        page.emulate_media(media="print")
        assert page.locator("header.site nav").first.is_hidden()
        overflow = page.evaluate("""() => {
            const width = document.documentElement.clientWidth;
            return [...document.querySelectorAll('main *')]
              .filter(e => e.getClientRects().length)
              .filter(e => e.getBoundingClientRect().right > width + 1)
              .map(e => e.tagName + '.' + e.className + ' ' + Math.round(
                  e.getBoundingClientRect().right)).slice(0, 10);
        }""")
        assert overflow == [], overflow
        assert page.evaluate("document.documentElement.scrollWidth") <= A4_PRINTABLE_PX
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
        (tmp_path / "factfile.pdf").write_bytes(pdf)
        assert pdf.startswith(b"%PDF")
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        assert 2 <= pages <= 12, pages
        shot(page, "factfile-FRL06-print")
    finally:
        context.close()
