"""The interface catalogues: one gettext catalogue per declared language, every message of the
English source present, translated and filled in each, with its placeholders and plural forms;
each catalogue saying whether a fluent speaker reviewed it; and the one-command path that moves
keys written as ``messages/{lang}.json`` into the catalogues.

Why: a missing or empty entry shows English in the middle of an Arabic page, a lost placeholder
drops the number of services found, a wrong plural count reads as bad grammar, and a catalogue
that claims a review it never had misleads the reader.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from passerelle.api import i18n, web
from passerelle.settings import Settings
from tests.conftest import ROOT

LANGUAGES = Settings.languages.codes
TRANSLATED = [code for code in LANGUAGES if code != i18n.SOURCE_LANGUAGE]
SOURCE = dict(i18n.entries())


def catalogue(lang: str, root=i18n.TRANSLATIONS) -> Catalog:
    with i18n.po_path(lang, root).open("rb") as handle:
        return read_po(handle, locale=lang, domain=i18n.DOMAIN)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_declared_language_has_a_catalogue_and_the_pages_speak_all():
    assert len(SOURCE) > 200
    assert sorted(p.parent.parent.name for p in i18n.TRANSLATIONS.glob("*/LC_MESSAGES/*.po")) \
        == sorted(LANGUAGES)
    assert [language.code for language in web.INTERFACE] == list(LANGUAGES)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_present_filled_and_keeps_its_placeholders(lang):
    found = catalogue(lang)
    plurals = found.num_plurals
    assert plurals == Catalog(locale=lang).num_plurals, "Plural-Forms is not the language's"
    problems = []
    for context, english in SOURCE.items():
        entry = found.get(english, context=context)
        if entry is None or entry.id != english:
            problems.append(f"{context}: missing, or its English text changed")
            continue
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.fuzzy or not all(form.strip() for form in forms):
            problems.append(f"{context}: empty or fuzzy")
            continue
        if isinstance(english, tuple):
            if len(forms) != plurals:
                problems.append(f"{context}: {len(forms)} plural forms, not {plurals}")
            allowed = fields(english[1])
            if any(not fields(form) <= allowed for form in forms):
                problems.append(f"{context}: a placeholder the English does not have")
        elif fields(forms[0]) != fields(english):
            problems.append(f"{context}: placeholders {fields(forms[0])} != {fields(english)}")
    assert problems == []
    assert len(found) == len(SOURCE), "entries that en.json no longer has"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalogue_says_no_fluent_speaker_reviewed_it(lang):
    """None has been reviewed yet: each says so in its header, and the pages show the notice."""
    team = catalogue(lang).language_team
    assert re.search(r"\(review: none\)$", team), team
    assert i18n.review(lang) == "none" and not i18n.reviewed(lang)
    assert i18n.messages(lang)["unreviewed"] != i18n.source()["unreviewed"]


def test_the_source_catalogue_is_the_reference():
    assert i18n.reviewed("en")
    assert catalogue("en").language_team == "English (review: source text)"


@pytest.mark.parametrize(("lang", "counts"), [
    ("en", {1: "1 service found.", 2: "2 services found.", 21: "21 services found."}),
    ("pl", {1: "Znaleziono 1 usługę.", 3: "Znaleziono 3 usługi.", 5: "Znaleziono 5 usług.",
            22: "Znaleziono 22 usługi.", 25: "Znaleziono 25 usług."}),
    ("ru", {21: "Найдена 21 услуга.", 12: "Найдено 12 услуг."}),
    ("ar", {1: "وجدنا خدمة واحدة.", 2: "وجدنا خدمتين.", 3: "وجدنا 3 خدمات.",
            11: "وجدنا 11 خدمة."}),
])
def test_plural_forms_follow_each_language(lang, counts):
    t = i18n.messages(lang)
    for n, text in counts.items():
        assert t["results_count"].format(n=n) == text


def test_messages_read_like_a_dictionary_and_fall_back_to_english():
    t = i18n.messages("fr")
    assert t["why_open"] == "Ouvert à tous, quel que soit le statut."
    assert t["properties"]["schema:name"] == "Nom" and "schema:name" in t["properties"]
    assert t["inverse"].get("nothing") is None
    with pytest.raises(KeyError):
        t["no_such_key"]
    unknown = i18n.Messages("fr", {"added_later": "Added later"})
    assert unknown["added_later"] == "Added later"


def test_templates_may_use_the_i18n_extension():
    env = web.environment()
    template = env.from_string("{% trans count=n %}{{ count }} row.{% pluralize %}"
                               "{{ count }} rows.{% endtrans %} {{ _('Search') }}")
    assert template.render(lang="en", n=2) == "2 rows. Search"


def test_extraction_finds_every_message_of_the_source(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = str(Path(sys.executable).with_name("pybabel"))
    done = subprocess.run([pybabel, "-q", "extract", "-F", "babel.cfg", "--no-location",
                           "-o", str(pot), "."],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    with pot.open("rb") as handle:
        template = read_po(handle)
    assert {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in template
            if m.id and m.context} == set(SOURCE.items())


def test_json_keys_written_the_old_way_move_into_the_catalogue(tmp_path):
    """The conversion path for keys added to messages/fr.json: an empty or fuzzy entry takes the
    JSON text, a translated one keeps its own, a key en.json lacks is reported, and the JSON file
    is gone afterwards."""
    root = tmp_path / "translations"
    shutil.copytree(i18n.TRANSLATIONS / "fr", root / "fr",
                    ignore=shutil.ignore_patterns("*.mo"))
    before = catalogue("fr", root)
    before.get(SOURCE["why_open"], context="why_open").string = ""
    before.get(SOURCE["results_count"][0], context="results_count").string = ("", "", "")
    with i18n.po_path("fr", root).open("wb") as handle:
        write_po(handle, before)
    folder = tmp_path / "messages"
    folder.mkdir()
    (folder / "en.json").write_text("{}", encoding="utf-8")
    (folder / "fr.json").write_text(json.dumps({
        "why_open": "Ouvert à toutes et à tous.", "submit": "Chercher",
        "results_count": ["{n} service", "{n} de services", "{n} services"],
        "not_in_english": "?"}), encoding="utf-8")
    report = i18n.import_json(folder, root)
    assert not (folder / "fr.json").exists() and (folder / "en.json").exists()
    assert len(report) == 2 and report[0].startswith("no English catalogue")
    assert "2 translation(s) moved" in report[1] and "not_in_english" in report[1]
    after = catalogue("fr", root)
    assert after.get(SOURCE["why_open"], context="why_open").string == "Ouvert à toutes et à tous."
    assert after.get(SOURCE["submit"], context="submit").string == "Rechercher"
    assert after.get(SOURCE["results_count"][0], context="results_count").string[2] == \
        "{n} services"


def test_the_english_catalogue_takes_new_keys_from_the_source(tmp_path):
    root = tmp_path / "translations"
    shutil.copytree(i18n.TRANSLATIONS / "en", root / "en", ignore=shutil.ignore_patterns("*.mo"))
    before = catalogue("en", root)
    before.get(SOURCE["submit"], context="submit").string = ""
    with i18n.po_path("en", root).open("wb") as handle:
        write_po(handle, before)
    assert "1 English text(s) copied" in i18n.fill_source(root)
    assert catalogue("en", root).get(SOURCE["submit"], context="submit").string == "Search"
