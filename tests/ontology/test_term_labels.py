"""Every class and property of the core ontology is named in the ten interface languages.

Why: resource pages name a thing's kind ("Service") and each of its facts by these labels, and
the /ontology page lists them; a term with no label in the reader's language shows English in
the middle of an Arabic or Greek page. Like the concepts' labels (test_translations.py), each
label is checked to be written in its language's script, and no two terms of a kind share a
label in one language (a reader could not tell them apart).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph

from passerelle.settings import Settings

CORE = Graph().parse(Path(__file__).parents[2] / "ontology" / "core.ttl")
LANGUAGES = Settings.languages.codes
KINDS = {"class": (OWL.Class,),
         "property": (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)}
TERMS = {kind: sorted({s for t in types for s in CORE.subjects(RDF.type, t)
                       if str(s).startswith("https://w3id.org/passerelle/ontology#")})
         for kind, types in KINDS.items()}
SCRIPTS = {"el": r"[\u0370-\u03ff\u1f00-\u1fff]", "ar": r"[\u0600-\u06ff]",
           "fa": r"[\u0600-\u06ff]", "ps": r"[\u0600-\u06ff]", "uk": r"[\u0400-\u04ff]",
           "ru": r"[\u0400-\u04ff]"}
"""The script each non-Latin language is written in; a label must have a letter of it."""
LATIN = r"[A-Za-z\u00c0-\u024f]"
ACRONYMS = re.compile(r"\bNUTS\b")


def labels(term) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for text in CORE.objects(term, RDFS.label):
        found.setdefault(text.language or "", []).append(str(text))
    return found


def test_the_core_has_its_terms():
    assert len(TERMS["class"]) >= 13 and len(TERMS["property"]) >= 36


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_term_has_one_label_in_every_language(kind, lang):
    missing = [str(t) for t in TERMS[kind] if len(labels(t).get(lang, [])) != 1
               or not labels(t)[lang][0].strip()]
    assert missing == [], f"{kind}es without exactly one {lang} label"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_label_is_in_its_language_s_script(lang):
    wrong = []
    for term in TERMS["class"] + TERMS["property"]:
        for text in labels(term).get(lang, []):
            bare = ACRONYMS.sub("", text)
            if lang in SCRIPTS:
                if not re.search(SCRIPTS[lang], bare) or re.search(LATIN, bare):
                    wrong.append(text)
            elif not re.search(LATIN, bare) or any(re.search(s, bare)
                                                   for s in SCRIPTS.values()):
                wrong.append(text)
    assert wrong == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_two_terms_share_a_label(kind, lang):
    counts = Counter(labels(t)[lang][0].casefold() for t in TERMS[kind]
                     if labels(t).get(lang))
    assert [text for text, n in counts.items() if n > 1] == []


def test_classes_are_capitalised_where_the_script_has_capitals():
    for term in TERMS["class"]:
        for lang in ("en", "fr", "es", "pl", "el", "uk", "ru"):
            text = labels(term)[lang][0]
            assert text[:1].isupper(), (str(term), lang, text)
