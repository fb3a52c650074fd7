"""The search form with its counts, an empty search's suggestion followed, and the referral
card printed to PDF, in Debian's Chromium driven by Playwright."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.api.test_pages_people_browser import axe

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def test_form_shows_counts_and_greys_out_empty_options(server, page):
    page.goto(server.url + "/?need=employment&region=FRL06")
    vaucluse = page.locator('#region option[value="FRL06"]')
    assert re.search(r"Vaucluse \(\d+\)$", vaucluse.inner_text().strip())
    counts = page.locator("#status option[data-count]")
    assert counts.count() >= 8
    empty = page.locator("option.empty")
    assert empty.count() > 0
    assert all(empty.nth(i).is_disabled() for i in range(empty.count()))
    assert page.get_by_label("Only services open to all, whatever the status").count() == 1
    page.get_by_label("Near (municipality, or latitude,longitude)").fill("cavaillon")
    page.get_by_label("Within (km)").fill("30")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**near=cavaillon**")
    assert "Within 30 km of Cavaillon" in page.locator(".criteria").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-near.png"), full_page=True)


def test_a_suggestion_leads_to_a_page_with_its_count(server, page):
    page.goto(server.url + "/?need=childcare&region=lauris&status=stateless&q=zzz")
    assert page.locator("p.count").get_attribute("data-total") == "0"
    first = page.locator("ul.suggestions li").first
    expected = re.search(r"(\d+) found", first.inner_text()).group(1)
    first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("p.count").get_attribute("data-total") == expected != "0"
    assert page.locator("ol.services li.service").count() == int(expected)


def test_the_criteria_are_kept_on_print(server, page):
    page.goto(server.url + "/?need=employment&status=asylum-seeker&region=FRL06")
    page.emulate_media(media="print")
    assert page.locator("form.search").is_hidden()
    criteria = page.locator(".criteria")
    assert criteria.is_visible() and "Place: Vaucluse" in criteria.inner_text()
    assert page.locator(".criteria .printed").is_visible()


def test_referral_card_prints_on_one_page(server, page):
    page.goto(server.url + "/referral?service=example-french-classes"
              "&service=commune-ferme-training&service=agir&lang=fr&need=language")
    page.emulate_media(media="print")
    assert page.locator(".card-tools").is_hidden()
    assert "Des services pour vous" in page.locator("main").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "referral-card-print.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", pdf))
    assert pages == 1
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "referral-card.pdf").write_bytes(pdf)


@pytest.mark.parametrize("path", [
    "/?need=employment&region=FRL06&near=cavaillon&within_km=40",
    "/?need=childcare&region=lauris&status=stateless&q=zzz",
    "/referral?service=example-french-classes&service=agir&lang=fr&need=language",
])
def test_form_suggestions_and_card_have_no_axe_finding(server, browser, path):
    found = axe(browser, server.url + path)
    assert found == [], json.dumps(found, indent=1)
