"""Open Referral HSDS 3.1 out of the one read model: the export document and the objects the
Open Referral API answers with.

Every object is built from the read model's JSON of a service or an organisation (what
``/api/services`` shows) through the field map of ``imports.hsds_fields``, so the export, the
API and the import read the same table. What HSDS requires and the graph does not state is
handled without guessing: a required text becomes an empty text, and a service whose status the
graph does not state is left out (HSDS has no "not stated" status) and counted in ``left_out``.
Ids are the ``dct:identifier`` an import kept when it is a UUID, else a UUID derived from the
IRI, so the same graph always gives the same ids and a round trip keeps them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import pyoxigraph as ox

from passerelle.graph.imports.hsds_fields import ORGANIZATION, PROFILE, SERVICE, VERSION, get
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import ID, PAS
from passerelle.graph.read import concepts as concept_tree
from passerelle.graph.read import describe as resources
from passerelle.graph.read import services as service_reader
from passerelle.graph.read.codes import SCHEMES
from passerelle.graph.read.labels import pick
from passerelle.graph.read.model import ORGANISATIONS, SERVICES, render
from passerelle.graph.store.base import Store
from passerelle.settings import Settings

DEFAULT_LANGUAGE = Settings.languages.default
TAXONOMY_IRI = SCHEMES["need"]
STATUS_OUT = {"active": "active", "temporarily-closed": "temporarily closed",
              "defunct": "defunct"}
"""Passerelle's service statuses as HSDS 3.1 status words."""
BATCH = 500
"""Services described per query when the whole graph is exported."""


def derived_id(iri: str) -> str:
    """A UUID for an IRI: HSDS ids are UUIDs, and the same IRI always gets the same one."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


def is_uuid(text: str | None) -> bool:
    try:
        return text is not None and str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


class Ids:
    """The HSDS id of every service and organisation of the store, both ways."""

    def __init__(self, store: Store):
        self.of: dict[str, str] = {}
        self.classes: dict[str, str] = {}
        for cls in (PAS + "Service", PAS + "Organisation"):
            rows = store.query(values(queries.text("hsds-identifiers"),
                                      {"class": [ox.NamedNode(cls)]}))
            for row in rows:
                iri = row["resource"].value
                given = row["identifier"].value if row["identifier"] is not None else None
                if is_uuid(given) or iri not in self.of:
                    self.of[iri] = given.lower() if is_uuid(given) else derived_id(iri)
                self.classes[iri] = cls
        self.iris = {hsds: iri for iri, hsds in self.of.items()}

    def id(self, iri: str) -> str:
        return self.of.get(iri) or derived_id(iri)

    def iri(self, hsds_id: str, cls: str) -> str | None:
        """The IRI with this HSDS id (or this IRI itself) among the resources of ``cls``."""
        found = self.iris.get(hsds_id.lower(), hsds_id)
        return found if self.classes.get(found) == cls else None

    def of_class(self, cls: str) -> list[str]:
        return sorted(iri for iri, c in self.classes.items() if c == cls)


@dataclass
class Terms:
    """The service types as HSDS taxonomy terms (with their definitions, which HSDS requires
    as ``description``)."""

    store: Store
    language: str = DEFAULT_LANGUAGE

    @cached_property
    def found(self) -> dict:
        """The scheme's concepts, read on first use: a list of one-to-one fields needs none."""
        return concept_tree.concepts(self.store, TAXONOMY_IRI)

    def term(self, iri: str, language: str | None = None) -> dict:
        language = language or self.language
        concept = self.found.get(iri)
        name = concept_tree.label(concept, language) if concept else iri
        definition = pick(concept.definitions, language) if concept is not None else None
        out = {"id": derived_id(iri), "name": name, "description": definition or name,
               "taxonomy": "Passerelle service types", "taxonomy_id": derived_id(TAXONOMY_IRI),
               "term_uri": iri, "language": language}
        if concept is not None and concept.notation:
            out["code"] = concept.notation
        parents = sorted(concept.broader) if concept is not None else []
        if parents:
            out["parent_id"] = derived_id(parents[0])
        return out

    def all(self) -> list[str]:
        return sorted(self.found, key=lambda i: (self.found[i].notation or i, i))


