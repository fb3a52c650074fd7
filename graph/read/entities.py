"""Organisations, practices and events as JSON: lists, and each one with what links to it.

Each kind of entity is a table of fields (key, property, how to read it) plus a table of
mentions (key, property that points at the entity). The same tables give the JSON and its
JSON-LD context, so the two never disagree. Values come from the resource's description
(``describe-resource.rq``) and from ``entity-mentions.rq``; ids from a request are turned into
IRIs only after matching a strict pattern, and only IRIs of the right kind that exist are answered.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.read.describe import RDF_TYPE, SCHEMA, SKOS, Description, describe
from passerelle.graph.read.labels import pick
from passerelle.graph.store.base import Store

PAS = "https://w3id.org/passerelle/ontology#"
ORG = "http://www.w3.org/ns/org#"
DCT = "http://purl.org/dc/terms/"
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")

KINDS = {  # most specific first: an entity's kind is the first of its classes found here
    PAS + "PilotAction": "pilot-action", PAS + "Project": "project", PAS + "Practice": "practice",
    PAS + "Roundtable": "roundtable", PAS + "Conference": "conference",
    PAS + "StudyVisit": "study-visit", PAS + "Event": "event", PAS + "Network": "network",
    PAS + "Organisation": "organisation", PAS + "CooperationPlatform": "platform",
    PAS + "Service": "service",
}
MODES = {SCHEMA + "OnlineEventAttendanceMode": "online",
         SCHEMA + "OfflineEventAttendanceMode": "offline",
         SCHEMA + "MixedEventAttendanceMode": "mixed"}
ADDRESS = {"street": "streetAddress", "postal_code": "postalCode",
           "locality": "addressLocality", "country": "addressCountry"}


@dataclass(frozen=True)
class Field:
    """One JSON key: the property it reads and how (see ``READERS``)."""

    key: str
    predicate: str
    read: str


@dataclass(frozen=True)
class Kind:
    """One kind of entity: where its IRIs live, how to list it, what to show of it."""

    name: str
    root_class: str
    namespaces: tuple[str, ...]
    by_date: bool
    fields: tuple[Field, ...]
    summary: tuple[str, ...]
    mentions: tuple[tuple[str, str], ...]
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()


# --- reading values out of a description ---------------------------------------------------

def _literals(d: Description, node, predicate: str) -> list[ox.Literal]:
    return [o for o in d.objects(node, predicate) if isinstance(o, ox.Literal)]


def _text(d, node, predicate, lang):
    return pick({o.language or "": o.value for o in _literals(d, node, predicate)}, lang)


def _texts(d, node, predicate, lang):
    """All values in the best language available (topics come as parallel en/fr lists)."""
    by_language = defaultdict(list)
    for o in _literals(d, node, predicate):
        by_language[o.language or ""].append(o.value)
    best = pick({language: language for language in by_language}, lang)
    return sorted(by_language[best]) if best is not None else []


def _value(d, node, predicate, lang):
    found = _literals(d, node, predicate)
    if not found:
        return None
    literal = min(found, key=lambda o: o.value)
    if literal.datatype.value.endswith(("Integer", "#integer", "#int")):
        return int(literal.value)
    return literal.value


def _refs(d, node, predicate, lang):
    refs = [{"id": o.value, "name": pick(d.labels(o), lang) or o.value}
            for o in d.objects(node, predicate) if isinstance(o, ox.NamedNode)]
    return sorted(refs, key=lambda r: (r["name"].casefold(), r["id"]))


def _ref(d, node, predicate, lang):
    refs = _refs(d, node, predicate, lang)
    return refs[0] if refs else None


def _concepts(d, node, predicate, lang):
    found = []
    for o in d.objects(node, predicate):
        if isinstance(o, ox.NamedNode):
            notations = _literals(d, o, SKOS + "notation")
            found.append({"id": o.value, "code": notations[0].value if notations else None,
                          "label": pick(d.labels(o), lang) or o.value})
    return sorted(found, key=lambda c: c["id"])


def _iris(d, node, predicate, lang):
    return sorted(o.value for o in d.objects(node, predicate) if isinstance(o, ox.NamedNode))


def _iri(d, node, predicate, lang):
    return next(iter(_iris(d, node, predicate, lang)), None)


def _address(d, node, predicate, lang):
    for blank in d.objects(node, predicate):
        found = {key: _text(d, blank, SCHEMA + name, lang) for key, name in ADDRESS.items()}
        if any(found.values()):
            return found
    return None


def _locality(d, node, predicate, lang):
    address = _address(d, node, predicate, lang)
    return address["locality"] if address else None


def _place(d, node, predicate, lang):
    for blank in d.objects(node, predicate):
        return {"name": _text(d, blank, SCHEMA + "name", lang),
                "address": _address(d, blank, SCHEMA + "address", lang)}
    return None


def _mode(d, node, predicate, lang):
    modes = [MODES.get(o.value, o.value) for o in d.objects(node, predicate)]
    return min(modes) if modes else None


def _kind(d, node, predicate, lang):
    classes = {o.value for o in d.objects(node, predicate)}
    return next((name for iri, name in KINDS.items() if iri in classes), None)


READERS = {"text": _text, "texts": _texts, "value": _value, "refs": _refs, "ref": _ref,
           "concepts": _concepts, "iris": _iris, "iri": _iri, "address": _address,
           "locality": _locality, "place": _place, "mode": _mode, "kind": _kind}


# --- the three kinds -----------------------------------------------------------------------

def _common(*fields: Field) -> tuple[Field, ...]:
    """Name and kind first, description and provenance last, for every kind."""
    return (Field("name", SCHEMA + "name", "text"), Field("kind", RDF_TYPE, "kind"), *fields,
            Field("alternate_names", SCHEMA + "alternateName", "texts"),
            Field("description", SCHEMA + "description", "text"),
            Field("uncertainty_notes", PAS + "uncertaintyNote", "texts"),
            Field("sources", DCT + "source", "iris"))


ORGANISATIONS = Kind(
    name="organisation", root_class=PAS + "Organisation", namespaces=("organisation/",),
    by_date=False,
    fields=_common(
        Field("types", ORG + "classification", "concepts"),
        Field("locality", SCHEMA + "address", "locality"),
        Field("homepage", SCHEMA + "url", "iri"),
        Field("address", SCHEMA + "address", "address"),
        Field("regions", PAS + "region", "concepts"),
        Field("founding_date", SCHEMA + "foundingDate", "value"),
        Field("founders", SCHEMA + "founder", "refs"),
        Field("parent_organisations", ORG + "subOrganizationOf", "refs"),
        Field("led_by", PAS + "ledBy", "refs"),
    ),
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
    by_date=False,
    fields=_common(
        Field("start_date", SCHEMA + "startDate", "value"),
        Field("end_date", SCHEMA + "endDate", "value"),
        Field("duration_months", PAS + "durationMonths", "value"),
        Field("regions", PAS + "region", "concepts"),
        Field("funded_by", PAS + "fundedBy", "refs"),
        Field("coordinator", PAS + "coordinator", "refs"),
        Field("partners", PAS + "partner", "refs"),
        Field("implemented_by", PAS + "implementedBy", "refs"),
        Field("part_of", PAS + "partOf", "refs"),
    ),
    summary=("id", "name", "kind", "start_date", "end_date", "regions"),
    mentions=(("parts", PAS + "partOf"), ("services", PAS + "offeredThrough"),
              ("presented_at", PAS + "presented")),
)

EVENTS = Kind(
    name="event", root_class=PAS + "Event", namespaces=("event/",), by_date=True,
    fields=_common(
        Field("start_date", SCHEMA + "startDate", "value"),
        Field("end_date", SCHEMA + "endDate", "value"),
        Field("mode", SCHEMA + "eventAttendanceMode", "mode"),
        Field("participants", PAS + "participantCount", "value"),
        Field("ordinal", PAS + "ordinal", "value"),
        Field("platform", PAS + "platform", "ref"),
        Field("organisers", PAS + "organiser", "refs"),
        Field("presented", PAS + "presented", "refs"),
        Field("topics", PAS + "topic", "texts"),
        Field("regions", PAS + "region", "concepts"),
        Field("location", SCHEMA + "location", "place"),
        Field("part_of", PAS + "partOf", "refs"),
    ),
    summary=("id", "name", "kind", "start_date", "end_date", "mode", "participants", "platform"),
    mentions=(),
)


# --- questions -----------------------------------------------------------------------------

def _listed(store: Store, kind: Kind, lang: str, iris: list[str] | None = None) -> list[str]:
    """IRIs of the kind's entities, by name in ``lang`` (events: most recent first)."""
    bindings = {"kind": [ox.NamedNode(kind.root_class)]}
    if iris is not None:
        bindings["entity"] = [ox.NamedNode(i) for i in iris]
    names: dict[str, dict[str, str]] = defaultdict(dict)
    starts: dict[str, str] = {}
    for row in store.query(values(queries.text("entity-list"), bindings)):
        if not isinstance(row["entity"], ox.NamedNode):
            continue
        entity = names[row["entity"].value]
        if isinstance(row["name"], ox.Literal):
            entity.setdefault(row["name"].language or "", row["name"].value)
        if row["start"] is not None:
            starts[row["entity"].value] = max(starts.get(row["entity"].value, ""),
                                              row["start"].value)
    by_name = sorted(names, key=lambda i: ((pick(names[i], lang) or i).casefold(), i))
    if kind.by_date:
        return sorted(by_name, key=lambda i: starts.get(i, ""), reverse=True)
    return by_name


