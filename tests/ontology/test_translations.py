"""The vocabularies speak the ten interface languages, and every label is in the language it says.

Why: a caseworker in Teruel, Wrocław or Karditsa, and the person reading over their shoulder in
Arabic, Ukrainian, Persian, Pashto or Russian, pick a status or a need from these labels; a
concept without a label in their language falls back to English, and a label tagged with the
wrong language (a Russian word tagged `uk`, Greek text tagged `en`) is shown to the wrong reader
and read aloud with the wrong voice. The script checks below catch a mistagged label without
anyone having to read the language.
"""

import re
import unicodedata
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from graph.read import labels
from passerelle.settings import Settings

ONTOLOGY = Path(__file__).parents[2] / "ontology"
ID = "https://w3id.org/passerelle/id/"

# The language setting (DESIGN.md, "Languages"), declared once in passerelle/settings.py.
LANGUAGES = Settings.languages.codes
RIGHT_TO_LEFT = {language.code for language in Settings.languages.declared
                 if language.direction == "rtl"}
# Region names are also given in their own language (endonyms): the four countries' languages,
# which are interface languages, and Catalan for a municipality of Teruel with a Catalan name.
ENDONYM_LANGUAGES = {"fr", "es", "pl", "el", "ca"}
# A Latin transliteration of a name in one of those languages (BCP 47 script subtag).
SCRIPT_SUBTAGS = {"latn"}

EU_LANGUAGES = "http://publications.europa.eu/resource/authority/language"
# Schemes whose every concept is labelled in every interface language, by file.
TRANSLATED = {
    "statuses": [f"{ID}scheme/statuses"],
    "service-types": [f"{ID}scheme/{s}" for s in
                      ("service-types", "eu-action-plan-sectors", "open-eligibility")],
    "organisation-types": [f"{ID}scheme/organisation-types"],
    "service-statuses": [f"{ID}scheme/service-statuses"],
    "urban-rural": [f"{ID}scheme/urban-rural"],
    "languages": [EU_LANGUAGES],
}
COUNTRIES = ("FR", "ES", "PL", "EL")
COUNTRY_LANGUAGE = {"FR": "fr", "ES": "es", "PL": "pl", "EL": "el"}
TEXT = (SKOS.prefLabel, SKOS.altLabel, SKOS.definition)
FILES = sorted(ONTOLOGY.glob("*.ttl"))


GRAPHS = {path.stem: Graph().parse(path) for path in FILES}


def concepts_of(stem: str) -> list[tuple[str, URIRef]]:
    g = GRAPHS[stem]
    return sorted(
        (scheme, c)
        for scheme in TRANSLATED[stem]
        for c in g.subjects(SKOS.inScheme, URIRef(scheme))
    )


CONCEPTS = [(stem, c) for stem in TRANSLATED for _, c in concepts_of(stem)]


def short(c: URIRef) -> str:
    return str(c).removeprefix(ID).removeprefix(EU_LANGUAGES + "/")


def by_language(g: Graph, c: URIRef, prop) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for o in g.objects(c, prop):
        found.setdefault(o.language, []).append(str(o))
    return found


def test_every_scheme_has_its_concepts():
    counts = {stem: len(concepts_of(stem)) for stem in TRANSLATED}
    assert counts == {"statuses": 8, "service-types": 30, "organisation-types": 8,
                      "service-statuses": 3, "urban-rural": 3, "languages": 30}


def concept_id(x) -> str:
    return short(x) if isinstance(x, URIRef) else x


@pytest.mark.parametrize("stem,concept", CONCEPTS, ids=concept_id)
def test_one_pref_label_in_each_language(stem, concept):
    labels = by_language(GRAPHS[stem], concept, SKOS.prefLabel)
    for lang in LANGUAGES:
        assert len(labels.get(lang, [])) == 1, f"{lang}: {labels.get(lang)}"
        assert labels[lang][0].strip() == labels[lang][0] != "", lang


