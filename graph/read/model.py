"""The one read model: what every kind of resource (services, organisations, practices, events,
concepts) looks like as JSON, from one table of fields per kind.

A kind is a table of fields (key, property, how to read it) plus a table of mentions (key,
property that points at the resource). The same tables give the JSON and its JSON-LD context, so
the two never disagree. Values are read out of a ``Description`` (a resource's statements, its
blank nodes' statements and the labels of what it links to), however it was fetched; texts are
chosen among languages by the one picker (``labels.pick``), addresses and contact points by the
one map of their fields (``rdf.contact``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from passerelle.graph.rdf.contact import CONTACT_PROPERTIES, CONTACT_SHOWN, DAYS, POSTAL
from passerelle.graph.rdf.namespaces import ORG, PAS, RDF_TYPE, SCHEMA, SKOS, XSD
from passerelle.graph.read.describe import PREFIXES, Description
from passerelle.graph.read.labels import pick
from passerelle.settings import Settings

KINDS = {  # most specific first: a resource's kind is the first of its classes found here
    PAS + "PilotAction": "pilot-action", PAS + "Project": "project", PAS + "Practice": "practice",
    PAS + "Roundtable": "roundtable", PAS + "Conference": "conference",
    PAS + "StudyVisit": "study-visit", PAS + "Event": "event", PAS + "Network": "network",
    PAS + "Organisation": "organisation", PAS + "CooperationPlatform": "platform",
    PAS + "Service": "service",
}
LABEL_LANGUAGES = Settings.languages.codes
"""The languages a concept's card lists its labels in."""
MODES = {SCHEMA + "OnlineEventAttendanceMode": "online",
         SCHEMA + "OfflineEventAttendanceMode": "offline",
         SCHEMA + "MixedEventAttendanceMode": "mixed"}


