"""Place names in French sentences take the form French grammar asks for ("dans le Vaucluse",
"en Thessalie", "à Avignon", "du Vaucluse", "d'Avignon"), written once for each concept and
checked; a place with no checked form gets a neutral wording that is right whatever its gender
("dans la zone « Karditsa, Trikala »"), never a guessed article. Explanations, suggestions,
the search criteria and the factfiles all go through the same forms.
"""

from __future__ import annotations

import re
import string

import pytest
import rdflib
from rdflib.namespace import SKOS

from passerelle.api import explanations, i18n, places
from passerelle.api.places import PlaceName
from passerelle.graph.read.facets import Step, Suggestion
from passerelle.settings import Settings
from tests.conftest import ROOT

REGION = places.REGION
VAUCLUSE = PlaceName("Vaucluse", REGION + "FRL06")
AVIGNON = PlaceName("Avignon", REGION + "avignon")
KARDITSA = PlaceName("Karditsa, Trikala", REGION + "EL611")


def french_labels() -> dict[str, set[str]]:
    """Each region concept's French names (preferred and alternative)."""
    graph = rdflib.Graph().parse(ROOT / "ontology" / "regions.ttl")
    found: dict[str, set[str]] = {}
    for predicate in (SKOS.prefLabel, SKOS.altLabel):
        for s, o in graph.subject_objects(predicate):
            if o.language == "fr":
                found.setdefault(str(s), set()).add(str(o).lower())
    return found


@pytest.mark.parametrize(("value", "spec", "text"), [
    (VAUCLUSE, "", "Vaucluse"),
    (VAUCLUSE, "in", "dans le Vaucluse"),
    (VAUCLUSE, "the", "le Vaucluse"),
    (VAUCLUSE, "The", "Le Vaucluse"),
    (VAUCLUSE, "of", "du Vaucluse"),
    (AVIGNON, "in", "à Avignon"),
    (AVIGNON, "of", "d'Avignon"),
    (PlaceName("Provence-Alpes-Côte d'Azur", REGION + "FRL"), "in",
     "en Provence-Alpes-Côte d'Azur"),
    (PlaceName("Thessalie", REGION + "EL61"), "of", "de la Thessalie"),
    (PlaceName("Espagne", REGION + "ES"), "The", "L'Espagne"),
    (KARDITSA, "in", "dans la zone « Karditsa, Trikala »"),
    (KARDITSA, "The", "La zone « Karditsa, Trikala »"),
    ("Vaucluse", "in", "dans la zone « Vaucluse »"),
    (PlaceName("43.9,5.2"), "of", "du point « 43.9,5.2 »"),
])
def test_french_forms(value, spec, text):
    assert places.form(value, spec, "fr") == text


def test_a_language_with_no_forms_keeps_the_name_and_unknown_forms_are_refused():
    assert places.form(VAUCLUSE, "in", "es") == "Vaucluse"
    assert places.fill("{area:in}", "pl", area=VAUCLUSE) == "Vaucluse"
    with pytest.raises(ValueError, match="unknown place form"):
        places.form(VAUCLUSE, "into", "fr")
    assert places.fill("{n:>3} {x:.1f}", "fr", n=7, x=2.25) == "  7 2.2"


def test_every_form_is_written_for_a_concept_of_the_regions_and_names_it():
    """No stale key, and each noun-phrase form holds one of the concept's French names, so a
    form is never another place's."""
    labels = french_labels()
    for concept, forms in places.FORMS["fr"].items():
        assert concept in labels, concept
        assert set(forms) == set(places.SPECS)
        assert any(name in forms["the"].lower() for name in labels[concept]), (concept, forms)


def place_specs(lang: str) -> dict[str, set[str]]:
    """The format specs of each message of ``lang``'s catalogue that are not Python's own."""
    used: dict[str, set[str]] = {}
    t = i18n.messages(lang)
    for context, _ in i18n.entries():
        node = t
        for part in context.split(i18n.SEPARATOR):
            node = node[part]
        texts = [node.singular, node.plural] if isinstance(node, i18n.Plural) else [node]
        for text in texts:
            for _, _name, spec, _ in string.Formatter().parse(
                    node.catalogue.npgettext(node.context, text, text, 1)
                    if isinstance(node, i18n.Plural) else text):
                if spec and not re.fullmatch(r"[<>^=]?\d*(\.\d+)?[a-z%]?", spec):
                    used.setdefault(context, set()).add(spec)
    return used


