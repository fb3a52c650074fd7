"""The pages in Chromium in other languages: Arabic laid out right to left (the form starts on
the right, the language switch sits on the left, codes still read left to right), Greek left to
right, both on screen and on paper, with screenshots in tests/artifacts/ for a person to look
at; and axe-core finds no serious or critical problem in English, French and Arabic."""

from __future__ import annotations

import json

import pytest

from tests.api.test_pages_browser import shot
from tests.api.test_pages_people_browser import axe

RESULTS = "/?need=employment&status=asylum-seeker&region=FRL06"
SERVICES = "/query?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20pas%3AService%20%7D%20LIMIT%203"
AXE_PAGES = {"search": "/", "results": RESULTS, "resource": "/id/organisation/au-maquis",
             "region": "/id/region/FRL06", "query": SERVICES}
EDGES = """() => {
  const box = e => document.querySelector(e).getBoundingClientRect();
  const form = box('form.search .fields'), first = box('form.search .field');
  const languages = box('nav.languages'), header = box('header.site .wrap');
  return {dir: getComputedStyle(document.querySelector('form.search')).direction,
          formLeft: form.left, formRight: form.right, firstLeft: first.left,
          firstRight: first.right, languagesLeft: languages.left, headerLeft: header.left,
          headerRight: header.right, languagesRight: languages.right};
}"""


@pytest.fixture
def context(browser):
    made = []

    def open_page(lang: str, **options):
        made.append(browser.new_context(locale=lang, viewport={"width": 1100, "height": 900},
                                        **options))
        return made[-1].new_page()

    yield open_page
    for c in made:
        c.close()


def edges(page) -> dict:
    return page.evaluate(EDGES)


def test_arabic_search_is_laid_out_right_to_left(server, context):
    page = context("ar")
    page.goto(server.url + "/")  # Accept-Language from the browser's locale
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    found = edges(page)
    assert found["dir"] == "rtl"
    assert abs(found["firstRight"] - found["formRight"]) < 2, found  # starts on the right
    assert found["firstLeft"] > found["formLeft"] + 50, found
    assert found["languagesLeft"] - found["headerLeft"] < 20, found  # switch at the end: left
    assert page.locator(".unreviewed").is_visible()
    shot(page, "search-ar")


def test_arabic_results_keep_numbers_and_codes_left_to_right(server, context):
    page = context("ar")
    page.goto(server.url + RESULTS)
    count = page.locator("p.count").inner_text()
    assert "وجدنا" in count
    assert page.locator("section.results li.service").count() > 0
    assert page.locator(".why li").first.is_visible()
    description = page.locator("p.description span[lang]").first
    assert description.evaluate("e => getComputedStyle(e).direction") == "ltr"  # its own
    assert page.locator("p.description .fallback-lang").first.is_visible()
    shot(page, "search-results-ar")
    page.emulate_media(media="print")
    assert page.locator("form.search").is_hidden()
    title = page.locator(".service h3").first.bounding_box()
    body = page.locator("main").bounding_box()
    assert title["x"] + title["width"] > body["x"] + body["width"] - 40  # still from the right
    shot(page, "search-results-ar-print")
    page.goto(server.url + "/id/region/FRL06?lang=ar")
    iri = page.locator("p.iri bdi")
    assert iri.evaluate("e => getComputedStyle(e).direction") == "ltr"
    assert iri.inner_text().startswith("https://")
    shot(page, "resource-region-ar")


def test_greek_search_and_results_are_left_to_right(server, context):
    page = context("el-GR")
    page.goto(server.url + "/")
    assert page.locator("html").get_attribute("lang") == "el"
    assert page.locator("html").get_attribute("dir") is None
    found = edges(page)
    assert found["dir"] == "ltr"
    assert abs(found["firstLeft"] - found["formLeft"]) < 2, found
    assert page.get_by_label("Ανάγκη").is_visible()
    shot(page, "search-el")
    page.get_by_label("Ανάγκη").select_option("employment")
    page.get_by_label("Καθεστώς του ατόμου").select_option("asylum-seeker")
    page.get_by_label("Τόπος").select_option("FRL06")
    page.get_by_role("button", name="Αναζήτηση").click()
    page.wait_for_url("**/?*need=employment*")
    assert "Βρέθηκ" in page.locator("p.count").inner_text()
    shot(page, "search-results-el")


def test_the_switch_remembers_the_language(server, context):
    page = context("en-GB")
    page.goto(server.url + "/id/region/FRL06")
    page.get_by_role("link", name="فارسی").click()
    assert page.locator("html").get_attribute("lang") == "fa"
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.goto(server.url + "/")  # no parameter: the cookie keeps Persian
    assert page.locator("html").get_attribute("lang") == "fa"
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_no_serious_accessibility_problem_in_each_language(server, browser, lang, name):
    path = AXE_PAGES[name]
    url = server.url + path + ("&" if "?" in path else "?") + f"lang={lang}"
    found = axe(browser, url, locale=lang, impacts=("serious", "critical"))
    assert found == [], json.dumps(found, indent=1, ensure_ascii=False)