@dataclass(frozen=True)
class Field:
    """One JSON key: the property it reads and how (see ``READERS``). An ``optional`` key is
    left out when it has no value; ``parts`` are the keys and properties (local names in
    schema.org) of a blank node read as one object."""

    key: str
    predicate: str
    read: str
    optional: bool = False
    parts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Kind:
    """One kind of resource: where its IRIs live, how to list it, what to show of it."""

    name: str
    root_class: str
    fields: tuple[Field, ...]
    namespaces: tuple[str, ...] = ()
    by_date: bool = False
    summary: tuple[str, ...] | None = None
    mentions: tuple[tuple[str, str], ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()


# --- reading values out of a description ---------------------------------------------------

def _literals(d: Description, node, predicate: str) -> list[ox.Literal]:
    return [o for o in d.objects(node, predicate) if isinstance(o, ox.Literal)]


def _named(d: Description, node, predicate: str) -> list[ox.NamedNode]:
    return sorted((o for o in d.objects(node, predicate) if isinstance(o, ox.NamedNode)),
                  key=lambda o: o.value)


def _pick(d: Description, node, predicate: str, lang: str) -> str | None:
    return pick({o.language or "": o.value for o in _literals(d, node, predicate)}, lang)


def _text(d, node, f, lang):
    return _pick(d, node, f.predicate, lang)


def _texts(d, node, f, lang):
    """All values in the best language available (topics come as parallel en/fr lists)."""
    by_language = defaultdict(list)
    for o in _literals(d, node, f.predicate):
        by_language[o.language or ""].append(o.value)
    best = pick({language: language for language in by_language}, lang)
    return sorted(by_language[best]) if best is not None else []


def _value(d, node, f, lang):
    found = _literals(d, node, f.predicate)
    if not found:
        return None
    literal = min(found, key=lambda o: o.value)
    if literal.datatype.value.endswith(("Integer", "#integer", "#int")):
        return int(literal.value)
    return literal.value


def _refs(d, node, f, lang):
    refs = [{"id": o.value, "name": pick(d.labels(o), lang) or o.value}
            for o in d.objects(node, f.predicate) if isinstance(o, ox.NamedNode)]
    return sorted(refs, key=lambda r: (r["name"].casefold(), r["id"]))


def _ref(d, node, f, lang):
    refs = _refs(d, node, f, lang)
    return refs[0] if refs else None


def _provider(d, node, f, lang):
    """The first by IRI, named by its label or None (a service's provider)."""
    found = _named(d, node, f.predicate)
    return {"id": found[0].value, "name": pick(d.labels(found[0]), lang)} if found else None


def _code(d, o: ox.NamedNode) -> str | None:
    notations = _literals(d, o, SKOS + "notation")
    return notations[0].value if notations else None


def _concepts(d, node, f, lang):
    """Linked concepts by IRI, each with its code and label (its IRI when it has none)."""
    return [{"id": o.value, "code": _code(d, o), "label": pick(d.labels(o), lang) or o.value}
            for o in _named(d, node, f.predicate)]


def _codes(d, node, f, lang):
    """Linked concepts by IRI, each with its code and label (None when it has none)."""
    return [{"id": o.value, "code": _code(d, o), "label": pick(d.labels(o), lang)}
            for o in _named(d, node, f.predicate)]


def _status(d, node, f, lang):
    """The code of the first linked concept by IRI."""
    found = _named(d, node, f.predicate)
    return _code(d, found[0]) if found else None


def _eligibility(d, node, f, lang):
    """Open to all, restricted (to the statuses of ``f.predicate``) or not stated."""
    statuses = _codes(d, node, f, lang)
    # Some engines (Virtuoso) give a stored boolean back as "1".
    open_to_all = any(o.value in ("true", "1")
                      for o in d.objects(node, PAS + "openToAllStatuses"))
    state = "open-to-all" if open_to_all else "restricted" if statuses else "not-stated"
    return {"state": state, "statuses": statuses}


def _any(d, node, f, lang):
    """The smallest value, link or text, as a string."""
    return min((o.value for o in d.objects(node, f.predicate)), default=None)


def _iris(d, node, f, lang):
    return sorted(o.value for o in d.objects(node, f.predicate) if isinstance(o, ox.NamedNode))


def _iri(d, node, f, lang):
    return next(iter(_iris(d, node, f, lang)), None)


def _parts(d, node, f, lang):
    """The first blank node that has any of the parts, with the parts it has (first value)."""
    for blank in d.objects(node, f.predicate):
        found = {}
        for key, name in f.parts:
            values = sorted(o.value for o in d.objects(blank, SCHEMA + name))
            if values:
                found[key] = values[0]
        if found:
            return found
    return None


def _postal(d, node, predicate: str, lang: str) -> dict | None:
    """The first address that has any part, with every part (None where absent)."""
    for blank in d.objects(node, predicate):
        found = {key: _pick(d, blank, SCHEMA + name, lang) for key, name in POSTAL.items()}
        if any(found.values()):
            return found
    return None


def _address(d, node, f, lang):
    return _postal(d, node, f.predicate, lang)


def _locality(d, node, f, lang):
    address = _address(d, node, f, lang)
    return address["locality"] if address else None


def _place(d, node, f, lang):
    for blank in d.objects(node, f.predicate):
        return {"name": _pick(d, blank, SCHEMA + "name", lang),
                "address": _postal(d, blank, SCHEMA + "address", lang)}
    return None


def _number(d, node, predicate: str) -> float | None:
    found = _literals(d, node, predicate)
    try:
        return min(float(o.value) for o in found) if found else None
    except ValueError:
        return None


def _geo(d, node, f, lang):
    """The first coordinates with both numbers, ``{"lat", "lon"}`` in decimal degrees."""
    for blank in sorted(d.objects(node, f.predicate), key=str):
        lat, lon = _number(d, blank, SCHEMA + "latitude"), _number(d, blank, SCHEMA + "longitude")
        if lat is not None and lon is not None:
            return {"lat": lat, "lon": lon}
    return None


DAY_KEYS = {SCHEMA + day: key for key, day in DAYS.items()}
DAY_ORDER = tuple(DAYS)


def _clock(d, node, predicate: str) -> str | None:
    """A time of day as stored, ``HH:MM``."""
    return min((o.value for o in _literals(d, node, predicate)), default=None)


def _hours(d, node, f, lang):
    """Structured opening hours, Monday first then by opening time: ``[{"days", "opens",
    "closes"}]``."""
    lines = []
    for blank in d.objects(node, f.predicate):
        days = sorted({DAY_KEYS[o.value] for o in d.objects(blank, SCHEMA + "dayOfWeek")
                       if isinstance(o, ox.NamedNode) and o.value in DAY_KEYS},
                      key=DAY_ORDER.index)
        lines.append({"days": days, "opens": _clock(d, blank, SCHEMA + "opens"),
                      "closes": _clock(d, blank, SCHEMA + "closes")})
    return sorted(lines, key=lambda line: (DAY_ORDER.index(line["days"][0]) if line["days"]
                                           else len(DAY_ORDER), line["opens"] or "",
                                           line["closes"] or ""))


def _boolean(d, node, f, lang):
    """True or False as stored (some engines give a stored boolean back as 1 or 0); None when
    nothing is said."""
    found = sorted(o.value for o in _literals(d, node, f.predicate))
    return found[0] in ("true", "1") if found else None


def _years(d, node, predicate: str) -> int | None:
    found = [o for o in _literals(d, node, predicate)
             if o.datatype.value in (XSD + "integer", XSD + "nonNegativeInteger", XSD + "int")]
    try:
        return min(int(o.value) for o in found) if found else None
    except ValueError:
        return None


def _age(d, node, f, lang):
    """``{"min", "max"}`` in years, None where not stated; None when neither is."""
    age = {"min": _years(d, node, PAS + "minimumAge"), "max": _years(d, node, PAS + "maximumAge")}
    return age if age["min"] is not None or age["max"] is not None else None


def _mode(d, node, f, lang):
    modes = [MODES.get(o.value, o.value) for o in d.objects(node, f.predicate)]
    return min(modes) if modes else None


def concept_name(labels: dict[str, str], code: str | None, iri: str, lang: str) -> str:
    """What a concept is called: its label, else its code, else its IRI, so it always has a
    name to show."""
    return pick(labels, lang) or code or iri


def _name(d, node, f, lang):
    return concept_name(d.labels(node), _code(d, node), node.value, lang)


def _languages(d, node, f, lang):
    """The node's label in each language of ``LABEL_LANGUAGES`` (None where it has none)."""
    texts = {o.language or "": o.value for o in _literals(d, node, f.predicate)}
    return {language: texts.get(language) for language in LABEL_LANGUAGES}


def _kind(d, node, f, lang):
    classes = {o.value for o in d.objects(node, f.predicate)}
    return next((name for iri, name in KINDS.items() if iri in classes), None)


READERS = {"text": _text, "texts": _texts, "value": _value, "any": _any, "refs": _refs,
           "ref": _ref, "provider": _provider, "concepts": _concepts, "codes": _codes,
           "status": _status,
           "eligibility": _eligibility, "iris": _iris, "iri": _iri, "parts": _parts,
           "address": _address, "locality": _locality, "place": _place, "mode": _mode,
           "name": _name, "languages": _languages, "kind": _kind, "geo": _geo, "hours": _hours,
           "boolean": _boolean, "age": _age}


def render(kind: Kind, d: Description, iri: str, lang: str, keys=None) -> dict:
    """The JSON of one resource of ``kind``: every field, or only ``keys``."""
    node = ox.NamedNode(iri)
    out: dict = {"id": iri}
    for f in kind.fields:
        if keys is None or f.key in keys:
            value = READERS[f.read](d, node, f, lang)
            if value or value is False or not f.optional:
                out[f.key] = value
    return out


def of_kind(kind: Kind, d: Description, iri: str) -> bool:
    """Whether the description says ``iri`` is of the kind's class."""
    return ox.NamedNode(kind.root_class) in d.objects(ox.NamedNode(iri), RDF_TYPE)


def context(kind: Kind) -> dict:
    """JSON-LD terms for the kind's keys: fields by their property, mentions reversed."""
    terms: dict = {"kind": None, "mode": None, "date": None}
    for f in kind.fields:
        if f.read == "locality":
            continue  # the API context already maps it (to the address's locality)
        if f.read == "age":  # two properties of the resource itself, under one key
            terms.update({f.key: "@nest", "min": PAS + "minimumAge", "max": PAS + "maximumAge"})
            continue
        if f.read == "geo":
            terms.update({"lat": SCHEMA + "latitude", "lon": SCHEMA + "longitude"})
        if f.read in ("iri", "iris"):
            terms[f.key] = {"@id": f.predicate, "@type": "@id"}
        elif f.read not in ("kind", "mode"):
            terms[f.key] = f.predicate
    for key, predicate in kind.mentions:
        terms[key] = {"@reverse": predicate}
    for group, _ in kind.groups:
        terms[group] = "@nest"
    return terms


# --- the kinds -----------------------------------------------------------------------------

FIELDS = """
kinds                        key                   property                    read         when
service                      name                  schema:name                 text
service                      description           schema:description          text
service                      provider              pas:provider                provider
service                      service_types         pas:serviceType             codes
service                      eligibility           pas:eligibleStatus          eligibility
service                      areas                 pas:serviceArea             codes
service                      languages             dct:language                codes
service                      contact               schema:contactPoint         parts
service                      address               schema:address              parts
service                      geo                   schema:geo                  geo
service                      opening_hours         pas:openingHours            text         optional
service                      hours                 schema:openingHoursSpecification  hours  optional
service                      cost                  pas:cost                    text         optional
service                      free                  schema:isAccessibleForFree  boolean      optional
service                      how_to_apply          pas:howToApply              text         optional
service                      documents             pas:requiredDocument        texts        optional
service                      age                   pas:minimumAge              age          optional
service                      interpretation        pas:interpretationAvailable  boolean     optional
service                      accessibility         pas:accessibility           text         optional
service                      url                   schema:url                  any          optional
service                      last_verified         pas:lastVerified            any          optional
service                      modified              dct:modified                any          optional
service                      status                pas:serviceStatus           status       optional
service                      uncertainty           pas:uncertaintyNote         texts
service,organisation         identifier            dct:identifier              any          optional
concept                      code                  skos:notation               any
concept                      label                 skos:prefLabel              name
concept                      labels                skos:prefLabel              languages
concept                      definition            skos:definition             text         optional
organisation,practice,event  name                  schema:name                 text
organisation,practice,event  kind                  rdf:type                    kind
organisation                 types                 org:classification          concepts
organisation                 locality              schema:address              locality
organisation                 homepage              schema:url                  iri
organisation                 address               schema:address              address
organisation                 contact               schema:contactPoint         parts
organisation                 geo                   schema:geo                  geo
organisation                 regions               pas:region                  concepts
organisation                 founding_date         schema:foundingDate         value
organisation                 founders              schema:founder              refs
organisation                 parent_organisations  org:subOrganizationOf       refs
organisation                 led_by                pas:ledBy                   refs
practice,event               start_date            schema:startDate            value
practice,event               end_date              schema:endDate              value
practice                     duration_months       pas:durationMonths          value
practice                     regions               pas:region                  concepts
practice                     funded_by             pas:fundedBy                refs
practice                     coordinator           pas:coordinator             refs
practice                     partners              pas:partner                 refs
practice                     implemented_by        pas:implementedBy           refs
practice                     part_of               pas:partOf                  refs
event                        mode                  schema:eventAttendanceMode  mode
event                        participants          pas:participantCount        value
event                        ordinal               pas:ordinal                 value
event                        platform              pas:platform                ref
event                        organisers            pas:organiser               refs
event                        presented             pas:presented               refs
event                        topics                pas:topic                   texts
event                        regions               pas:region                  concepts
event                        location              schema:location             place
event                        part_of               pas:partOf                  refs
organisation,practice,event  alternate_names       schema:alternateName        texts
organisation,practice,event  description           schema:description          text
organisation,practice,event  uncertainty_notes     pas:uncertaintyNote         texts
organisation,practice,event  sources               dct:source                  iris
platform                     name                  schema:name                 text
platform                     description           schema:description          text
platform                     regions               pas:region                  concepts
platform                     run_by                pas:runBy                   refs
platform                     members               org:hasMember               refs
platform                     part_of               pas:partOf                  refs
platform                     uncertainty_notes     pas:uncertaintyNote         texts
platform                     sources               dct:source                  iris
"""
"""Every kind's fields, in the order of its JSON keys: which kinds have the key, the property
it reads, how (a reader of ``READERS``), and whether the key is left out when empty."""

PARTS = {"contact": tuple((key, CONTACT_PROPERTIES[key]) for key in CONTACT_SHOWN),
         "address": tuple(POSTAL.items())}
"""The parts a ``parts`` field reads, by its key."""


def _fields(kind: str) -> tuple[Field, ...]:
    rows = [line.split() for line in FIELDS.strip().splitlines()[1:]]
    return tuple(Field(key, _expand(prop), read, optional=when == ["optional"],
                       parts=PARTS[key] if read == "parts" else ())
                 for kinds, key, prop, read, *when in rows if kind in kinds.split(","))


def _expand(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    return PREFIXES[prefix] + local


SERVICES = Kind(name="service", root_class=PAS + "Service", fields=_fields("service"))
"""A service as the search lists it and ``GET /api/services/{id}`` shows it."""

SERVICE_LINKS = frozenset(f.predicate for f in SERVICES.fields
                          if f.read in ("provider", "codes", "eligibility", "status"))
"""The properties whose objects a service's read model names by label and code."""

CONCEPTS = Kind(name="concept", root_class=SKOS + "Concept", fields=_fields("concept"),
                summary=("code", "label"))
"""A concept of a vocabulary: its card, and its summary where something links to it."""

ORGANISATIONS = Kind(
    name="organisation", root_class=PAS + "Organisation", namespaces=("organisation/",),
    fields=_fields("organisation"),
    summary=("id", "name", "kind", "types", "locality", "homepage"),
    mentions=(("services", PAS + "provider"), ("coordinates", PAS + "coordinator"),
              ("partner_of", PAS + "partner"), ("implements", PAS + "implementedBy"),
              ("platforms", PAS + "runBy"), ("member_of", ORG + "hasMember"),
              ("events", PAS + "organiser"), ("leads", PAS + "ledBy"),
              ("sub_organisations", ORG + "subOrganizationOf")),
    groups=(("practices", ("coordinates", "partner_of", "implements")),),
)

PRACTICES = Kind(
    name="practice", root_class=PAS + "Practice", namespaces=("practice/", "project/"),
    fields=_fields("practice"),
    summary=("id", "name", "kind", "start_date", "end_date", "regions"),
    mentions=(("parts", PAS + "partOf"), ("services", PAS + "offeredThrough"),
              ("presented_at", PAS + "presented")),
)

EVENTS = Kind(
    name="event", root_class=PAS + "Event", namespaces=("event/",), by_date=True,
    fields=_fields("event"),
    summary=("id", "name", "kind", "start_date", "end_date", "mode", "participants", "platform"),
)

PLATFORMS = Kind(
    name="platform", root_class=PAS + "CooperationPlatform", namespaces=("platform/",),
    fields=_fields("platform"), summary=("id", "name", "regions", "run_by"),
)
"""A regional cooperation platform, as its region's factfile shows it."""
