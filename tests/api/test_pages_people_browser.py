"""The pages for people in Chromium: the query page's prefix help, readable errors and the jump
to the answer; the resource pages; no Content-Security-Policy violation on any page (Swagger and
ReDoc included, from local assets); and axe-core finds nothing (axe-core from package.json)."""

from __future__ import annotations

import json

import pytest

from tests.api.test_pages_browser import shot
from tests.conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERVICES = "/query?query=SELECT%20%3Fs%20WHERE%20%7B%20%3Fs%20a%20pas%3AService%20%7D%20LIMIT%203"
BAD_PREFIX = "/query?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20foo%3Ax%20%3Fo%20%7D"


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.violations, page.errors = [], []
    page.on("console", lambda m: "Content Security Policy" in m.text
            and page.violations.append(m.text))
    page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
    yield page
    context.close()


def axe(browser, url: str, locale: str = "en-GB", impacts: tuple[str, ...] = ()) -> list[dict]:
    """axe-core's violations on ``url`` (its script is injected, so this context bypasses CSP),
    only those of ``impacts`` (``serious``, ``critical``...) when given."""
    assert AXE.is_file(), "axe-core is missing: run 'make test' (npm install from package.json)"
    context = browser.new_context(locale=locale, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("async () => (await axe.run(document, {resultTypes: "
                              "['violations']})).violations.map(v => ({id: v.id, impact: "
                              "v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))")
    finally:
        context.close()
    return [v for v in found if not impacts or v["impact"] in impacts]


def test_query_page_declares_prefixes_and_jumps_to_the_answer(server, page):
    page.goto(server.url + "/query")
    assert page.get_by_role("heading", name="Prefixes you can use without declaring them") \
        .is_visible()
    page.get_by_label("SPARQL query").fill(
        "SELECT ?name WHERE { ?s a pas:Organisation ; schema:name ?name } LIMIT 5")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url("**/query?*#answer")
    assert page.get_by_text("Declared for you: pas, schema.").first.is_visible()
    assert page.get_by_role("region", name="Results table").is_visible()
    top = page.evaluate("document.getElementById('answer').getBoundingClientRect().top")
    assert -5 <= top < 800, "the answer is not in view"
    shot(page, "query-prefixes-declared")
    assert page.violations == []


def test_query_page_error_is_one_line_with_the_place_marked(server, page):
    page.goto(server.url + "/query")
    page.get_by_label("SPARQL query").fill("SELECT * WHERE {\n  ?s foo:bar ?o\n}")
    page.get_by_role("button", name="Run").click()
    page.wait_for_url("**/query?*#answer")
    alert = page.get_by_role("alert")
    text = alert.locator("#query-error-text").inner_text()
    assert "line 2, column" in text and "PREFIX foo:" in text and "\n" not in text
    assert alert.locator("mark").is_visible()
    selected = page.evaluate("(() => { const e = document.getElementById('query'); "
                             "return e.value.slice(0, e.selectionStart); })()")
    assert selected.rstrip().endswith("?s foo:bar")
    shot(page, "query-error-marked")
    assert page.violations == []


@pytest.mark.parametrize("path", ["/", SERVICES, "/id/organisation/au-maquis", "/id/region/FRL06",
                                  "/ontology"])
def test_pages_run_under_the_security_policy(server, page, path):
    """No policy violation and no console error at all (what a best-practices audit checks)."""
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(r.url))
    page.goto(server.url + path)
    page.wait_for_load_state("load")
    assert page.violations == [] and page.errors == [] and failed == []


@pytest.mark.parametrize("path, ready", [("/docs", ".swagger-ui .info"),
                                         ("/redoc", "[role=search], .api-content")])
def test_api_docs_render_offline_under_the_policy(server, page, path, ready):
    outside = []
    page.on("requestfinished", lambda r: r.url.startswith((server.url, "blob:"))
            or outside.append(r.url))
    page.goto(server.url + path)
    page.wait_for_selector(ready, timeout=30_000)
    assert "Passerelle" in page.content()
    # ReDoc always shows its maker's logo from a CDN; the policy blocks it and ReDoc hides it.
    violations = [v for v in page.violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in v]
    assert outside == [] and violations == [], (outside, page.violations)


@pytest.mark.parametrize("path", ["/query", SERVICES, BAD_PREFIX])
def test_query_page_has_no_axe_finding(server, browser, path):
    found = axe(browser, server.url + path)
    assert found == [], json.dumps(found, indent=1)