def test_every_status_is_defined_in_each_language():
    g = GRAPHS["statuses"]
    for _, status in concepts_of("statuses"):
        definitions = by_language(g, status, SKOS.definition)
        for lang in LANGUAGES:
            assert len(definitions.get(lang, [])) == 1, f"{short(status)} {lang}"
            text = definitions[lang][0]
            assert len(text) > 40 and text.rstrip()[-1] in ".。", f"{short(status)} {lang}"


def test_translations_are_marked_unreviewed():
    """The metadata block of each translated file says the translations are not reviewed."""
    for stem in (*TRANSLATED, "regions"):
        g = GRAPHS[stem]
        notes = [str(n) for n in g.objects(URIRef(f"{ID}scheme/{stem}"), SKOS.editorialNote)
                 if n.language == "en"]
        assert any("not been reviewed" in n for n in notes), stem


def test_regions_countries_in_every_language_and_regions_in_their_own():
    g = GRAPHS["regions"]
    region = lambda code: URIRef(f"{ID}region/{code}")  # noqa: E731
    for code in COUNTRIES:
        labels = by_language(g, region(code), SKOS.prefLabel)
        assert all(len(labels.get(lang, [])) == 1 for lang in LANGUAGES), (code, labels)
    assert by_language(g, region("EL"), SKOS.prefLabel)["en"] == ["Greece"]
    assert by_language(g, region("PL51"), SKOS.prefLabel)["en"] == ["Lower Silesia"]
    assert by_language(g, region("PL51"), SKOS.prefLabel)["fr"] == ["Basse-Silésie"]
    # Every region and municipality carries its name in its own country's language.
    for c in g.subjects(SKOS.inScheme, URIRef(f"{ID}scheme/regions")):
        top = c
        while (parent := g.value(top, SKOS.broader)) is not None:
            top = parent
        own = COUNTRY_LANGUAGE[str(g.value(top, SKOS.notation))]
        labels = by_language(g, c, SKOS.prefLabel)
        assert len(labels.get(own, [])) == 1, (short(c), own, labels)



def region(code: str) -> URIRef:
    return URIRef(f"{ID}region/{code}")


def own_language(g: Graph, c: URIRef) -> str:
    top = c
    while (parent := g.value(top, SKOS.broader)) is not None:
        top = parent
    return COUNTRY_LANGUAGE[str(g.value(top, SKOS.notation))]


def places() -> list[URIRef]:
    return sorted(GRAPHS["regions"].subjects(SKOS.inScheme, URIRef(f"{ID}scheme/regions")))


# The NUTS regions Eurostat draws for statistics only: no language has a name of its own for them.
STATISTICAL = ("ES2", "ES4", "PL5", "PL9", "PL91", "PL92", "EL6")


def test_a_name_in_another_language_cites_where_it_comes_from():
    """Every place named in a language other than English, French and its own lists the pages
    the names were read from, so a reader can check them."""
    g = GRAPHS["regions"]
    cited = 0
    for c in places():
        foreign = set(by_language(g, c, SKOS.prefLabel)) - {"en", "fr", own_language(g, c)}
        if not foreign:
            continue
        sources = list(g.objects(c, PROV.wasDerivedFrom))
        assert sources, (short(c), sorted(foreign))
        assert all(isinstance(s, URIRef) and str(s).startswith("http") for s in sources), short(c)
        cited += 1
    assert cited == 28


def test_an_exonym_differs_from_the_official_name():
    """A Latin-script name under another language's tag that equals the official name would be
    the official name mistagged; such a name is left out, and the fallback shows it."""
    g = GRAPHS["regions"]
    for c in places():
        names = by_language(g, c, SKOS.prefLabel)
        own = own_language(g, c)
        for lang in ("es", "pl"):
            if lang != own and lang in names:
                assert names[lang] != names[own], (short(c), lang, names[lang])


def test_statistical_regions_are_named_only_in_english_french_and_their_own_language():
    g = GRAPHS["regions"]
    for code in STATISTICAL:
        c = region(code)
        assert set(by_language(g, c, SKOS.prefLabel)) == {"en", "fr", own_language(g, c)}, code


