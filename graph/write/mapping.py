"""From the JSON a data steward sends to the triples of a service or an organisation.

The JSON has the shape of the read model (``GET /api/services/{id}``, ``GET /api/organisations/
{id}``), so a client can read a record, edit it and send it back. Texts are ``{"en": ..., "fr":
...}`` or a plain string with the record's ``lang``; codes are the API's notations (or IRIs),
resolved here against their schemes so that an unknown one is refused by field name. Everything
else (a missing name, a malformed date, open to all *and* restricted) is left to the shapes, so
the rules live in one place and read the same whichever way the data arrives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pyoxigraph as ox

from passerelle.graph.rdf.contact import ADDRESS, CONTACT, CONTACT_LINKS
from passerelle.graph.rdf.namespaces import PAS, RDF_TYPE
from passerelle.graph.read import codes
from passerelle.graph.store.base import Store
from passerelle.graph.write.audit import timestamp
from passerelle.graph.write.commit import Unprocessable

SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
XSD = "http://www.w3.org/2001/XMLSchema#"

IGNORED = frozenset({"id", "modified", "eligibility_unknown", "why", "kind_label", "locality",
                     "services", "practices", "platforms", "member_of", "events", "leads",
                     "sub_organisations"})
"""Read-model keys a client may send back unchanged: derived or owned by other records."""

ELIGIBILITY_STATES = ("open-to-all", "restricted", "not-stated")


def field_error(name: str, message: str) -> Unprocessable:
    return Unprocessable(f"{name}: {message}", field=name)


class Record:
    """Collects the triples of one subject, turning each JSON field into statements."""

    def __init__(self, store: Store, body: object, subject: str, base: str):
        if not isinstance(body, dict):
            raise field_error("body", "send a JSON object")
        self.store, self.body, self.base = store, body, base
        self.subject = ox.NamedNode(subject)
        self.triples: list[ox.Triple] = []
        lang = body.get("lang")
        if lang is not None and not isinstance(lang, str):
            raise field_error("lang", "give a language tag such as \"en\"")
        self.lang = lang

    def add(self, predicate: str, obj, subject=None) -> None:
        self.triples.append(ox.Triple(subject or self.subject, ox.NamedNode(predicate), obj))

    def check_keys(self, known: set[str]) -> None:
        unknown = sorted(set(self.body) - known - IGNORED - {"lang"})
        if unknown:
            raise field_error(unknown[0],
                              "unknown field; known fields: " + ", ".join(sorted(known)))

    def _literal(self, name: str, text: object, language: str | None) -> ox.Literal:
        if not isinstance(text, str):
            raise field_error(name, "give a text")
        if language is None:
            raise field_error(name, "a plain string needs the record's \"lang\" (or send "
                                    "{\"en\": ..., \"fr\": ...})")
        try:
            return ox.Literal(text, language=language)
        except ValueError as error:
            raise field_error(name, f"{language!r} is not a language tag ({error})") from None

    def texts(self, name: str, predicate: str, *, many: bool = False) -> None:
        """A language-tagged text: a string (with ``lang``) or {language: text}; ``many``
        also takes lists of either."""
        value = self.body.get(name)
        if value is None:
            return
        items = value if many and isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict):
                for language, text in item.items():
                    for one in (text if many and isinstance(text, list) else [text]):
                        self.add(predicate, self._literal(name, one, language))
            else:
                self.add(predicate, self._literal(name, item, self.lang))

    def concepts(self, name: str, scheme: str, predicate: str, given=None) -> None:
        """Codes (or ``{"code"|"notation"|"id": ...}`` objects, as the read model gives them)."""
        value = self.body.get(name) if given is None else given
        if value is None:
            return
        if isinstance(value, str | dict):
            value = [value]
        if not isinstance(value, list):
            raise field_error(name, "give a list of codes")
        wanted = [_code(name, v) for v in value]
        try:
            found = codes.resolve(self.store, scheme, wanted)
        except codes.UnknownCode as error:
            shown = ", ".join(repr(c[:80]) for c in error.codes)
            raise field_error(name, f"unknown code(s) {shown} (not in the {scheme} scheme)") \
                from None
        for code in dict.fromkeys(wanted):
            self.add(predicate, found[code])

    def refs(self, name: str, namespace: str, predicate: str) -> None:
        """Links to other records: a slug, an IRI, or ``{"id": ...}``; one or a list."""
        value = self.body.get(name)
        if value is None:
            return
        for item in value if isinstance(value, list) else [value]:
            ident = item.get("id") if isinstance(item, dict) else item
            if not isinstance(ident, str) or not ident:
                raise field_error(name, "give a slug, an IRI or {\"id\": IRI}")
            if not ident.startswith(("http://", "https://")):
                ident = self.base + namespace + ident
            self.add(predicate, _iri(name, ident))

    def iri(self, name: str, predicate: str, value=None, subject=None) -> None:
        value = self.body.get(name) if value is None else value
        if value is None:
            return
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or not item.startswith(("http://", "https://")):
                raise field_error(name, "give an http(s) IRI")
            self.add(predicate, _iri(name, item), subject)

    def literal(self, name: str, predicate: str, datatype: Callable[[str], str]) -> None:
        value = self.body.get(name)
        if value is None:
            return
        if not isinstance(value, str):
            raise field_error(name, "give a date as text, e.g. \"2026-11-27\"")
        self.add(predicate, ox.Literal(value, datatype=ox.NamedNode(datatype(value))))

    def node(self, name: str, predicate: str, cls: str, fields: dict[str, str],
             iris: tuple[str, ...] = ()) -> None:
        """A blank node (an address, a contact point) from a JSON object of plain strings."""
        value = self.body.get(name)
        if value is None:
            return
        if not isinstance(value, dict):
            raise field_error(name, "give an object")
        unknown = sorted(set(value) - set(fields) - set(iris))
        if unknown:
            raise field_error(f"{name}.{unknown[0]}", "unknown field; known fields: "
                              + ", ".join(sorted([*fields, *iris])))
        blank = ox.BlankNode()
        self.add(predicate, blank)
        self.add(RDF_TYPE, ox.NamedNode(SCHEMA + cls), blank)
        for key, prop in fields.items():
            if value.get(key) is not None:
                if not isinstance(value[key], str):
                    raise field_error(f"{name}.{key}", "give a text")
                self.add(SCHEMA + prop, ox.Literal(value[key]), blank)
        for key in iris:
            if value.get(key) is not None:
                self.iri(f"{name}.{key}", SCHEMA + key, value[key], blank)


def _code(name: str, value) -> str:
    if isinstance(value, dict):
        value = value.get("code") or value.get("notation") or value.get("id")
    if not isinstance(value, str) or not value:
        raise field_error(name, "give codes as strings")
    return value


def _iri(name: str, value: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError as error:
        raise field_error(name, f"{value[:200]!r} is not an IRI ({error})") from None


def _date_type(value: str) -> str:
    """xsd:gYear or xsd:gYearMonth when the text has that form, else xsd:date (checked by the
    shapes, which refuse a malformed or impossible date)."""
    if re.fullmatch(r"-?\d{4}", value):
        return XSD + "gYear"
    if re.fullmatch(r"-?\d{4}-\d{2}", value):
        return XSD + "gYearMonth"
    return XSD + "date"


SERVICE_FIELDS = {"name", "alternate_names", "description", "provider", "service_types",
                  "eligibility", "areas", "languages", "contact", "address", "opening_hours",
                  "cost", "how_to_apply", "url", "last_verified", "status", "offered_through"}


def service(store: Store, body: object, iri: str, *, base: str, modified: datetime
            ) -> list[ox.Triple]:
    """The triples of one service; raises Unprocessable naming the first bad field."""
    r = Record(store, body, iri, base)
    r.check_keys(SERVICE_FIELDS)
    r.add(RDF_TYPE, ox.NamedNode(PAS + "Service"))
    r.texts("name", SCHEMA + "name")
    r.texts("alternate_names", SCHEMA + "alternateName", many=True)
    r.texts("description", SCHEMA + "description")
    r.refs("provider", "organisation/", PAS + "provider")
    r.concepts("service_types", "need", PAS + "serviceType")
    _eligibility(r)
    r.concepts("areas", "region", PAS + "serviceArea")
    r.concepts("languages", "language", DCT + "language")
    r.node("contact", SCHEMA + "contactPoint", "ContactPoint", CONTACT, iris=CONTACT_LINKS)
    r.node("address", SCHEMA + "address", "PostalAddress", ADDRESS)
    r.texts("opening_hours", PAS + "openingHours")
    r.texts("cost", PAS + "cost")
    r.texts("how_to_apply", PAS + "howToApply")
    r.iri("url", SCHEMA + "url")
    r.literal("last_verified", PAS + "lastVerified", lambda _: XSD + "date")
    status = r.body.get("status")
    if status is not None:
        r.concepts("status", "service_status", PAS + "serviceStatus", given=[status])
    r.iri("offered_through", PAS + "offeredThrough")
    r.add(DCT + "modified", timestamp(modified))
    return r.triples


def _eligibility(r: Record) -> None:
    """The three states, never confused: a contradiction the JSON can express on its own is
    refused here; open to all *with* statuses is passed on for the shapes to name."""
    value = r.body.get("eligibility")
    if value is None:
        return
    if not isinstance(value, dict):
        raise field_error("eligibility", "give {\"state\": ..., \"statuses\": [...]}")
    state = value.get("state", "restricted" if value.get("statuses") else "not-stated")
    if state not in ELIGIBILITY_STATES:
        raise field_error("eligibility.state", f"{str(state)[:80]!r} is not one of "
                          + ", ".join(ELIGIBILITY_STATES))
    statuses = value.get("statuses") or []
    if state == "restricted" and not statuses:
        raise field_error("eligibility.statuses", "a restricted service lists the statuses it "
                                                  "serves")
    if state == "not-stated" and statuses:
        raise field_error("eligibility", "eligibility is \"not-stated\" but statuses are listed")
    if state == "open-to-all":
        r.add(PAS + "openToAllStatuses", ox.Literal(True))
    if statuses:
        r.concepts("eligibility.statuses", "status", PAS + "eligibleStatus", given=statuses)


ORGANISATION_FIELDS = {"name", "alternate_names", "description", "kind", "types", "homepage",
                       "address", "contact", "regions", "founding_date", "founders",
                       "parent_organisations", "led_by", "sources", "uncertainty_notes"}
ORGANISATION_CLASSES = {"organisation": PAS + "Organisation", "network": PAS + "Network"}


def organisation(store: Store, body: object, iri: str, *, base: str, modified: datetime
                 ) -> list[ox.Triple]:
    """The triples of one organisation (or network); raises Unprocessable naming the field."""
    r = Record(store, body, iri, base)
    r.check_keys(ORGANISATION_FIELDS)
    kind = r.body.get("kind") or "organisation"
    if kind not in ORGANISATION_CLASSES:
        raise field_error("kind", f"{str(kind)[:80]!r} is not one of "
                          + ", ".join(ORGANISATION_CLASSES))
    r.add(RDF_TYPE, ox.NamedNode(ORGANISATION_CLASSES[kind]))
    r.texts("name", SCHEMA + "name")
    r.texts("alternate_names", SCHEMA + "alternateName", many=True)
    r.texts("description", SCHEMA + "description")
    r.concepts("types", "organisation_type", ORG + "classification")
    r.iri("homepage", SCHEMA + "url")
    r.node("address", SCHEMA + "address", "PostalAddress", ADDRESS)
    r.node("contact", SCHEMA + "contactPoint", "ContactPoint", CONTACT, iris=CONTACT_LINKS)
    r.concepts("regions", "region", PAS + "region")
    r.literal("founding_date", SCHEMA + "foundingDate", _date_type)
    r.refs("founders", "organisation/", SCHEMA + "founder")
    r.refs("parent_organisations", "organisation/", ORG + "subOrganizationOf")
    r.refs("led_by", "organisation/", PAS + "ledBy")
    r.iri("sources", DCT + "source")
    r.texts("uncertainty_notes", PAS + "uncertaintyNote", many=True)
    r.add(DCT + "modified", timestamp(modified))
    return r.triples