@pytest.mark.parametrize("lang", Settings.languages.codes)
def test_catalogues_ask_only_for_known_forms(lang):
    """A form spec is what a catalogue writes after a place placeholder; any other spec would
    stop the sentence."""
    assert {spec.lower() for specs in place_specs(lang).values() for spec in specs} <= \
        set(places.SPECS)


def test_french_asks_for_forms_wherever_a_place_follows_a_preposition():
    assert {"why_region_inside", "why_region_contains", "widen_broader", "criteria_near",
            "criteria_near_any", "suggest_drop_near", "coverage_table_caption",
            "coverage_svg_title", "factfile_intro", "rank_distance_area"} <= \
        place_specs("fr").keys()


def test_explanations_in_french():
    t = i18n.messages("fr")
    label = {VAUCLUSE.concept: "Vaucluse", AVIGNON.concept: "Avignon",
             REGION + "FR": "France", KARDITSA.concept: "Karditsa, Trikala"}.__getitem__
    inside = {"rule": "inside", "area": AVIGNON.concept, "region": VAUCLUSE.concept}
    contains = {"rule": "contains", "area": REGION + "FR", "region": VAUCLUSE.concept}
    unknown = {"rule": "same", "area": KARDITSA.concept}
    assert explanations.sentence(inside, label, t) == "Avignon se trouve dans le Vaucluse."
    assert explanations.sentence(contains, label, t) == \
        "La France comprend le Vaucluse : le service le couvre."
    assert explanations.sentence(unknown, label, t) == \
        "La zone « Karditsa, Trikala » est le lieu recherché."
    english = i18n.messages("en")
    assert explanations.sentence(inside, label, english) == "Avignon is inside Vaucluse."


def test_a_broader_region_suggestion_in_french():
    names = {"FRL06": VAUCLUSE, "FRL0": PlaceName("Provence-Alpes-Côte d'Azur",
                                                  REGION + "FRL0")}
    step = Step("broader", "region", "FRL06", {"region": "FRL0"})
    text = explanations.suggestion(Suggestion({"region": "FRL0"}, 3, (step,)),
                                   lambda _name, code: names[code], i18n.messages("fr"))
    assert text == "rechercher en Provence-Alpes-Côte d'Azur, qui comprend le Vaucluse"


def test_api_explanations_say_dans_le_vaucluse(server):
    body = server.get("/api/services", params={"status": "refugee", "region": "FRL06",
                                               "explain": "true", "limit": 50,
                                               "lang": "fr"}).json()
    texts = {rule["text"] for item in body["items"]
             for rule in explanations.rules(item["why"], ("region", "rank"))}
    assert "Lauris se trouve dans le Vaucluse." in texts
    assert "La France comprend le Vaucluse : le service le couvre." in texts
    assert not any(re.search(r"\b(dans|de) Vaucluse\b|^Vaucluse ", t) for t in texts), texts


@pytest.mark.parametrize(("code", "intro", "caption"), [
    ("FRL06", "Ce que le Vaucluse (FRL06) propose",
     "Services dans le Vaucluse par besoin"),
    ("PL51", "Ce que la Basse-Silésie (PL51) propose", "Services en Basse-Silésie par besoin"),
    ("EL611", "Ce que la zone « Karditsa, Trikala » (EL611) propose",
     "Services dans la zone « Karditsa, Trikala » par besoin"),
])
def test_factfile_sentences_in_french(server, code, intro, caption):
    page = server.get(f"/factfiles/{code}", params={"lang": "fr"}).text
    page = page.replace("&#39;", "'")
    assert intro in page and caption in page


def test_search_criteria_near_a_place_in_french(server):
    page = server.get("/", params={"lang": "fr", "need": "employment", "near": "avignon",
                                   "within_km": "5"}).text.replace("&#39;", "'")
    assert "À moins de 5 km d'Avignon" in page
    page = server.get("/", params={"lang": "fr", "need": "employment", "near": "43.8,5.3",
                                   "within_km": "5"}).text
    assert "À moins de 5 km du point « 43.8,5.3 »" in page