def test_administrative_regions_are_named_in_russian_and_spanish():
    """What the sources gave: every region that is an administrative unit (not a statistical
    grouping) down to NUTS 2 has its Russian name and, outside Spain, its Spanish exonym."""
    g = GRAPHS["regions"]
    level = URIRef("https://w3id.org/passerelle/ontology#nutsLevel")
    administrative = [c for c in places()
                      if g.value(c, level) is not None and int(g.value(c, level)) <= 2
                      and str(g.value(c, SKOS.notation)) not in STATISTICAL]
    assert len(administrative) == 17
    for c in administrative:
        names = by_language(g, c, SKOS.prefLabel)
        assert "ru" in names and "es" in names, short(c)


@pytest.mark.parametrize("code,lang,expected,tag", [
    ("ES242", "ps", "Teruel", "en"),        # no Pashto name: the official name, marked English
    ("avignon", "fa", "Avignon", "en"),
    ("FRL06", "pl", "Vaucluse", "en"),      # Polish writes it unchanged
    ("PL911", "ps", "وارسا", "ps"),
    ("PL51", "uk", "Нижньосілезьке воєводство", "uk"),
    ("EL61", "el", "Θεσσαλία", "el"),
])
def test_the_label_picker_falls_back_to_the_official_name(code, lang, expected, tag):
    texts = labels.by_language(GRAPHS["regions"].objects(region(code), SKOS.prefLabel))
    assert labels.pick_tagged(texts, lang) == (expected, tag)


# --- Scripts ----------------------------------------------------------------------------------

def letters(text: str) -> list[str]:
    return [ch for ch in text if ch.isalpha()]


def script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for key in ("LATIN", "GREEK", "CYRILLIC", "ARABIC"):
        if name.startswith(key):
            return key
    return "OTHER"


EXPECTED_SCRIPT = {
    **{lang: "LATIN" for lang in ("en", "fr", "es", "pl", "ca")},
    "el": "GREEK", "uk": "CYRILLIC", "ru": "CYRILLIC",
    "ar": "ARABIC", "fa": "ARABIC", "ps": "ARABIC",
}
# Letters one language of a shared script has and its neighbour lacks.
ONLY_RUSSIAN = set("ыэъёЫЭЪЁ")
ONLY_UKRAINIAN = set("іїєґІЇЄҐ")
PERSIAN_NOT_ARABIC = set("پچژگکی")  # Persian kāf U+06A9 and yeh U+06CC included
ARABIC_NOT_PERSIAN = set("كيى")  # Arabic kaf U+0643, yeh U+064A, alef maksura U+0649
# Pashto writes the dotted yeh U+064A (as in "دي"), but never the Arabic kaf or alef maksura.
ARABIC_NOT_PASHTO = set("كى")
PASHTO_NOT_PERSIAN = set("ټډړښږځڅېۍڼ")
# Abbreviations and proper names kept in Latin letters inside another script's text.
LATIN_ALLOWED = re.compile(r"\b(EU|UE|UNHCR|OFPRA|CESEDA|NUTS|IOM|SHARE)\b")


def tagged_text() -> list[tuple[str, str, Literal]]:
    return [
        (path.stem, short(s) if isinstance(s, URIRef) else str(s), o)
        for path in FILES
        for s, p, o in GRAPHS[path.stem]
        if isinstance(o, Literal) and o.language and p in TEXT
    ]


TAGGED = tagged_text()


def test_tagged_text_found():
    assert len(TAGGED) > 600


def allowed_tag(tag: str) -> bool:
    primary, *rest = tag.lower().split("-")
    return (primary in LANGUAGES or primary in ENDONYM_LANGUAGES) and all(
        sub in SCRIPT_SUBTAGS for sub in rest
    )


def test_no_language_outside_the_interface_and_endonym_languages():
    found = {o.language for path in FILES for o in GRAPHS[path.stem].objects()
             if isinstance(o, Literal) and o.language}
    assert {tag for tag in found if not allowed_tag(tag)} == set()


@pytest.mark.parametrize("lang", sorted(EXPECTED_SCRIPT))
def test_text_is_written_in_the_script_of_its_language(lang):
    wrong = []
    for stem, subject, text in TAGGED:
        if text.language.lower() != lang:
            continue
        body = LATIN_ALLOWED.sub("", str(text))
        scripts = {script(ch) for ch in letters(body)}
        if scripts != {EXPECTED_SCRIPT[lang]}:
            wrong.append((stem, subject, str(text), sorted(scripts)))
    assert wrong == []


