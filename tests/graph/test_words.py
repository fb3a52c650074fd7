"""Word search finds services the way a caseworker words a need, in any of the languages.

Why: the search box's own hint ("French lessons" / "cours de français") found nothing while
words were substrings of names and descriptions only. Words now also match the labels of the
service types (and of the broader types) in every language of the vocabularies, stemmed, with
accents and case ignored; what a user types is never query syntax.
"""

from __future__ import annotations

import pytest

from passerelle.graph.read import words
from passerelle.graph.read.search import SearchParams, compute
from passerelle.graph.store.bundle import open_store

ID = "https://w3id.org/passerelle/id/"


@pytest.fixture(scope="module")
def seeded():
    return open_store(None, seed=True)


def found(store, **params) -> set[str]:
    return {i["id"] for i in compute(store, SearchParams(limit=100, **params)).items}


@pytest.fixture(scope="module")
def language_services(seeded):
    services = found(seeded, need=("language",))
    assert len(services) >= 3
    return services


@pytest.mark.parametrize("q", [
    "cours de français",          # fr
    "COURS DE FRANCAIS",          # fr, no accents, capitals
    "French lessons",             # en
    "french LESSON",              # en, stemmed
    "clases de español",          # es
    "clase de espanol",           # es, stemmed, no accents
    "nauka języka",               # pl
    "Nauka jezyka",               # pl, no diacritics
    "μαθήματα ελληνικών",         # el
    "ΜΑΘΗΜΑΤΑ ελληνικων",         # el, no tonos, capitals
    "تعلم اللغة",                 # ar, without the shadda of the label
    "вивчення мови",              # uk
    "изучение языка",             # ru
])
def test_a_need_worded_in_a_language_finds_the_language_services(seeded, language_services, q):
    assert language_services <= found(seeded, q=q)


def test_the_words_of_a_broader_need_find_the_narrower_types(seeded):
    """"Emploi" is the label of employment; a vocational-training service is found by it."""
    training = found(seeded, need=("vocational-training",))
    assert training and training <= found(seeded, q="emploi")
    assert found(seeded, need=("mental-health",)) <= found(seeded, q="Santé")


def test_names_and_descriptions_are_matched_by_stem(seeded):
    farm = ID + "service/commune-ferme-training"
    assert farm in found(seeded, q="farm")
    assert farm in found(seeded, q="FARMS")


def test_every_word_must_match(seeded, language_services):
    assert found(seeded, q="lessons zzzunknownword") == set()
    assert found(seeded, q="french lessons") <= found(seeded, q="french")
    assert found(seeded, q="french lessons") <= found(seeded, q="lessons")


@pytest.mark.parametrize("q", ['"unclosed', "lessons OR", "NOT AND", "(*)", "NEAR(a b)",
                               "col:value", "{raw} : x", "-lessons", "a^b", "'; --", "\\", "*"])
def test_query_syntax_is_never_an_error_but_words(seeded, q):
    result = compute(seeded, SearchParams(q=q))
    assert result.total >= 0
    assert words.expression(q) is None or "(" in words.expression(q)


def test_a_query_with_no_word_finds_nothing(seeded):
    assert compute(seeded, SearchParams(q="!!! ??? ...")).total == 0


def test_folding_and_stems():
    assert words.fold("Français Μαθήματα ÉCOLE") == "francais μαθηματα ecole"
    assert words.words("l'école, c'est-à-dire") == ["l", "ecole", "c", "est", "a", "dire"]
    assert words.words("e\u0301cole تعلّم") == words.words("école تعلم") == ["ecole", "تعلم"]
    document = words.tokens([("Cours de français", "fr"), ("Language lessons", "en"),
                             ("Курси", "uk"), ("untagged", None)])
    assert document["fr"].split()[0] == words.stem("fr", "cours")
    assert "lesson" in document["en"].split()
    assert "курси" in document["raw"].split() and "uk" not in document
    assert "untag" in document["en"].split()


def test_function_words_are_left_out_unless_they_are_all_there_is():
    assert "de" not in words.expression("cours de français")
    assert words.expression("de la") is not None
