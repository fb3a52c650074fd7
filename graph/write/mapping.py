"""From the JSON a data steward sends to the triples of a service or an organisation.

The JSON has the shape of the read model (``GET /api/services/{id}``, ``GET /api/organisations/
{id}``), so a client can read a record, edit it and send it back. Texts are ``{"en": ..., "fr":
...}`` or a plain string with the record's ``lang``; codes are the API's notations (or IRIs),
resolved here against their schemes so that an unknown one is refused by field name. Everything
else (a missing name, a malformed date, open to all *and* restricted) is left to the shapes, so
the rules live in one place and read the same whichever way the data arrives.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from passerelle.graph.rdf.contact import CONTACT, CONTACT_LINKS, DAYS, POSTAL
from passerelle.graph.rdf.namespaces import DCT, ORG, PAS, RDF_TYPE, SCHEMA, XSD
from passerelle.graph.read import codes
from passerelle.graph.store.base import Store
from passerelle.graph.validation.functions import e164
from passerelle.graph.write.audit import timestamp
from passerelle.graph.write.commit import Invalid

IGNORED = frozenset({"id", "modified", "eligibility_unknown", "why", "kind_label", "locality",
                     "services", "practices", "platforms", "member_of", "events", "leads",
                     "sub_organisations", "uncertainty", "distance_km"})
"""Read-model keys a client may send back unchanged: derived or owned by other records."""

ELIGIBILITY_STATES = ("open-to-all", "restricted", "not-stated")


@functools.cache
def _predicate(iri: str) -> ox.NamedNode:
    """A predicate's term, made once: an import maps the same few dozen for every row (the
    mapper's own names, so the table stays small)."""
    return ox.NamedNode(iri)


@functools.cache
def _predicate_text(iri: str) -> str:
    """A predicate as N-Triples writes it, made once (as ``_predicate``)."""
    return str(_predicate(iri))


@functools.lru_cache(maxsize=4096)
def _e164(text: str, country: str | None) -> str | None:
    """``e164``, remembered: an import's rows repeat the same few numbers."""
    return e164(text, country)