def test_latin_transliterations_are_latin():
    for stem, subject, text in TAGGED:
        if text.language.lower().endswith("-latn"):
            assert {script(ch) for ch in letters(str(text))} == {"LATIN"}, (stem, subject)


def test_right_to_left_text_uses_right_to_left_letters():
    for stem, subject, text in TAGGED:
        if text.language in RIGHT_TO_LEFT:
            directions = {unicodedata.bidirectional(ch) for ch in letters(str(text))}
            assert "AL" in directions, (stem, subject, str(text))


def test_ukrainian_and_russian_are_not_swapped():
    for stem, subject, text in TAGGED:
        if text.language == "uk":
            assert not ONLY_RUSSIAN & set(str(text)), (stem, subject, str(text))
        if text.language == "ru":
            assert not ONLY_UKRAINIAN & set(str(text)), (stem, subject, str(text))


def test_arabic_persian_and_pashto_are_not_swapped():
    for stem, subject, text in TAGGED:
        chars = set(str(text))
        if text.language == "ar":
            assert not (PERSIAN_NOT_ARABIC | PASHTO_NOT_PERSIAN) & chars, (stem, subject, str(text))
        if text.language == "fa":
            assert not (ARABIC_NOT_PERSIAN | PASHTO_NOT_PERSIAN) & chars, (stem, subject, str(text))
        if text.language == "ps":
            assert not ARABIC_NOT_PASHTO & chars, (stem, subject, str(text))


def test_each_label_is_distinct_from_english_outside_latin_languages():
    """An English label copied into another language's slot is an untranslated label."""
    for stem in TRANSLATED:
        g = GRAPHS[stem]
        for _, c in concepts_of(stem):
            labels = {o.language: str(o) for o in g.objects(c, SKOS.prefLabel)}
            for lang in ("el", "ar", "uk", "fa", "ps", "ru"):
                assert labels.get(lang) != labels["en"], (short(c), lang)


def test_concepts_are_typed():
    for stem, c in CONCEPTS:
        assert (c, RDF.type, SKOS.Concept) in GRAPHS[stem], short(c)


def test_readme_counts_match_the_files():
    """ontology/README.md states per language how much is labelled; the figures must stay true."""
    readme = (ONTOLOGY / "README.md").read_text(encoding="utf-8")
    rows = {m[0]: tuple(map(int, m[1:]))
            for m in re.findall(r"^\| `(\w\w)` [^|]+\| (\d+) \| (\d+) \| (\d+) \|", readme, re.M)}
    assert set(rows) == set(LANGUAGES)
    regions = GRAPHS["regions"]
    places = list(regions.subjects(SKOS.inScheme, URIRef(f"{ID}scheme/regions")))
    for lang in LANGUAGES:
        labelled = sum(lang in by_language(GRAPHS[stem], c, SKOS.prefLabel) for stem, c in CONCEPTS)
        defined = sum(lang in by_language(GRAPHS["statuses"], c, SKOS.definition)
                      for _, c in concepts_of("statuses"))
        named = sum(lang in by_language(regions, c, SKOS.prefLabel) for c in places)
        assert rows[lang] == (labelled, defined, named), lang
    assert f"of {len(CONCEPTS)})" in readme and f"of {len(places)})" in readme


@pytest.mark.parametrize("stem", sorted(TRANSLATED))
def test_no_two_concepts_of_a_scheme_share_a_label(stem):
    """A picker in any language must tell the concepts of one scheme apart."""
    g = GRAPHS[stem]
    for scheme in TRANSLATED[stem]:
        seen: dict[tuple[str, str], URIRef] = {}
        for c in g.subjects(SKOS.inScheme, URIRef(scheme)):
            for label in g.objects(c, SKOS.prefLabel):
                key = (label.language, str(label).casefold())
                assert seen.setdefault(key, c) == c, (key, short(c), short(seen[key]))