def resolve(store: Store, kind: Kind, ident: str, base: str) -> str | None:
    """The IRI of the entity a path id names (a slug under the kind's namespaces, or a full
    IRI), or None when there is no such entity of this kind."""
    if SLUG.fullmatch(ident):
        candidates = [base + namespace + ident for namespace in kind.namespaces]
    elif ident.startswith(("http://", "https://")):
        try:
            candidates = [ox.NamedNode(ident).value]
        except ValueError:
            return None
    else:
        return None
    found = _listed(store, kind, "en", candidates)
    return found[0] if found else None


def render(kind: Kind, d: Description, iri: str, lang: str, keys=None) -> dict:
    node = ox.NamedNode(iri)
    out: dict = {"id": iri}
    for f in kind.fields:
        if keys is None or f.key in keys:
            out[f.key] = READERS[f.read](d, node, f.predicate, lang)
    return out


def page(store: Store, kind: Kind, limit: int, offset: int, lang: str) -> dict:
    """``{"total", "items"}`` with the summary of each entity on the page."""
    listed = _listed(store, kind, lang)
    chosen = listed[offset:offset + limit]
    d = describe(store, chosen)
    items = [render(kind, d, iri, lang, kind.summary) for iri in chosen]
    return {"total": len(listed), "items": items}