def taxonomy(language: str = DEFAULT_LANGUAGE) -> dict:
    """The one taxonomy the graph's terms belong to."""
    return {"id": derived_id(TAXONOMY_IRI), "name": "Passerelle service types",
            "description": "What a service helps with, which is also the need a caseworker "
                           "searches by (SKOS, with close matches to Open Eligibility).",
            "uri": TAXONOMY_IRI, "version": "1"}


def _moment(text: str | None) -> str | None:
    """An RFC 3339 date-time (HSDS ``last_modified``), or None when the value is not one."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return moment.isoformat() if moment.tzinfo is not None else None


def _copies(item: dict, rows, out: dict) -> None:
    for row in rows:
        if row.way == "in" or row.hsds in out:
            continue
        value = get(item, row.model)
        if row.kind == "datetime":
            value = _moment(value)
        if row.kind == "year":
            value = int(value[:4]) if isinstance(value, str) and value[:4].isdigit() else None
        if row.kind == "number" and isinstance(value, int) and not isinstance(value, bool):
            out[row.hsds] = value
        elif isinstance(value, str | int) and value:
            out[row.hsds] = value


def service(item: dict, ids: Ids, terms: Terms, *, full: bool = True) -> dict | None:
    """The HSDS 3.1 service of a read-model item (``full``: with its nested lists, as
    ``/services/{id}`` answers; else the one-to-one fields of a list item), or None when the
    graph does not state its status."""
    status = STATUS_OUT.get(item.get("status") or "")
    if status is None:
        return None
    iri = item["id"]
    sid = ids.id(iri)
    out: dict = {"id": sid}
    if provider := item.get("provider"):
        out["organization_id"] = ids.id(provider["id"])
    out["name"] = item.get("name") or ""
    out["status"] = status
    _copies(item, SERVICE, out)
    eligibility = item.get("eligibility") or {}
    if eligibility.get("state") == "open-to-all":
        out["eligibility_description"] = "all"
    elif eligibility.get("state") == "restricted":
        out["eligibility_description"] = "; ".join(
            sorted(s["code"] or s["id"] for s in eligibility.get("statuses", [])))
    if full:
        out.update(_nested(item, iri, sid, terms))
    return out


def child_id(sid: str, kind: str, key: str) -> str:
    """The id of a nested object, derived from its service's HSDS id (not its IRI), so that it
    too survives a round trip."""
    return derived_id(f"urn:uuid:{sid}#{kind}/{key}")


def _nested(item: dict, iri: str, sid: str, terms: Terms) -> dict:
    out: dict = {
        "languages": [{"id": child_id(sid, "language", c["id"]), "service_id": sid,
                       **({"code": c["code"]} if c.get("code") else {}),
                       "name": c.get("label") or c.get("code") or c["id"]}
                      for c in item.get("languages") or []],
        "service_areas": [{"id": child_id(sid, "area", c["id"]), "service_id": sid,
                           "name": c.get("label") or c.get("code") or c["id"], "uri": c["id"]}
                          for c in item.get("areas") or []],
        "attributes": [{"id": child_id(sid, "type", c["id"]), "link_id": sid,
                        "link_type": "service_type", "link_entity": "service",
                        "taxonomy_term_id": derived_id(c["id"]),
                        "taxonomy_term": terms.term(c["id"])}
                       for c in item.get("service_types") or []],
        "phones": [],
        "schedules": [],
        "service_at_locations": [],
    }
    telephones = get(item, "contact.telephone")
    for number in telephones if isinstance(telephones, list) else [telephones]:
        if number:
            out["phones"].append({"id": child_id(sid, "phone", number), "service_id": sid,
                                  "number": number})
    if hours := item.get("opening_hours"):
        out["schedules"].append({"id": child_id(sid, "schedule", "hours"), "service_id": sid,
                                 "description": hours})
    for line in item.get("hours") or []:
        if not line.get("days"):
            continue
        byday = ",".join(day.upper() for day in line["days"])
        schedule = {"id": child_id(sid, "schedule",
                                   f"{byday}/{line.get('opens')}/{line.get('closes')}"),
                    "service_id": sid, "freq": "WEEKLY", "byday": byday}
        for key, hsds in (("opens", "opens_at"), ("closes", "closes_at")):
            if line.get(key):
                schedule[hsds] = line[key]
        out["schedules"].append(schedule)
    documents = item.get("documents") or []
    if documents:
        out["required_documents"] = [{"id": child_id(sid, "document", text),
                                      "service_id": sid, "document": text}
                                     for text in documents]
    if location := _location(item, sid):
        out["service_at_locations"].append({"id": child_id(sid, "at", "0"), "service_id": sid,
                                            "location_id": location["id"],
                                            "location": location})
    return out


def _location(item: dict, sid: str) -> dict | None:
    """The service's place: its address and coordinates, as one HSDS location."""
    address, geo = item.get("address") or {}, item.get("geo") or {}
    if isinstance(geo, list):
        geo = geo[0] if geo else {}
    access = item.get("accessibility")
    if not any(address.values()) and not geo and not access:
        return None
    location: dict = {"id": child_id(sid, "location", "0"), "location_type": "physical"}
    for key, hsds in (("lat", "latitude"), ("lon", "longitude")):
        if geo.get(key) is not None:
            location[hsds] = float(geo[key])
    if any(address.values()):
        location["addresses"] = [{
            "id": child_id(sid, "address", "0"), "location_id": location["id"],
            "address_1": address.get("street") or "", "city": address.get("locality") or "",
            # HSDS requires a state or province: the address's region, else empty.
            "state_province": address.get("region") or "",
            "postal_code": address.get("postal_code") or "",
            "country": address.get("country") or "", "address_type": "physical"}]
    if access:
        location["accessibility"] = [{"id": child_id(sid, "accessibility", "0"),
                                      "location_id": location["id"], "description": access}]
    return location


