"""Place names inside sentences: the form a language's grammar asks for, or a neutral wording.

A place's label ("Vaucluse") cannot be dropped into every French sentence as it is: French says
"dans le Vaucluse", "en Provence-Alpes-Côte d'Azur", "à Avignon", "du Vaucluse", "d'Avignon",
"Le Vaucluse se trouve en Provence-Alpes-Côte d'Azur". Which form a sentence needs is the
translator's choice, so a catalogue message asks for it in the placeholder's format spec, which
leaves the placeholder's name (and the catalogue's placeholder check) as it is:

    ``{area}``       the label as it is ("Vaucluse")
    ``{area:the}``   the name as a noun phrase, with the article usage requires ("le Vaucluse",
                     "la région Provence-Alpes-Côte d'Azur", "Avignon"); ``{area:The}`` starts
                     a sentence ("Le Vaucluse")
    ``{area:in}``    the name after a verb to say where ("dans le Vaucluse", "en Thessalie",
                     "à Avignon")
    ``{area:of}``    the name after a noun or a distance to say whose or from where
                     ("du Vaucluse", "de la Thessalie", "d'Avignon")

Why a table here, keyed by the concept, and not a rule or a property in the graph:
- No rule gives these forms. Gender is not in the name ("le Vaucluse", "la Corrèze"), French
  says "en Isère" and "en Limousin" but "dans le Vaucluse", a municipality takes "à" and no
  article, and a NUTS region named for a group of areas reads best as "la région ...". A rule
  would guess, and a guessed form is a grammar mistake in front of the reader.
- The forms belong to the interface's French, not to the place: which sentence wants which form
  is the catalogue's business, and ``graph/`` knows nothing of human sentences. So they sit
  beside the catalogues, written once for each concept by its IRI (not by its label, which
  changes with the language and may be shared by two concepts, as FRL and FRL0 are).
- Every form was checked for the concept it is written for. A concept the table lacks (a NUTS
  group with no established French name, such as "Noreste" or "Karditsa, Trikala", or a place
  added to the graph later) gets a neutral wording that is correct whatever the name's gender
  or first letter: "la zone « Karditsa, Trikala »", "dans la zone « ... »", "de la zone « ... »".

Only French has forms so far. Other catalogues use bare placeholders; a spec in a language with
no table gives the label as it is. Coordinates given to ``near`` (``PlaceName(text)``, no
concept) are worded as a point ("du point « 43.95,5.20 »").
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from passerelle.graph.rdf.namespaces import ID

REGION = ID + "region/"
SPECS = ("the", "in", "of")
"""The forms a placeholder may ask for (lower case; a capital first letter capitalises it)."""


class PlaceName(str):
    """A place's label, knowing which concept it names (``concept``: its IRI, or None for a
    point given by coordinates), so a sentence can ask for the form it needs. It is the label
    everywhere else (JSON, HTML, comparison). A plain string given to a form is worded as a
    zone."""

    concept: str | None

    def __new__(cls, label: str, concept: str | None = None) -> PlaceName:
        made = super().__new__(cls, label)
        made.concept = concept
        return made


def _forms(written: Mapping[str, tuple[str, str, str]]) -> dict[str, dict[str, str]]:
    return {REGION + code: dict(zip(SPECS, forms, strict=True))
            for code, forms in written.items()}


FORMS: dict[str, dict[str, dict[str, str]]] = {"fr": _forms({
    # code: (the, in, of)
    "FR": ("la France", "en France", "de la France"),
    "FRL": ("la région Provence-Alpes-Côte d'Azur", "en Provence-Alpes-Côte d'Azur",
            "de la région Provence-Alpes-Côte d'Azur"),
    "FRL0": ("la région Provence-Alpes-Côte d'Azur", "en Provence-Alpes-Côte d'Azur",
             "de la région Provence-Alpes-Côte d'Azur"),
    "FRL06": ("le Vaucluse", "dans le Vaucluse", "du Vaucluse"),
    "FRK": ("la région Auvergne-Rhône-Alpes", "en Auvergne-Rhône-Alpes",
            "de la région Auvergne-Rhône-Alpes"),
    "FRK2": ("la région Rhône-Alpes", "en Rhône-Alpes", "de la région Rhône-Alpes"),
    "FRK24": ("l'Isère", "en Isère", "de l'Isère"),
    "FRI": ("la Nouvelle-Aquitaine", "en Nouvelle-Aquitaine", "de la Nouvelle-Aquitaine"),
    "FRI2": ("le Limousin", "en Limousin", "du Limousin"),
    "FRI21": ("la Corrèze", "en Corrèze", "de la Corrèze"),
    "FRC": ("la région Bourgogne-Franche-Comté", "en Bourgogne-Franche-Comté",
            "de la région Bourgogne-Franche-Comté"),
    "FRC1": ("la Bourgogne", "en Bourgogne", "de la Bourgogne"),
    "FRC13": ("la Saône-et-Loire", "en Saône-et-Loire", "de la Saône-et-Loire"),
    "ES": ("l'Espagne", "en Espagne", "de l'Espagne"),
    "ES24": ("l'Aragon", "en Aragon", "de l'Aragon"),
    "ES242": ("la province de Teruel", "dans la province de Teruel",
              "de la province de Teruel"),
    "ES41": ("la Castille-et-León", "en Castille-et-León", "de la Castille-et-León"),
    "ES417": ("la province de Soria", "dans la province de Soria", "de la province de Soria"),
    "ES42": ("la Castille-La Manche", "en Castille-La Manche", "de la Castille-La Manche"),
    "ES424": ("la province de Guadalajara", "dans la province de Guadalajara",
              "de la province de Guadalajara"),
    "PL": ("la Pologne", "en Pologne", "de la Pologne"),
    "PL51": ("la Basse-Silésie", "en Basse-Silésie", "de la Basse-Silésie"),
    "PL9": ("la voïvodie de Mazovie", "dans la voïvodie de Mazovie",
            "de la voïvodie de Mazovie"),
    "PL911": ("la ville de Varsovie", "à Varsovie", "de la ville de Varsovie"),
    "EL": ("la Grèce", "en Grèce", "de la Grèce"),
    "EL61": ("la Thessalie", "en Thessalie", "de la Thessalie"),
    "avignon": ("Avignon", "à Avignon", "d'Avignon"),
    "cavaillon": ("Cavaillon", "à Cavaillon", "de Cavaillon"),
    "lauris": ("Lauris", "à Lauris", "de Lauris"),
    "merindol": ("Mérindol", "à Mérindol", "de Mérindol"),
    "grenoble": ("Grenoble", "à Grenoble", "de Grenoble"),
    "trikala": ("Trikala", "à Trikala", "de Trikala"),
    "siguenza": ("Sigüenza", "à Sigüenza", "de Sigüenza"),
    "valderrobres": ("Valderrobres", "à Valderrobres", "de Valderrobres"),
    "monreal-del-campo": ("Monreal del Campo", "à Monreal del Campo", "de Monreal del Campo"),
})}
"""The checked forms of each place, by language and concept IRI."""

NEUTRAL: dict[str, dict[str, dict[str, str]]] = {"fr": {
    "zone": {"the": "la zone « {name} »", "in": "dans la zone « {name} »",
             "of": "de la zone « {name} »"},
    "point": {"the": "le point « {name} »", "in": "au point « {name} »",
              "of": "du point « {name} »"},
}}
"""Wordings right whatever the name: for a concept with no checked form (``zone``) and for a
value that names no concept (``point``)."""


def form(value: Any, spec: str, lang: str) -> str:
    """``value`` in the form ``spec`` asks for, in ``lang``. An empty spec is the value as it
    is; so is any spec in a language with no forms. A spec that is no form is a ``ValueError``,
    as Python's own formatting says of an unknown spec."""
    if not spec:
        return format(value, "")
    wanted = spec.lower()
    if wanted not in SPECS:
        raise ValueError(f"unknown place form {spec!r} (forms: {', '.join(SPECS)})")
    name = str(value)
    if lang not in NEUTRAL:
        return name
    concept = getattr(value, "concept", None)
    kind = "point" if isinstance(value, PlaceName) and concept is None else "zone"
    text = FORMS.get(lang, {}).get(concept or "", {}).get(wanted) or \
        NEUTRAL[lang][kind][wanted].format(name=name)
    return text[:1].upper() + text[1:] if spec[:1].isupper() else text


class Formatter(string.Formatter):
    """``str.format`` for the catalogues' messages: a format spec of ``SPECS`` puts a place in
    its form (``form``); every other field is formatted as Python does."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.lower() in SPECS:
            return form(value, format_spec, self.lang)
        return super().format_field(value, format_spec)


def fill(text: str, lang: str, /, *args: Any, **values: Any) -> str:
    """``text.format(*args, **values)`` with the places in the forms its fields ask for."""
    return Formatter(lang).vformat(text, args, values)