def mentions(store: Store, kind: Kind, iri: str, lang: str) -> dict[str, list[dict]]:
    """For each mention key, the things pointing at the entity, dated ones by date."""
    if not kind.mentions:
        return {}
    sparql = values(queries.text("entity-mentions"), {
        "entity": [ox.NamedNode(iri)],
        "property": [ox.NamedNode(p) for _, p in kind.mentions],
    })
    found: dict[tuple[str, str], dict] = {}
    for row in store.query(sparql):
        entry = found.setdefault((row["property"].value, row["subject"].value),
                                 {"names": {}, "types": set(), "date": None})
        if isinstance(row["name"], ox.Literal):
            entry["names"].setdefault(row["name"].language or "", row["name"].value)
        if row["type"] is not None:
            entry["types"].add(row["type"].value)
        if row["date"] is not None:
            entry["date"] = row["date"].value
    out = {}
    for key, predicate in kind.mentions:
        refs = []
        for (p, subject), entry in found.items():
            if p == predicate:
                refs.append({"id": subject, "name": pick(entry["names"], lang) or subject,
                             "kind": next((n for c, n in KINDS.items() if c in entry["types"]),
                                          None),
                             "date": entry["date"]})
        out[key] = sorted(refs, key=lambda r: (r["date"] or "", r["name"].casefold(), r["id"]))
    return out


def details(store: Store, kind: Kind, iri: str, lang: str) -> dict:
    """Everything the entity says, and what points at it (grouped as the kind says)."""
    out = render(kind, describe(store, [iri]), iri, lang)
    linked = mentions(store, kind, iri, lang)
    for group, keys in kind.groups:
        out[group] = {key: linked.pop(key) for key in keys}
    out.update(linked)
    return out


def context(kind: Kind) -> dict:
    """JSON-LD terms for the kind's keys: fields by their property, mentions reversed."""
    terms: dict = {"kind": None, "mode": None, "date": None}
    for f in kind.fields:
        if f.read == "locality":
            continue  # the API context already maps it (to the address's locality)
        if f.read in ("iri", "iris"):
            terms[f.key] = {"@id": f.predicate, "@type": "@id"}
        elif f.read not in ("kind", "mode"):
            terms[f.key] = f.predicate
    for key, predicate in kind.mentions:
        terms[key] = {"@reverse": predicate}
    for group, _ in kind.groups:
        terms[group] = "@nest"
    return terms