def organization(item: dict, ids: Ids) -> dict:
    """The HSDS 3.1 organization of a read-model item (without its services)."""
    out: dict = {"id": ids.id(item["id"]), "name": item.get("name") or ""}
    _copies(item, ORGANIZATION, out)
    out.setdefault("description", "")
    out["uri"] = item["id"]
    return out


def services(store: Store, iris: list[str], language: str) -> list[dict]:
    """The read-model items of these services, in their order (described in batches)."""
    items = []
    for start in range(0, len(iris), BATCH):
        chunk = iris[start:start + BATCH]
        described = service_reader.describe(store, chunk)
        items += [render(SERVICES, described, iri, language) for iri in chunk]
    return items


def organisations(store: Store, iris: list[str], language: str) -> list[dict]:
    described = resources.describe(store, iris)
    return [render(ORGANISATIONS, described, iri, language) for iri in iris]


@dataclass
class Export:
    document: dict
    left_out: list[str]
    """IRIs of the services left out because the graph does not state their status."""


def document(store: Store, *, language: str = DEFAULT_LANGUAGE) -> Export:
    """The whole graph's services and their providers as one HSDS 3.1 document, declaring its
    version: ``organizations`` (each valid against the compiled ``organization`` schema) and
    ``services`` (each valid against the compiled ``service`` schema)."""
    ids, terms = Ids(store), Terms(store, language)
    out, left_out, providers = [], [], set()
    for item in services(store, ids.of_class(PAS + "Service"), language):
        found = service(item, ids, terms)
        if found is None:
            left_out.append(item["id"])
            continue
        out.append(found)
        if item.get("provider"):
            providers.add(item["provider"]["id"])
    orgs = [organization(o, ids) for o in organisations(store, sorted(providers), language)]
    return Export({"version": VERSION, "profile": PROFILE,
                   "organizations": sorted(orgs, key=_order), "services": sorted(out, key=_order)},
                  left_out)


def _order(item: dict) -> tuple[str, str]:
    """By name, then id: an order that does not depend on the IRIs a store minted."""
    return item["name"].casefold(), item["id"]


def left_out_note(export: Export) -> str:
    """One line for the command's error stream."""
    if not export.left_out:
        return f"HSDS {VERSION}: {len(export.document['services'])} service(s)"
    return (f"HSDS {VERSION}: {len(export.document['services'])} service(s); "
            f"{len(export.left_out)} left out because the graph does not state their status "
            "(HSDS requires one): " + ", ".join(i.removeprefix(ID) for i in export.left_out))
