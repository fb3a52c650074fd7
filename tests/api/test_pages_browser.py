"""The pages in a real browser: Debian's Chromium driven by Playwright, with and without
JavaScript, by mouse and by keyboard. Screenshots go to tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def results(page) -> str:
    return page.locator("section.results").inner_text()


def test_search_flow_finds_the_farm_and_not_agir(server, page):
    page.goto(server.url + "/")
    page.get_by_label("Need").select_option("employment")
    page.get_by_label("Client's status").select_option("asylum-seeker")
    page.get_by_label("Place").select_option("FRL06")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/?*need=employment*")
    text = results(page)
    assert "La Commune Ferme" in text
    assert "AGIR" not in text
    assert "Open to all, whatever the status" in text
    shot(page, "search-results")
    page.emulate_media(media="print")
    assert page.locator("form.search").is_hidden()
    shot(page, "search-results-print")


def test_french_page(server, browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(server.url + "/?need=employment&status=asylum-seeker&region=FRL06")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_label("Besoin").is_visible()
    assert "Ouvert à tous, quel que soit le statut" in results(page)
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "search-switched-to-english")
    context.close()


def test_resource_page_and_its_links(server, page):
    page.goto(server.url + "/id/organisation/au-maquis")
    assert page.get_by_role("heading", level=1).inner_text() == "Au Maquis"
    shot(page, "resource-au-maquis")
    page.get_by_role("link", name="La Commune Ferme", exact=False).first.click()
    assert "La Commune Ferme" in page.get_by_role("heading", level=1).inner_text()
    with page.expect_response(lambda r: "format=ttl" in r.url) as response:
        page.goto(page.url + "?format=ttl")
    assert response.value.headers["content-type"].startswith("text/turtle")


def test_query_page_runs_an_example(server, page):
    page.goto(server.url + "/query")
    page.get_by_role("link", name="Load “Services by need”").click()
    assert page.url.endswith("/query")  # with JavaScript the editor is filled in place
    assert "# title: Services by need" in page.get_by_label("SPARQL query").input_value()
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("table.results-table")
    assert "La Commune Ferme" in page.locator("table.results-table").inner_text()
    assert page.get_by_role("link", name="CSV (comma)").is_visible()
    shot(page, "query-results")


def test_everything_works_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Need").select_option("employment")
    page.get_by_label("Place").select_option("FRL06")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**need=employment*")
    assert "La Commune Ferme" in results(page)
    page.goto(server.url + "/query")
    page.get_by_role("link", name="Load “Services by need”").click()
    page.wait_for_url("**example=services-by-need*")
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector("table.results-table")
    shot(page, "query-without-javascript")
    context.close()


def test_keyboard_only_search(server, page):
    page.goto(server.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")  # skip link: focus moves into main
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id"))
        if seen[-1] == "need":
            break
    assert seen[-1] == "need", seen
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # :focus-visible draws a visible ring
    for _ in range(20):  # a closed select changes its value with the arrow keys
        if page.locator("#need").input_value() == "employment":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#need").input_value() == "employment"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "BUTTON":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**need=employment*")
    assert "La Commune Ferme" in results(page)
    shot(page, "keyboard-search")