def slugify(text: str, *, max_length: int | None = None) -> str:
    """``Entraide Pierre Valdo`` -> ``entraide-pierre-valdo``: accents dropped, words joined.

    The one slug of every way in (record ids from a name, imported services and organisations).
    Empty when no letter or digit is left: each caller says what stands in then (the write API
    a generic ``record``, an import a problem naming the row). ``max_length`` cuts the slug,
    after the joining hyphens are trimmed; imports keep the whole name, so that two long names
    sharing a beginning stay two services.
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:max_length]


def field_error(name: str, message: str) -> Invalid:
    return Invalid(f"{name}: {message}", field=name)


@dataclass(frozen=True, slots=True)
class Value:
    """A value as an outside source wrote it, and where ("row 4, column statuses",
    "$.services[2].languages[0]"): an import's record holds these where the JSON holds plain
    strings, so that every problem names the place to fix."""

    text: str
    where: str


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


KINDS = {"need": "service type", "status": "status", "region": "region", "language": "language",
         "service_status": "service status", "organisation_type": "organisation type"}
"""What a code of each scheme is called in a problem ("unknown service type 'knitting'")."""


def _text(value):
    return value.text if isinstance(value, Value) else value


class Record:
    """Collects the triples of one subject, turning each field of the JSON into statements.

    The one record mapper of every way in: the write API gives a client's JSON, an import the
    same JSON built from a row or an HSDS object with ``Value``s for leaves. With ``problems``
    (an import) each problem is collected at the value's place and the mapping goes on, so a
    row's problems are reported at once; without it (the API) the first one is refused, naming
    the field. Codes go through one ``codes.Resolver``.

    With ``text`` the statements are kept as N-Triples lines (``lines``), each as
    ``pyoxigraph.serialize`` writes it, rather than as triples: an import writes and checks
    them as text, and a triple term costs several times its line.
    """

    def __init__(self, store: Store, body: object, subject: str, base: str, *,
                 resolver: codes.Resolver | None = None, problems: list[Problem] | None = None,
                 where: str = "body", text: bool = False):
        self.problems, self.where = problems, where
        if not isinstance(body, dict):
            raise field_error("body", "send a JSON object")
        self.store, self.body, self.base = store, body, base
        self.resolver = resolver or codes.Resolver(store)
        self.subject = ox.NamedNode(subject)
        self.triples: list[ox.Triple] = []
        self.lines: list[str] | None = [] if text else None
        self._subject_text = str(self.subject)
        lang = body.get("lang")
        if lang is not None and not isinstance(lang, str):
            raise field_error("lang", "give a language tag such as \"en\"")
        self.lang = lang

    def fail(self, name: str, message: str, value=None) -> None:
        """A problem with the field ``name`` (at ``value``'s place when it has one): refused at
        once for the API, collected for an import."""
        if self.problems is None:
            raise field_error(name, message)
        where = value.where if isinstance(value, Value) else self.where
        self.problems.append(Problem(where, message))

    def add(self, predicate: str, obj, subject=None) -> None:
        if self.lines is not None:
            self.lines.append(f"{self._subject_text if subject is None else subject} "
                              f"{_predicate_text(predicate)} {obj} .\n")
        else:
            self.triples.append(ox.Triple(subject or self.subject, _predicate(predicate), obj))

    @property
    def statements(self) -> list[ox.Triple] | list[str]:
        """The triples, or with ``text`` their N-Triples lines."""
        return self.triples if self.lines is None else self.lines

    def check_keys(self, known: set[str]) -> None:
        unknown = sorted(set(self.body) - known - IGNORED - {"lang"})
        if unknown:
            raise field_error(unknown[0],
                              "unknown field; known fields: " + ", ".join(sorted(known)))

    def _literal(self, name: str, value: object, language: str | None) -> ox.Literal | None:
        text = _text(value)
        if not isinstance(text, str):
            return self.fail(name, "give a text", value)
        if language is None:
            return self.fail(name, "a plain string needs the record's \"lang\" (or send "
                                   "{\"en\": ..., \"fr\": ...})", value)
        try:
            return ox.Literal(text, language=language)
        except ValueError as error:
            return self.fail(name, f"{language!r} is not a language tag ({error})", value)

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
                        if (literal := self._literal(name, one, language)) is not None:
                            self.add(predicate, literal)
            elif (literal := self._literal(name, item, self.lang)) is not None:
                self.add(predicate, literal)

    def concepts(self, name: str, scheme: str, predicate: str, given=None) -> None:
        """Codes (or ``{"code"|"notation"|"id": ...}`` objects, as the read model gives them)."""
        value = self.body.get(name) if given is None else given
        if value is None:
            return
        if isinstance(value, str | dict | Value):
            value = [value]
        if not isinstance(value, list):
            return self.fail(name, "give a list of codes")
        wanted = [(item, code) for item in value if (code := self._code(name, item)) is not None]
        found = self.resolver.concepts(scheme, [code for _, code in wanted])
        unknown = [(item, code) for item, code in wanted if code not in found]
        if unknown and self.problems is None:
            shown = ", ".join(repr(code[:80]) for code in dict.fromkeys(c for _, c in unknown))
            raise field_error(name, f"unknown {KINDS[scheme]} {shown}")
        for item, code in unknown:
            self.fail(name, f"unknown {KINDS[scheme]} {code[:80]!r}", item)
        for code in dict.fromkeys(code for _, code in wanted if code in found):
            self.add(predicate, found[code])

    def _code(self, name: str, value) -> str | None:
        if isinstance(value, dict):
            value = value.get("code") or value.get("notation") or value.get("id")
        text = _text(value)
        if not isinstance(text, str) or not text:
            return self.fail(name, "give codes as strings", value)
        return text

    def refs(self, name: str, namespace: str, predicate: str) -> None:
        """Links to other records: a slug, an IRI, or ``{"id": ...}``; one or a list."""
        value = self.body.get(name)
        if value is None:
            return
        for item in value if isinstance(value, list) else [value]:
            ident = _text(item.get("id") if isinstance(item, dict) else item)
            if not isinstance(ident, str) or not ident:
                self.fail(name, "give a slug, an IRI or {\"id\": IRI}", item)
                continue
            if not ident.startswith(("http://", "https://")):
                ident = self.base + namespace + ident
            if (node := self._iri(name, ident, item)) is not None:
                self.add(predicate, node)

    def iri(self, name: str, predicate: str, value=None, subject=None) -> None:
        """A web address (or several): an http(s) IRI."""
        value = self.body.get(name) if value is None else value
        if value is None:
            return
        for item in value if isinstance(value, list) else [value]:
            text = _text(item)
            if not isinstance(text, str) or not text.startswith(("http://", "https://")):
                self.fail(name, f"not a web address: {str(text)[:200]!r} (give an http(s) IRI)",
                          item)
            elif (node := self._iri(name, text, item)) is not None:
                self.add(predicate, node, subject)

    def _iri(self, name: str, text: str, value) -> ox.NamedNode | None:
        try:
            return ox.NamedNode(text)
        except ValueError as error:
            return self.fail(name, f"{text[:200]!r} is not an IRI ({error})", value)

    def identifier(self, name: str, predicate: str) -> None:
        """An identifier another directory gave the record (an Open Referral id), kept as a
        plain string so that an export gives the same id back."""
        value = self.body.get(name)
        if value is None:
            return
        text = _text(value)
        if not isinstance(text, str) or not text.strip() or len(text) > 200:
            return self.fail(name, "give an identifier as a text of at most 200 characters",
                             value)
        self.add(predicate, ox.Literal(text.strip()))

    def literal(self, name: str, predicate: str, datatype: Callable[[str], str]) -> None:
        value = self.body.get(name)
        if value is None:
            return
        text = _text(value)
        if not isinstance(text, str):
            return self.fail(name, "give a date as text, e.g. \"2026-11-27\"", value)
        self.add(predicate, ox.Literal(text, datatype=ox.NamedNode(datatype(text))))

    def node(self, name: str, predicate: str, cls: str, fields: dict[str, str],
             iris: tuple[str, ...] = ()) -> None:
        """A blank node (an address, a contact point) from a JSON object of plain strings; an
        import may give a list of objects, and a list of texts for one field (phones)."""
        value = self.body.get(name)
        if value is None:
            return
        for item in value if isinstance(value, list) else [value]:
            self._node(name, item, predicate, cls, fields, iris)

    def _node(self, name: str, value, predicate: str, cls: str, fields: dict[str, str],
              iris: tuple[str, ...]) -> None:
        if not isinstance(value, dict):
            return self.fail(name, "give an object")
        unknown = sorted(set(value) - set(fields) - set(iris))
        if unknown:
            raise field_error(f"{name}.{unknown[0]}", "unknown field; known fields: "
                              + ", ".join(sorted([*fields, *iris])))
        blank = ox.BlankNode()
        self.add(predicate, blank)
        self.add(RDF_TYPE, ox.NamedNode(SCHEMA + cls), blank)
        for key, prop in fields.items():
            given = value.get(key)
            for item in given if isinstance(given, list) else [given]:
                text = _text(item)
                if text is None:
                    continue
                if not isinstance(text, str):
                    self.fail(f"{name}.{key}", "give a text", item)
                    continue
                if prop == "telephone":
                    # E.164 when it reads as a number of the address's country; as given
                    # otherwise, for the shapes to refuse by name.
                    text = _e164(text, self.country()) or text
                self.add(SCHEMA + prop, ox.Literal(text), blank)
        for key in iris:
            if value.get(key) is not None:
                self.iri(f"{name}.{key}", SCHEMA + key, value[key], blank)

    def country(self) -> str | None:
        """The country code of the record's (first) address: a national telephone number is
        read as a number of that country."""
        address = self.body.get("address")
        if isinstance(address, list):
            address = address[0] if address else None
        country = _text(address.get("country")) if isinstance(address, dict) else None
        return country if isinstance(country, str) and len(country) == 2 else None

    def boolean(self, name: str, predicate: str) -> None:
        """true or false (an import's text may also say yes/no)."""
        value = self.body.get(name)
        if value is None:
            return
        text = _text(value)
        if isinstance(text, str):
            text = BOOLEAN_WORDS.get(text.strip().casefold(), text)
        if not isinstance(text, bool):
            return self.fail(name, f"give true or false, not {str(text)[:80]!r}", value)
        self.add(predicate, ox.Literal(text))

    def _whole(self, name: str, value) -> int | None:
        text = _text(value)
        if isinstance(text, str) and re.fullmatch(r"\s*-?\d{1,4}\s*", text):
            text = int(text)
        if isinstance(text, bool) or not isinstance(text, int):
            return self.fail(name, f"give a whole number of years, not {str(text)[:80]!r}",
                             value)
        return text

    def age(self, name: str) -> None:
        """``{"min": years, "max": years}``, either one alone; their order and range are the
        shapes' to check."""
        value = self.body.get(name)
        if value is None:
            return
        if not isinstance(value, dict):
            return self.fail(name, "give {\"min\": years, \"max\": years}")
        unknown = sorted(set(value) - {"min", "max"})
        if unknown:
            raise field_error(f"{name}.{unknown[0]}", "unknown field; known fields: max, min")
        for key, prop in (("min", "minimumAge"), ("max", "maximumAge")):
            if value.get(key) is None:
                continue
            if (years := self._whole(f"{name}.{key}", value[key])) is not None:
                self.add(PAS + prop, ox.Literal(str(years), datatype=ox.NamedNode(XSD + "integer")))

    def hours(self, name: str) -> None:
        """Structured opening hours: ``[{"days": ["mo", ...], "opens": "HH:MM", "closes":
        "HH:MM"}]``, each a ``schema:OpeningHoursSpecification``."""
        value = self.body.get(name)
        if value is None:
            return
        if not isinstance(value, list):
            return self.fail(name, "give a list of {\"days\": [\"mo\", ...], \"opens\": "
                                   "\"09:00\", \"closes\": \"12:00\"}", value)
        for n, item in enumerate(value):
            self._hours(f"{name}[{n}]", item)

    def _hours(self, name: str, value) -> None:
        if not isinstance(value, dict):
            return self.fail(name, "give {\"days\": [...], \"opens\": \"HH:MM\", "
                                   "\"closes\": \"HH:MM\"}", value)
        unknown = sorted(set(value) - {"days", "opens", "closes"})
        if unknown:
            raise field_error(f"{name}.{unknown[0]}", "unknown field; known fields: closes, "
                                                     "days, opens")
        spec = ox.BlankNode()
        self.add(SCHEMA + "openingHoursSpecification", spec)
        self.add(RDF_TYPE, ox.NamedNode(SCHEMA + "OpeningHoursSpecification"), spec)
        days = value.get("days")
        for day in days if isinstance(days, list) else [] if days is None else [days]:
            code = _text(day)
            if not isinstance(code, str) or code.strip().casefold() not in DAYS:
                self.fail(f"{name}.days", f"unknown day {str(code)[:80]!r}; days are "
                                          + ", ".join(DAYS), day)
                continue
            self.add(SCHEMA + "dayOfWeek", ox.NamedNode(SCHEMA + DAYS[code.strip().casefold()]),
                     spec)
        for key in ("opens", "closes"):
            given = value.get(key)
            if given is None:
                continue
            text = _text(given)
            if not isinstance(text, str):
                self.fail(f"{name}.{key}", "give a time as text, e.g. \"09:30\"", given)
                continue
            self.add(SCHEMA + key, _time(text), spec)

    def geo(self, name: str) -> None:
        """Coordinates, ``{"lat": ..., "lon": ...}`` in decimal degrees (an import may give a
        list: one for each of a service's places)."""
        value = self.body.get(name)
        for item in value if isinstance(value, list) else [] if value is None else [value]:
            self._geo(name, item)

    def _geo(self, name: str, value) -> None:
        if not isinstance(value, dict):
            return self.fail(name, "give {\"lat\": ..., \"lon\": ...}")
        geo = ox.BlankNode()
        self.add(SCHEMA + "geo", geo)
        self.add(RDF_TYPE, ox.NamedNode(SCHEMA + "GeoCoordinates"), geo)
        for key, prop in (("lat", "latitude"), ("lon", "longitude")):
            given = value.get(key)
            if given is None:
                continue
            try:
                number = Decimal(str(_text(given)).strip())
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite():
                self.fail(f"{name}.{key}", f"not a number: {_text(given)!r}", given)
                continue
            self.add(SCHEMA + prop, ox.Literal(format(number, "f"),
                                               datatype=ox.NamedNode(XSD + "decimal")), geo)


BOOLEAN_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False,
                 "oui": True, "non": False}
"""The words an import's cell may say for true and false."""


def _time(text: str) -> ox.Literal:
    """``9:30`` -> ``"09:30"``, the 24-hour clock as text (an engine the store may run on,
    Virtuoso, cannot store xsd:time); text of another form is kept as it is, for the shapes to
    refuse by name."""
    found = re.fullmatch(r"\s*(\d{1,2})[:hH.](\d{2})(?::00)?\s*", text)
    if found:
        text = f"{int(found.group(1)):02d}:{found.group(2)}"
    return ox.Literal(text)


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
                  "cost", "how_to_apply", "url", "last_verified", "status", "offered_through",
                  "geo", "hours", "free", "documents", "age", "interpretation", "accessibility",
                  "identifier"}
