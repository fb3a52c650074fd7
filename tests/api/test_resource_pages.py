"""Resource pages for people, over HTTP and in Chromium: what it is and its description first,
facts in words, a region's services as the search finds them, the resource's own sources, the
identifier and formats last; axe-core finds nothing."""

from __future__ import annotations

import json
import re

import pytest

from tests.api.test_pages_people_browser import axe

PAGES = ["/id/organisation/au-maquis", "/id/region/FRL06", "/id/service/agir-vaucluse",
         "/id/status/refugee"]


def _page(server, path: str) -> str:
    response = server.get(path, params={"lang": "en"}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_what_it_is_and_its_description_come_first_and_formats_last(server):
    html = _page(server, "/id/organisation/au-maquis")
    h1 = html.index("<h1>")
    assert h1 < html.index('class="summary"') < html.index('id="facts-heading"')
    assert html.index('id="facts-heading"') < html.index('id="machine-heading"')
    assert html.index('<a href="?format=ttl"') > html.index('id="provenance-heading"')
    assert 'class="kind"' in html


@pytest.mark.parametrize("path", PAGES)
def test_no_prefixed_terms_for_people(server, path):
    text = _text(_page(server, path).split('id="machine-heading"')[0])
    found = re.findall(r"\b(?:dct|xsd|rdfs|skos|pas|schema|org|owl|prov):[A-Za-z]+", text)
    assert found == [], found


def test_region_page_lists_the_services_the_search_finds(server):
    html = _page(server, "/id/region/FRL06")
    section = html.split('id="services-heading"')[1].split("</section>")[0]
    listed = set(re.findall(r'title="([^"]+)"', section))
    found = server.get("/api/services", params={"region": "FRL06", "limit": 100}).json()
    assert listed == {item["id"] for item in found["items"]}
    assert len(listed) >= 2
    assert 'href="/?region=FRL06&amp;lang=en"' in section
    assert "NUTS code" in html and "ISO 3166-1" in html


def test_sources_are_the_resources_own(server):
    html = _page(server, "/id/organisation/au-maquis")
    section = html.split('id="provenance-heading"')[1].split("</section>")[0]
    sources = re.findall(r'<li><a href="([^"]+)"', section)
    assert sources
    assert not any("karditsa" in s.lower() or ".pl/" in s for s in sources), sources


@pytest.mark.parametrize("path", PAGES)
def test_resource_pages_have_no_axe_finding(server, browser, path):  # noqa: F811
    found = axe(browser, server.url + path)
    assert found == [], json.dumps(found, indent=1)
