"""Pages in the reader's language: how the language is chosen (``?lang=``, then the switch's
cookie, then Accept-Language by q-value), the switch itself, links that keep the language,
right-to-left pages, the notice on unreviewed catalogues, data text marked with its own
language when it falls back, and no English interface text left on a page in another language
(collected from the rendered pages; names and data, which carry their own ``lang``, excepted).
"""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from passerelle.api import explanations, i18n
from passerelle.settings import Settings

LANGUAGES = Settings.languages.codes
TRANSLATED = [code for code in LANGUAGES if code != "en"]
RTL = {"ar", "fa", "ps"}
RESULTS = {"need": "employment", "status": "asylum-seeker", "region": "FRL06"}
NAMES = "SELECT ?s ?name WHERE { ?s <http://schema.org/name> ?name } LIMIT 3"
PAGES = {
    "search": ("/", {}),
    "results": ("/", RESULTS),
    "nothing found": ("/", {"need": "employment", "region": "EL64", "q": "zzz"}),
    "organisation": ("/id/organisation/au-maquis", {}),
    "region": ("/id/region/FRL06", {}),
    "status": ("/id/status/refugee", {}),
    "query": ("/query", {"query": NAMES}),
    "query error": ("/query", {"query": "SELECT * WHERE { ?s foo:bar ?o }"}),
}
LANGUAGE_EXEMPT = re.compile(
    r'href="/(static/|docs|redoc|openapi\.json|catalog|language\?)')
"""Links that do not carry the page's language: assets, the API's own documentation, and the
switch to the other languages."""


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


@pytest.mark.parametrize(("params", "cookie", "accept", "chosen"), [
    ({"lang": "el"}, "uk", "ar", "el"),
    ({"lang": "PL-pl"}, None, None, "pl"),
    ({}, "uk", "ar, en;q=0.9", "uk"),
    ({}, None, "de-DE, ru;q=0.5, ar;q=0.8, es;q=0.8", "ar"),
    ({}, None, "fa-AF;q=0.2, ps", "ps"),
    ({}, None, "ru;q=0, de", "en"),
    ({"lang": "de"}, "xx", "pl;q=0.7", "pl"),
    ({}, None, None, "en"),
])
def test_language_is_the_parameter_then_the_cookie_then_accept_language(
        server, params, cookie, accept, chosen):
    headers = {"Accept-Language": accept} if accept else {}
    if cookie:
        headers["Cookie"] = f"lang={cookie}"
    response = server.get("/", params=params, headers=headers)
    assert response.status_code == 200
    assert html_lang(response.text) == chosen
    assert response.headers["content-language"] == chosen
    assert "cookie" in response.headers["vary"].lower()


def test_the_switch_sets_the_cookie_and_comes_back_in_that_language(server):
    page = server.get("/id/region/FRL06", headers={"Accept": "text/html"}).text
    links = re.findall(r'<a href="(/language\?[^"]+)" hreflang="([a-z]+)"', page)
    assert [code for _, code in links] == list(LANGUAGES)
    href = dict((code, h) for h, code in links)["ar"].replace("&amp;", "&")
    response = httpx.get(server.url + href, follow_redirects=False)  # keeps no cookie
    assert response.status_code == 303
    target = response.headers["location"]
    assert urlsplit(target).path == "/id/region/FRL06"
    assert parse_qs(urlsplit(target).query)["lang"] == ["ar"]
    assert re.search(r"\blang=ar\b", response.headers["set-cookie"])
    again = server.get("/id/region/FRL06", headers={"Cookie": "lang=ar", "Accept": "text/html"})
    assert html_lang(again.text) == "ar"


@pytest.mark.parametrize(("params", "names"), [
    ({"lang": "xx", "next": "/"}, "lang"),
    ({"lang": "fr", "next": "//elsewhere.example/"}, "next"),
    ({"lang": "fr", "next": "https://elsewhere.example/"}, "next"),
    ({"lang": "fr", "next": "/\\elsewhere.example"}, "next"),
])
def test_the_switch_refuses_unknown_languages_and_other_sites(server, params, names):
    response = httpx.get(server.url + "/language", params=params, follow_redirects=False)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", names]
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("name", ["results", "organisation", "region", "query"])
def test_every_link_to_a_page_keeps_the_language_chosen_in_the_address(server, name):
    path, params = PAGES[name]
    page = server.get(path, params={**params, "lang": "uk"},
                      headers={"Accept": "text/html"}).text
    local = re.findall(r'href="(/[^"]*)"', page)
    assert len(local) > 5
    lost = [h for h in local if not LANGUAGE_EXEMPT.match(f'href="{h}')
            and not re.search(r"[?&;]lang=uk\b", h)]
    assert lost == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_direction_and_the_unreviewed_notice(server, lang):
    page = server.get("/", params={"lang": lang}).text
    assert re.search(rf'<html lang="{lang}"( dir="rtl")?>', page)
    assert ('dir="rtl">' in page.split("\n", 3)[1]) == (lang in RTL)
    notice = 'class="unreviewed"' in page
    assert notice == (not i18n.reviewed(lang))
    assert notice == (lang != "en")


