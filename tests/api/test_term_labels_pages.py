"""Pages name the ontology's terms in the reader's language: a resource page's kind and facts,
and the /ontology page, which renders in the language the request chooses (the pages' one
chooser) with each term's name picked by the one label picker.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from rdflib import RDFS

from passerelle.settings import Settings
from tests.ontology.test_term_labels import CORE, TERMS

LANGUAGES = Settings.languages.codes
TRANSLATED = [code for code in LANGUAGES if code != "en"]
RTL = {"ar", "fa", "ps"}
FULL_SERVICE = "/id/service/example-french-classes"
"""A service with the facts the interface catalogue has no words of its own for (ages,
documents to bring, interpretation, accessibility), so the vocabulary's labels name them."""


def label(term, lang: str) -> str:
    return next(str(o) for o in CORE.objects(term, RDFS.label) if o.language == lang)


def english_only(lang: str) -> set[str]:
    """English labels of the core's terms that are not also the term's label in ``lang``."""
    terms = TERMS["class"] + TERMS["property"]
    return {label(t, "en").casefold() for t in terms} - {label(t, lang).casefold() for t in terms}


class Texts(HTMLParser):
    """The page's text nodes, stripped, outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self.skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.found.append(data.strip())


def texts(page: str) -> list[str]:
    parser = Texts()
    parser.feed(page)
    return parser.found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_vocabulary_page_speaks_the_reader_s_language(server, lang):
    response = server.get("/ontology", params={"lang": lang}, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-language"] == lang
    assert "Accept-Language" in response.headers["vary"]
    page = response.text
    direction = ' dir="rtl"' if lang in RTL else ""
    assert f'<html lang="{lang}"{direction}>' in page
    for term in TERMS["class"] + TERMS["property"]:
        curie = "pas:" + str(term).rsplit("#", 1)[1]
        shown = re.search(rf'<h3><bdi><code>{curie}</code></bdi> (.*?)</h3>', page)
        assert shown, curie
        assert shown.group(1).replace("&#39;", "'") == label(term, lang), curie
    if lang != "en":
        assert "Passerelle vocabulary" not in page and ">Properties (" not in page


def test_the_vocabulary_page_follows_the_cookie_and_accept_language(server):
    by_cookie = server.get("/ontology", headers={"Accept": "text/html", "Cookie": "lang=el"})
    assert '<html lang="el">' in by_cookie.text
    by_header = server.get("/ontology", headers={"Accept": "text/html",
                                                 "Accept-Language": "de, uk;q=0.8, en;q=0.5"})
    assert by_header.headers["content-language"] == "uk"
    assert server.get("/ontology", headers={"Accept": "text/turtle",
                                            "Cookie": "lang=el"}).text.startswith("@prefix")


def test_make_docs_writes_the_english_page(tmp_path):
    from passerelle.api import ontology_doc

    assert ontology_doc.main([str(tmp_path)]) == 0
    assert '<html lang="en">' in (tmp_path / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_a_resource_page_shows_no_english_term_label(server, lang):
    page = server.get(FULL_SERVICE, params={"lang": lang},
                      headers={"Accept": "text/html"}).text
    found = {text.casefold() for text in texts(page)}
    assert found & english_only(lang) == set()
    service = label(next(t for t in TERMS["class"] if str(t).endswith("#Service")), lang)
    assert service.casefold() in found
    for local in ("minimumAge", "requiredDocument", "accessibility", "interpretationAvailable"):
        term = next(t for t in TERMS["property"] if str(t).endswith("#" + local))
        words = label(term, lang)
        assert (words[:1].upper() + words[1:]).casefold() in found, (local, words)
