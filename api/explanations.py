"""Why a service matched, in words: the search's explanation codes through the catalogues.

The search (``graph/read/search.py``) says why with a rule code and the concepts it links (the
client's status and the status a service is for, the type and the need, the area and the place
searched). Here each rule becomes a sentence of the reader's catalogue, with the concepts' names
in the reader's language, for the API's ``explain=true`` (a ``text`` beside each rule) and for
the search page alike.
"""

from __future__ import annotations

from collections.abc import Callable

SENTENCES = {
    "open-to-all": "why_open", "not-stated": "why_not_stated",
    "same-status": "why_same_status", "narrower-status": "why_narrower_status",
    "same-type": "why_same_type", "narrower-type": "why_narrower_type",
    "same": "why_region_same", "inside": "why_region_inside", "contains": "why_region_contains",
}
"""The catalogue key of each rule code."""

PLACEHOLDERS = {"eligible_status": "eligible", "client_status": "client",
                "service_type": "type", "need": "need", "area": "area", "region": "region"}
"""The placeholder of the catalogue's sentence that names each concept of a rule."""

SECTIONS = ("eligibility", "need", "region")


def rules(why: dict) -> list[dict]:
    """The rules of an explanation in reading order: eligibility, need, region."""
    out = []
    for section in SECTIONS:
        found = why.get(section)
        out += [found] if isinstance(found, dict) else found or []
    return out


def concepts(why: dict) -> set[str]:
    """The IRIs of the concepts an explanation names."""
    return {rule[key] for rule in rules(why) for key in PLACEHOLDERS if key in rule}


def sentence(rule: dict, label: Callable[[str], str], t: dict) -> str:
    return t[SENTENCES[rule["rule"]]].format(
        **{name: label(rule[key]) for key, name in PLACEHOLDERS.items() if key in rule})


def sentences(why: dict, label: Callable[[str], str], t: dict) -> list[str]:
    """The explanation as the catalogue's sentences, in reading order."""
    return [sentence(rule, label, t) for rule in rules(why)]


def with_text(why: dict, label: Callable[[str], str], t: dict) -> dict:
    """A copy of the explanation with each rule's sentence as ``text`` (the search's answers
    are shared between requests, so they are never changed in place)."""
    def worded(found):
        if isinstance(found, dict):
            return {**found, "text": sentence(found, label, t)}
        return [worded(rule) for rule in found]

    return {section: worded(found) for section, found in why.items()}
