"""The referral card in every interface language: no English interface text left on a card in
another language (collected from the rendered card as the pages' check does; data carries its own
``lang`` and is left out), right to left for Arabic, Persian and Pashto, and the card's own
language said in ``Content-Language``.

Two readers meet on one page: the card speaks the client's language (``lang``), its tool bar the
caseworker's. Both are checked: a caseworker reading the same language as the card, and an
English-speaking caseworker, whose bar is marked as English and so is not the card's text.
"""

from __future__ import annotations

import re

import pytest

from passerelle.api import i18n
from passerelle.settings import Settings
from tests.api.test_page_languages import RTL, TRANSLATED, Visible, english_fragments

SERVICES = ["example-french-classes", "commune-ferme-training"]
CRITERIA = {"need": "employment", "region": "FRL06", "status": "refugee",
            "show_status": "true"}


def card(server, lang: str, caseworker: str):
    return server.get("/referral", params={"service": SERVICES, "lang": lang, **CRITERIA},
                      headers={"Cookie": f"lang={caseworker}"})


def visible_english(page: str, lang: str, fragments: list[str]) -> list[str]:
    parser = Visible(lang)
    parser.feed(page)
    text = " | ".join(parser.texts)
    assert len(text) > 200
    return [f for f in fragments if f in text]


def test_the_check_sees_english_on_an_english_card(server):
    page = card(server, "en", "en").text
    assert len(visible_english(page, "en", english_fragments("fr"))) > 5


@pytest.mark.parametrize("caseworker", ["same", "en"])
@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_english_interface_text_on_a_card_in_another_language(server, lang, caseworker):
    caseworker = lang if caseworker == "same" else caseworker
    response = card(server, lang, caseworker)
    assert response.status_code == 200
    assert response.headers["content-language"] == lang
    page = response.text
    direction = ' dir="rtl"' if lang in RTL else ""
    assert f'<html lang="{lang}"{direction}>' in page
    bar = re.search(r'<nav class="card-tools" lang="([a-z]+)"( dir="(rtl|ltr)")?', page)
    assert bar and bar.group(1) == caseworker
    if Settings.languages.get(caseworker).direction != Settings.languages.get(lang).direction:
        assert bar.group(3) == Settings.languages.get(caseworker).direction
    assert visible_english(page, lang, english_fragments(lang)) == []


@pytest.mark.parametrize("lang", sorted(RTL))
def test_numbers_and_addresses_stay_left_to_right_on_a_right_to_left_card(server, lang):
    page = card(server, lang, lang).text
    assert re.search(r"<bdi[^>]*>\+33 4 00 00 00 00</bdi>", page)
    assert re.search(r"<bdi[^>]*>classes@example\.org</bdi>", page)


def test_a_card_names_the_days_and_marks_the_data_s_own_language(server):
    """Weekdays come from the card's catalogue, never as codes; a service's own text written
    in English is marked as English on an Arabic card and says so in Arabic."""
    page = card(server, "ar", "ar").text
    t = i18n.messages("ar")
    assert t["properties"]["schema:Tuesday"] in page
    assert not re.search(r"<span>(mo|tu|we|th|fr|sa|su)(, |\s)", page)
    note = t["in_language"].format(language="الإنجليزية")
    assert re.search(r'<span lang="en" dir="auto">Ask your caseworker to call the '
                     r'association\.</span> <span class="fallback-lang">\(' + re.escape(note),
                     page)
    french = card(server, "fr", "fr").text
    assert 'lang="en" dir="auto">Ask your caseworker' in french
    english = card(server, "en", "en").text
    assert 'lang="en" dir="auto">Ask your caseworker' not in english