IMPORTED_FIELDS = SERVICE_FIELDS
"""What an import may fill: everything the write API takes."""


def service(store: Store, body: object, iri: str, *, base: str, modified: datetime | None,
            known: set[str] = SERVICE_FIELDS, **options) -> list[ox.Triple] | list[str]:
    """The triples of one service; raises Invalid naming the first bad field, or with
    ``problems`` (see ``Record``) collects them. No ``modified``: no ``dct:modified``, as an
    import states only what its source says. With ``text``, N-Triples lines (``Record``)."""
    r = Record(store, body, iri, base, **options)
    r.check_keys(known)
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
    r.node("address", SCHEMA + "address", "PostalAddress", POSTAL)
    r.geo("geo")
    r.texts("opening_hours", PAS + "openingHours")
    r.hours("hours")
    r.texts("cost", PAS + "cost")
    r.boolean("free", SCHEMA + "isAccessibleForFree")
    r.texts("how_to_apply", PAS + "howToApply")
    r.texts("documents", PAS + "requiredDocument", many=True)
    r.age("age")
    r.boolean("interpretation", PAS + "interpretationAvailable")
    r.texts("accessibility", PAS + "accessibility")
    r.iri("url", SCHEMA + "url")
    r.literal("last_verified", PAS + "lastVerified", lambda _: XSD + "date")
    status = r.body.get("status")
    if status is not None:
        r.concepts("status", "service_status", PAS + "serviceStatus", given=[status])
    r.iri("offered_through", PAS + "offeredThrough")
    r.identifier("identifier", DCT + "identifier")
    if modified is not None:
        r.add(DCT + "modified", timestamp(modified))
    return r.statements


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
                       "address", "contact", "geo", "regions", "founding_date", "founders",
                       "parent_organisations", "led_by", "sources", "uncertainty_notes",
                       "identifier"}
