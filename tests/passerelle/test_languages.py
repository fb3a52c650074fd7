"""The one language setting: what it declares, how a tag falls back, which languages pages speak.

Why: every parameter, page, vocabulary listing, read model and export reads its languages from
``Settings.languages``; a fallback naming an undeclared language, a chain that never reaches the
default, or a catalogue for a language the setting does not declare would each show a reader
text in a language nobody chose.
"""

from __future__ import annotations

import pytest

from passerelle.api import i18n, web
from passerelle.settings import Settings, get_settings

LANGUAGES = Settings.languages


def test_the_ten_languages_are_declared_with_their_directions():
    assert LANGUAGES.codes == ("en", "fr", "es", "pl", "el", "ar", "uk", "fa", "ps", "ru")
    assert {lang.code for lang in LANGUAGES.declared if lang.direction == "rtl"} == \
        {"ar", "fa", "ps"}
    assert LANGUAGES.default in LANGUAGES.codes
    assert all(lang.name for lang in LANGUAGES.declared)
    assert get_settings().languages is LANGUAGES


def test_every_fallback_is_a_declared_language():
    for lang in LANGUAGES.declared:
        assert set(lang.fallback) <= set(LANGUAGES.codes) - {lang.code}, lang.code


@pytest.mark.parametrize(("tag", "chain"), [
    ("en", ("en", "fr")),
    ("fr", ("fr", "en")),
    ("FR-ca", ("fr-ca", "fr", "en")),
    ("uk", ("uk", "en", "fr")),
    ("ps", ("ps", "en", "fr")),
    ("de", ("de", "en", "fr")),
    ("zh-Hant-TW", ("zh-hant-tw", "zh", "en", "fr")),
])
def test_a_tag_falls_back_along_its_chain_to_the_default(tag, chain):
    assert LANGUAGES.chain(tag) == chain


def test_pages_speak_the_declared_languages_that_have_a_catalogue():
    catalogues = {p.parent.parent.name for p in i18n.TRANSLATIONS.glob("*/LC_MESSAGES/*.po")}
    assert catalogues <= set(LANGUAGES.codes), "a catalogue for an undeclared language"
    assert {lang.code for lang in web.INTERFACE} == catalogues == set(LANGUAGES.codes)
    assert web.interface_language("es") == "es"
    assert web.interface_language("fr-BE") == "fr"
    assert web.interface_language("de") == "en"