def test_results_read_in_arabic_with_plural_and_explanations(server):
    page = server.get("/", params={**RESULTS, "lang": "ar"}).text
    t = i18n.messages("ar")
    total = len(re.findall(r'<li class="service">', page))
    assert total > 0
    assert t["results_count"].format(n=total) in page
    assert t["why_open"] in page or t["why_same_status"].split("«")[0] in page


def test_codes_stay_left_to_right_inside_right_to_left_pages(server):
    page = server.get("/id/region/FRL06", params={"lang": "ar"},
                      headers={"Accept": "text/html"}).text
    assert '<bdi dir="ltr"><code>https://w3id.org/passerelle/id/region/FRL06</code></bdi>' in page
    assert "<bdi>FRL06</bdi>" in page


def test_data_text_in_another_language_is_marked_with_it(server):
    """The seed's descriptions are in English or French: on an Arabic page each is tagged with
    its language and says which, while on an English page an English one is left plain."""
    page = server.get("/", params={**RESULTS, "lang": "ar"}).text
    descriptions = re.findall(r'<p class="description">(.*?)</p>', page, re.S)
    assert descriptions
    for text in descriptions:
        found = re.match(r'<span lang="(en|fr)" dir="auto">.+</span> '
                         r'<span class="fallback-lang">\((.+)\)</span>', text, re.S)
        assert found, text[:200]
        assert found.group(2) == i18n.messages("ar")["in_language"].format(
            language={"en": "الإنجليزية", "fr": "الفرنسية"}[found.group(1)])
    english = server.get("/", params=RESULTS).text
    assert 'class="fallback-lang"' not in english.split('id="results-heading"')[1] or \
        'lang="fr"' in english


class Visible(HTMLParser):
    """The text a reader sees (and hears: aria-label) in the page's own language: text inside
    an element with another ``lang`` (data, names, example titles) is left out, and so are code,
    scripts and the query editor. An aria-label that repeats such text (``Charger « title »``
    around an English example title) is read without it: HTML cannot mark a language inside an
    attribute."""

    SKIPPED = {"script", "style", "code", "pre", "textarea", "option", "optgroup"}
    VOID = {"meta", "link", "input", "br", "img", "hr"}

    def __init__(self, lang: str):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.lang = lang
        self.texts: list[str] = []
        self.labels: list[tuple[int, str, list[str]]] = []
        """Open elements with an aria-label: depth, label, foreign texts inside them."""

    def foreign(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        own = attrs.get("lang")
        skip = tag in self.SKIPPED or (own is not None and own != self.lang and tag != "html")
        labelled = not self.foreign() and not skip and attrs.get("aria-label")
        if tag not in self.VOID:
            self.stack.append((tag, skip))
            if labelled:
                self.labels.append((len(self.stack), attrs["aria-label"], []))
        elif labelled:
            self.texts.append(attrs["aria-label"])

    def handle_endtag(self, tag):
        while self.stack:
            depth = len(self.stack)
            if self.labels and self.labels[-1][0] == depth:
                _, label, foreign = self.labels.pop()
                for text in foreign:
                    label = label.replace(text, " ")
                self.texts.append(" ".join(label.split()))
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not data.strip():
            return
        if not self.foreign():
            self.texts.append(" ".join(data.split()))
        elif not any(tag in self.SKIPPED for tag, _ in self.stack):
            for _, _, foreign in self.labels:
                foreign.append(data.strip())


def english_fragments(lang: str) -> list[str]:
    """The pieces of English interface text (between placeholders, two words or more) of every
    message the catalogue of ``lang`` translates differently."""
    t = i18n.translations(lang)
    out = set()
    for context, english in i18n.entries():
        forms = english if isinstance(english, tuple) else (english,)
        translated = t.npgettext(context, *forms, 2) if isinstance(english, tuple) \
            else t.pgettext(context, english)
        if translated in forms:
            continue
        for form in forms:
            for literal, *_ in string.Formatter().parse(form):
                piece = literal.strip(" .,:;()“”")
                if len(piece.split()) >= 2 and len(piece) >= 10:
                    out.add(piece)
    return sorted(out)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_english_interface_text_is_left_on_pages_in_another_language(server, lang):
    fragments = english_fragments(lang)
    assert len(fragments) > 100
    english = Visible("en")
    english.feed(server.get("/", params=RESULTS).text)
    assert len([f for f in fragments if f in " | ".join(english.texts)]) > 10, \
        "the check would not see English"
    left = {}
    for name, (path, params) in PAGES.items():
        response = server.get(path, params={**params, "lang": lang},
                              headers={"Accept": "text/html"})
        assert html_lang(response.text) == lang
        parser = Visible(lang)
        parser.feed(response.text)
        text = " | ".join(parser.texts)
        assert len(text) > 200, name
        found = [f for f in fragments if f in text]
        if found:
            left[name] = found
    assert left == {}


@pytest.mark.parametrize("lang", ["es", "ar", "uk"])
def test_the_api_explains_in_the_language_asked(server, lang):
    """``explain=true`` words each rule from the catalogue of the language asked."""
    body = server.get("/api/services", params={**RESULTS, "explain": "true", "lang": lang}).json()
    assert body["total"] > 0
    t = i18n.messages(lang)
    texts = [rule["text"] for item in body["items"] for rule in explanations.rules(item["why"])]
    assert t["why_open"] in texts