ORGANISATION_CLASSES = {"organisation": PAS + "Organisation", "network": PAS + "Network"}


def organisation(store: Store, body: object, iri: str, *, base: str,
                 modified: datetime | None, **options) -> list[ox.Triple] | list[str]:
    """The triples of one organisation (or network); raises Invalid naming the field, or
    collects the problems (as ``service``); with ``text``, N-Triples lines."""
    r = Record(store, body, iri, base, **options)
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
    r.node("address", SCHEMA + "address", "PostalAddress", POSTAL)
    r.node("contact", SCHEMA + "contactPoint", "ContactPoint", CONTACT, iris=CONTACT_LINKS)
    r.geo("geo")
    r.concepts("regions", "region", PAS + "region")
    r.literal("founding_date", SCHEMA + "foundingDate", _date_type)
    r.refs("founders", "organisation/", SCHEMA + "founder")
    r.refs("parent_organisations", "organisation/", ORG + "subOrganizationOf")
    r.refs("led_by", "organisation/", PAS + "ledBy")
    r.iri("sources", DCT + "source")
    r.texts("uncertainty_notes", PAS + "uncertaintyNote", many=True)
    r.identifier("identifier", DCT + "identifier")
    if modified is not None:
        r.add(DCT + "modified", timestamp(modified))
    return r.statements
