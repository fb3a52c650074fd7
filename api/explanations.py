"""Why a service matched, in words: the search's explanation codes through the catalogues.

The search (``graph/read/search.py``) says why with a rule code and the concepts it links (the
client's status and the status a service is for, the type and the need, the area and the place
searched), and why a service stands where it does in the list (``rank``, from
``graph/read/ranking.py``). Here each rule becomes a sentence of the reader's catalogue, with the
concepts' names in the reader's language, for the API's ``explain=true`` (a ``text`` beside each
rule) and for the search page alike; so does each suggestion for an empty search.
"""

from __future__ import annotations

from collections.abc import Callable

from passerelle.api.places import PlaceName

SENTENCES = {
    "open-to-all": "why_open", "not-stated": "why_not_stated",
    "same-status": "why_same_status", "narrower-status": "why_narrower_status",
    "same-type": "why_same_type", "narrower-type": "why_narrower_type",
    "same": "why_region_same", "inside": "why_region_inside", "contains": "why_region_contains",
    **{code: code.replace("-", "_") for code in (
        "rank-eligibility-confirmed", "rank-eligibility-open", "rank-eligibility-restricted",
        "rank-eligibility-not-stated", "rank-place-local", "rank-place-wider",
        "rank-place-national", "rank-need-same", "rank-need-narrower", "rank-distance-own",
        "rank-distance-area", "rank-distance-serves", "rank-distance-unknown", "rank-verified",
        "rank-not-verified", "rank-temporarily-closed")},
}
"""The catalogue key of each rule code."""

PLACEHOLDERS = {"eligible_status": "eligible", "client_status": "client",
                "service_type": "type", "need": "need", "area": "area", "region": "region"}
"""The placeholder of the catalogue's sentence that names each concept of a rule."""
PLACES = frozenset({"area", "region"})
"""The concepts of a rule that are places: a sentence may ask for their grammatical form."""

VALUES = ("km", "date")
"""Values a rule carries as they are (a distance, a date), beside the concepts it names."""

SECTIONS = ("eligibility", "need", "region", "rank")
MATCH = SECTIONS[:3]
"""Why a service matches; ``rank`` says why it stands where it does in the list."""


def rules(why: dict, sections=SECTIONS) -> list[dict]:
    """The rules of an explanation in reading order: eligibility, need, region, then rank."""
    out = []
    for section in sections:
        found = why.get(section)
        out += [found] if isinstance(found, dict) else found or []
    return out


def concepts(why: dict) -> set[str]:
    """The IRIs of the concepts an explanation names."""
    return {rule[key] for rule in rules(why) for key in PLACEHOLDERS if key in rule}


def named(key: str, iri: str, label: Callable[[str], str]) -> str:
    """The name of a rule's concept, a place knowing its concept (``places``)."""
    return PlaceName(label(iri), iri) if key in PLACES else label(iri)


def sentence(rule: dict, label: Callable[[str], str], t: dict) -> str:
    return t[SENTENCES[rule["rule"]]].format(
        **{name: named(key, rule[key], label) for key, name in PLACEHOLDERS.items()
           if key in rule},
        **{key: rule[key] for key in VALUES if key in rule})


def sentences(why: dict, label: Callable[[str], str], t: dict, sections=SECTIONS,
              omit: frozenset[str] = frozenset()) -> list[str]:
    """The explanation as the catalogue's sentences, in reading order (only ``sections``,
    without the rules ``omit`` names: those a page says elsewhere)."""
    return [sentence(rule, label, t) for rule in rules(why, sections)
            if rule["rule"] not in omit]


def with_text(why: dict, label: Callable[[str], str], t: dict) -> dict:
    """A copy of the explanation with each rule's sentence as ``text`` (the search's answers
    are shared between requests, so they are never changed in place)."""
    def worded(found):
        if isinstance(found, dict):
            return {**found, "text": sentence(found, label, t)}
        return [worded(rule) for rule in found]

    return {section: worded(found) for section, found in why.items()}


# --- suggestions for an empty search -------------------------------------------------------

def code_labels(store, lang: str) -> Callable[[str, str], str]:
    """A function naming a parameter's code (need, status, region, language) in ``lang``; any
    other value is shown as it is. Places (``region``, ``near``) are named as places
    (``places.PlaceName``); a ``near`` that is no concept is a point."""
    from passerelle.graph.read import concepts
    from passerelle.graph.read.codes import SCHEMES

    schemes: dict[str, dict] = {}

    def label(parameter: str, code: str) -> str:
        if parameter not in ("need", "status", "region", "language", "near"):
            return code
        scheme = "region" if parameter == "near" else parameter
        if scheme not in schemes:
            schemes[scheme] = concepts.concepts(store, SCHEMES[scheme])
        found = concepts.find(schemes[scheme], code)
        if scheme == "region":
            return PlaceName(concepts.label(found, lang), found.iri) if found else \
                PlaceName(code, None if parameter == "near" else code)
        return concepts.label(found, lang) if found else code

    return label


def suggestion(s, label: Callable[[str, str], str], t: dict) -> str:
    """A suggestion (``facets.Suggestion``) as the catalogue's sentences of its steps."""
    return f" {t['and']} ".join(step(one, label, t) for one in s.steps)


def step(s, label: Callable[[str, str], str], t: dict) -> str:
    """One step of a suggestion (``facets.Step``) as the catalogue's sentence."""
    name, previous = s.parameter, s.previous
    if s.rule == "broader":
        key = "widen_broader_need" if name == "need" else "widen_broader"
        return t[key].format(label=label(name, s.change[name]), value=label(name, previous))
    if s.rule == "include-unknown":
        return t["widen_unknown"]
    if s.rule == "wider-distance":
        return t["suggest_within"].format(km=f"{s.change['within_km']:g}")
    if name == "q":
        return t["widen_words"].format(value=previous)
    if name == "open_to_all":
        return t["suggest_drop_open"]
    if name == "near":
        return t["suggest_drop_near"].format(value=label("near", previous))
    values = ", ".join(label(name, code) for code in str(previous).split(", "))
    return t["widen_remove"].format(field=t[name + "_label"].lower(), value=values)
