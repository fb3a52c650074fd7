"""Open Referral HSDS 3 JSON, both ways: services in (``read``) and out (``to_hsds``).

HSDS is what many service directories exchange; its fields and Passerelle's are mapped in
graph/imports/spreadsheet_template/README.md. A file may nest services in organisations or give
flat lists that point to each other by ``id``; both are read, and every value keeps its JSON path
("$.services[2].languages[0].code") so that a problem names the value to fix.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

from passerelle.errors import InvalidData
from passerelle.graph.imports.importer import ServiceRecord, given
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.contact import ADDRESS, CONTACT
from passerelle.graph.rdf.namespaces import DCT, ID, NUTS, PAS, RDF_TYPE, SCHEMA
from passerelle.graph.read.codes import Resolver
from passerelle.graph.read.labels import pick
from passerelle.graph.store.base import Store
from passerelle.graph.write.mapping import Problem, Value
from passerelle.settings import Settings

DEFAULT_LANGUAGE = Settings.languages.default

STATUS_IN = {"active": "active", "inactive": "temporarily-closed",
             "temporarily closed": "temporarily-closed", "defunct": "defunct"}
STATUS_OUT = {"active": "active", "temporarily-closed": "temporarily closed",
              "defunct": "defunct"}

HSDS_ADDRESS = {"street": "address_1", "postal_code": "postal_code", "locality": "city",
                "country": "country"}
"""The key of each of Passerelle's address fields in an HSDS address."""

Item = tuple[dict, str]
"""A JSON object and its path."""


MAX_DEPTH = 64
"""How deep a refused document is said to nest too deep: HSDS needs a handful of levels. The
JSON reader itself stops (``RecursionError``) a few hundred levels down; the path named is
where the document passes this depth."""

_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"\s*:?|[\[\]{},]')


def _too_deep(text: str) -> str | None:
    """Where ``text`` first nests deeper than ``MAX_DEPTH``: a JSON path (its first levels) and
    the line and column, or None. One pass over the text with a regular expression."""
    stack: list[list] = []
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark in "{[":
            stack.append(["{", None] if mark == "{" else ["[", 0])
            if len(stack) > MAX_DEPTH:
                line = text.count("\n", 0, token.start()) + 1
                column = token.start() - text.rfind("\n", 0, token.start())
                path = "$" + "".join(
                    (f"[{index}]" if kind == "[" else f".{index}" if index else "")
                    for kind, index in stack[:8])
                return (f"{path}...: line {line}, column {column}: nested more than "
                        f"{MAX_DEPTH} levels deep")
        elif mark in "}]":
            if stack:
                stack.pop()
        elif mark == ",":
            if stack and stack[-1][0] == "[":
                stack[-1][1] += 1
        elif mark.endswith(":") and stack and stack[-1][0] == "{":
            stack[-1][1] = json.loads(mark[:-1].rstrip())
    return None


def load(path: Path):
    """The JSON document of ``path``; anything that keeps it from being read is an
    ``InvalidData`` naming the place, never a traceback."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidData(f"{path}: byte {error.start}: not UTF-8 text (JSON is UTF-8)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidData(f"{path}: line {error.lineno}, column {error.colno}: {error.msg} "
                          "(not valid JSON)") from None
    except RecursionError:
        raise InvalidData(f"{path}: {_too_deep(text) or 'nested too deep'}") from None
    except ValueError as error:
        raise InvalidData(f"{path}: not a JSON document this import can read: {error}") from None


def read(path: Path, store: Store, *, language: str = DEFAULT_LANGUAGE) -> list[ServiceRecord]:
    return records(load(path), Resolver(store), language=language)


def _key(value):
    """An identifier as a lookup key: a string or number, else None (a list or an object can
    identify nothing)."""
    return value if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def _objects(value, path: str) -> list[Item]:
    if not isinstance(value, list):
        return []
    return [(item, f"{path}[{i}]") for i, item in enumerate(value) if isinstance(item, dict)]


class _Document:
    """The organisations of a document, and its flat lists indexed by what they point to."""

    def __init__(self, data):
        if isinstance(data, list):
            self.data, self.organizations = {}, _objects(data, "$")
        elif isinstance(data, dict) and "organizations" not in data and "name" in data:
            self.data, self.organizations = {}, [(data, "$")]
        elif isinstance(data, dict):
            self.data = data
            self.organizations = _objects(data.get("organizations"), "$.organizations")
        else:
            raise InvalidData("$: expected an object or a list of organisations")
        self.by_id = {kind: {_key(item.get("id")): (item, where)
                             for item, where in _objects(self.data.get(kind), f"$.{kind}")}
                      for kind in ("locations", "taxonomy_terms")}
        self.by_id["organizations"] = {_key(item.get("id")): (item, where)
                                       for item, where in self.organizations}
        self._indexes: dict[tuple[str, str], dict] = {}

    def linked(self, kind: str, key: str, value) -> list[Item]:
        """The items of the flat list ``kind`` whose ``key`` is ``value``, in document order.

        Each list is indexed once, on first use: looking a service's languages up by scanning
        the whole list made a flat document's reading quadratic."""
        if _key(value) is None:
            return []
        index = self._indexes.get((kind, key))
        if index is None:
            index = self._indexes[(kind, key)] = {}
            for item, where in _objects(self.data.get(kind), f"$.{kind}"):
                if (found := _key(item.get(key))) is not None:
                    index.setdefault(found, []).append((item, where))
        return index.get(value, [])

    def services(self) -> Iterator[tuple[Item, Item | None]]:
        """Each service with its organisation, nested ones first, then the flat ones."""
        for org, org_path in self.organizations:
            for service in _objects(org.get("services"), f"{org_path}.services"):
                yield service, (org, org_path)
        for service, where in _objects(self.data.get("services"), "$.services"):
            if isinstance(service.get("organization"), dict):
                yield (service, where), (service["organization"], f"{where}.organization")
            else:
                yield (service, where), self.by_id["organizations"].get(
                    _key(service.get("organization_id")))

    def children(self, service: Item, kind: str) -> list[Item]:
        item, where = service
        key = "link_id" if kind == "attributes" else "service_id"
        nested = _objects(item.get(kind), f"{where}.{kind}")
        return nested + self.linked(kind, key, item.get("id"))


def records(data, vocabularies: Resolver, *,
            language: str = DEFAULT_LANGUAGE) -> list[ServiceRecord]:
    """The services of a document in any accepted form: organisations with services nested
    (an object holding ``organizations``, a list of organisations, or one organisation), or
    flat lists pointing to each other by ``id``."""
    document = _Document(data)
    found = [_record(document, service, org, vocabularies, language)
             for service, org in document.services()]
    if not found:
        raise InvalidData("$: no services found (expected organizations[].services[] "
                              "or services[])")
    return found


def _text(item: dict, key: str, where: str) -> Value | None:
    value = item.get(key)
    if isinstance(value, (str, int, float)) and str(value).strip():
        return Value(str(value).strip(), f"{where}.{key}")
    return None


def _record(document: _Document, service: Item, org: Item | None, vocabularies: Resolver,
            language: str) -> ServiceRecord:
    item, where = service
    record = ServiceRecord(where=where, language=language)
    record.columns = {"schema:name": f"{where}.name", "schema:description": f"{where}.description",
                      "schema:url": f"{where}.url", "schema:email": f"{where}.email",
                      "pas:serviceStatus": f"{where}.status",
                      "pas:howToApply": f"{where}.application_process",
                      "pas:cost": f"{where}.fees_description",
                      "pas:eligibleStatus": f"{where}.eligibility_description",
                      "pas:serviceType": f"{where}.attributes",
                      "pas:serviceArea": f"{where}.service_areas",
                      "dct:language": f"{where}.languages",
                      "pas:provider": org[1] if org else where}
    status = _text(item, "status", where)
    if org is not None:
        record.organisation = given(
            name=_text(org[0], "name", org[1]), description=_text(org[0], "description", org[1]),
            contact=given(email=_text(org[0], "email", org[1])),
            homepage=_text(org[0], "website", org[1]))
    addresses, geo = _places(document, service)
    record.json = given(
        name=given(**{language: _text(item, "name", where)}),
        description=given(**{language: _text(item, "description", where)}),
        url=_text(item, "url", where), how_to_apply=_text(item, "application_process", where),
        cost=_text(item, "fees_description", where) or _text(item, "fees", where),
        last_verified=_text(item, "assured_date", where),
        status=status and Value(STATUS_IN.get(status.text.casefold(), status.text), status.where),
        eligibility=_eligibility(record, item, vocabularies),
        **_codes(document, service, vocabularies),
        contact=given(email=_text(item, "email", where), telephone=[
            v for phone, at in document.children(service, "phones")
            if (v := _text(phone, "number", at))]),
        opening_hours=_hours(document, service), address=addresses, geo=geo)
    for address in addresses:
        if address.get("country"):
            record.columns["schema:addressCountry"] = address["country"].where
    return record


def _eligibility(record: ServiceRecord, item: dict, vocabularies: Resolver) -> dict | None:
    """``all``: open to all; status codes or labels: restricted; other text: not stated."""
    where = f"{record.where}.eligibility_description"
    texts = [(p.strip(), where) for p in str(item.get("eligibility_description") or "").split(";")]
    texts += [(str(p).strip(), f"{record.where}.eligible_populations[{i}]")
              for i, p in enumerate(item.get("eligible_populations") or [])]
    texts = [(t, w) for t, w in texts if t]
    if not texts:
        return None
    if [t.casefold() for t, _ in texts] == ["all"]:
        return {"state": "open-to-all"}
    codes = [(vocabularies.code_for("status", t), w) for t, w in texts]
    if all(code for code, _ in codes):
        return {"state": "restricted", "statuses": [Value(code, w) for code, w in codes]}
    record.notes.append(Problem(where, "not status codes or labels: eligibility is left "
                                       "not stated"))
    return None


def _region(area: dict, where: str, vocabularies: Resolver) -> Value:
    candidates = [(area.get(key), f"{where}.{key}") for key in ("uri", "name", "extent")]
    candidates = [(str(text).strip(), w) for text, w in candidates if text]
    for text, w in candidates:
        code = vocabularies.code_for("region", text.removeprefix(NUTS))
        if code:
            return Value(code, w)
    text, w = candidates[0] if candidates else ("", f"{where}.name")
    return Value(text or "(no name)", w)


def _codes(document: _Document, service: Item, vocabularies: Resolver) -> dict:
    """The service's areas, languages and types, as codes where a label names one."""
    areas = [_region(area, where, vocabularies)
             for area, where in document.children(service, "service_areas")]
    languages = []
    for lang, where in document.children(service, "languages"):
        value = _text(lang, "code", where) or _text(lang, "name", where)
        if value:
            code = vocabularies.code_for("language", value.text) or value.text
            languages.append(Value(code, value.where))
    types = []
    for attribute, where in document.children(service, "attributes"):
        term = attribute.get("taxonomy_term")
        term_where = f"{where}.taxonomy_term"
        if not isinstance(term, dict):
            term, term_where = document.by_id["taxonomy_terms"].get(
                _key(attribute.get("taxonomy_term_id")), ({}, where))
        value = _text(term, "code", term_where) or _text(term, "name", term_where)
        if value:
            code = vocabularies.code_for("need", value.text) or value.text
            types.append(Value(code, value.where))
    return {"areas": areas, "languages": languages, "service_types": types}


def _hours(document: _Document, service: Item) -> Value | None:
    hours = [v for schedule, where in document.children(service, "schedules")
             if (v := _text(schedule, "description", where))]
    return Value("; ".join(v.text for v in hours), hours[0].where) if hours else None


def _places(document: _Document, service: Item) -> tuple[list[dict], list[dict]]:
    """The addresses of the service's locations, and each location's coordinates."""
    addresses: list[dict] = []
    geos: list[dict] = []
    for link, where in document.children(service, "service_at_locations"):
        location = link.get("location")
        place = (location, f"{where}.location") if isinstance(location, dict) else \
            document.by_id["locations"].get(_key(link.get("location_id")))
        if place:
            found, coordinates = _addresses(document, place)
            addresses += found
            geos += [coordinates] if coordinates else []
    return addresses, geos


def _addresses(document: _Document, place: Item) -> tuple[list[dict], dict | None]:
    location, where = place
    found = []
    for item, at in _objects(location.get("addresses"), f"{where}.addresses") + \
            document.linked("addresses", "location_id", location.get("id")):
        lines = [v.text for v in (_text(item, "address_1", at), _text(item, "address_2", at)) if v]
        found.append(given(
            street=Value(", ".join(lines), f"{at}.address_1") if lines else None,
            postal_code=_text(item, "postal_code", at), locality=_text(item, "city", at),
            country=_text(item, "country", at)))
    coordinates = given(lat=_text(location, "latitude", where),
                        lon=_text(location, "longitude", where))
    return [a for a in found if a], coordinates or None


# --- Out ----------------------------------------------------------------------------------------

def _id(iri: str) -> str:
    """A stable UUID for an IRI: HSDS identifiers are UUIDs, and exports must not reshuffle."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, iri))


class _Graph:
    """The services' and providers' triples, read once, with the codes of the concepts."""

    def __init__(self, store: Store):
        self.values: dict[str, dict[str, list]] = {}
        rows = store.query(queries.text("services-and-providers-statements"))
        for row in rows:
            self.values.setdefault(row["s"].value, {}).setdefault(row["p"].value, []).append(
                row["o"])
        self.codes = {r["c"].value: r["code"].value
                      for r in store.select(queries.text("concept-notations"))}
        self.labels = {(r["c"].value, r["label"].language): r["label"].value
                       for r in store.select(queries.text("concept-pref-labels"))}
        self.names: dict[str, dict[str, str]] = {}
        for (concept, language), label in self.labels.items():
            self.names.setdefault(concept, {})[language or ""] = label

    def all(self, node: str, predicate: str) -> list:
        """The values, in a fixed order: the same graph always exports the same JSON."""
        return sorted(self.values.get(node, {}).get(predicate, []), key=str)

    def one(self, node: str, predicate: str):
        found = self.all(node, predicate)
        return found[0].value if found else None

    def text(self, node: str, predicate: str, language: str) -> str | None:
        return pick({t.language or "": t.value for t in self.all(node, predicate)}, language)

    def code(self, concept: str) -> str:
        return self.codes.get(concept, concept)

    def label(self, concept: str, language: str) -> str:
        return pick(self.names.get(concept, {}), language) or self.code(concept)


def _organisation(graph: _Graph, iri: str, language: str) -> dict:
    out = {"id": _id(iri), "name": graph.text(iri, SCHEMA + "name", language), "uri": iri}
    if description := graph.text(iri, SCHEMA + "description", language):
        out["description"] = description
    if website := graph.one(iri, SCHEMA + "url"):
        out["website"] = website
    for point in graph.all(iri, SCHEMA + "contactPoint"):
        if email := graph.one(point.value, SCHEMA + "email"):
            out["email"] = email
    return out


def _service(graph: _Graph, iri: str, language: str) -> dict:
    sid = _id(iri)
    out: dict = {"id": sid, "name": graph.text(iri, SCHEMA + "name", language)}
    if provider := graph.one(iri, PAS + "provider"):
        out["organization_id"] = _id(provider)
    simple = {"description": SCHEMA + "description", "application_process": PAS + "howToApply",
              "fees_description": PAS + "cost"}
    for key, predicate in simple.items():
        if text := graph.text(iri, predicate, language):
            out[key] = text
    if url := graph.one(iri, SCHEMA + "url"):
        out["url"] = url
    if status := graph.one(iri, PAS + "serviceStatus"):
        out["status"] = STATUS_OUT.get(graph.code(status), "active")
    if verified := graph.one(iri, PAS + "lastVerified"):
        out["assured_date"] = verified
    if graph.one(iri, PAS + "openToAllStatuses") == "true":
        out["eligibility_description"] = "all"
    elif statuses := graph.all(iri, PAS + "eligibleStatus"):
        out["eligibility_description"] = "; ".join(sorted(graph.code(s.value) for s in statuses))
    out.update(_details(graph, iri, sid, language))
    return out


def _details(graph: _Graph, iri: str, sid: str, language: str) -> dict:
    def child(kind: str, key: str, **fields) -> dict:
        return {"id": _id(f"{iri}#{kind}/{key}"), "service_id": sid, **fields}

    out: dict = {
        "languages": [child("language", c.value, code=graph.code(c.value),
                            name=graph.label(c.value, language))
                      for c in graph.all(iri, DCT + "language")],
        "service_areas": [child("area", a.value, name=graph.label(a.value, language), uri=a.value)
                          for a in graph.all(iri, PAS + "serviceArea")],
        "attributes": [{"id": _id(f"{iri}#type/{t.value}"), "link_id": sid,
                        "link_entity": "service", "link_type": "service_type",
                        "taxonomy_term": {"id": _id(t.value), "code": graph.code(t.value),
                                          "name": graph.label(t.value, language),
                                          "taxonomy": ID + "scheme/service-types",
                                          "term_uri": t.value}}
                       for t in graph.all(iri, PAS + "serviceType")],
        "phones": [], "schedules": [], "service_at_locations": [],
    }
    for point in graph.all(iri, SCHEMA + "contactPoint"):
        if email := graph.one(point.value, SCHEMA + CONTACT["email"]):
            out.setdefault("email", email)
        out["phones"] += [child("phone", p.value, number=p.value)
                          for p in graph.all(point.value, SCHEMA + CONTACT["telephone"])]
    if hours := graph.text(iri, PAS + "openingHours", language):
        out["schedules"].append(child("schedule", "hours", description=hours))
    for n, address in enumerate(graph.all(iri, SCHEMA + "address")):
        location = {"id": _id(f"{iri}#location/{n}"), "addresses": [
            {"id": _id(f"{iri}#address/{n}"), "address_type": "physical",
             **{HSDS_ADDRESS[k]: v for k, p in ADDRESS.items()
                if (v := graph.one(address.value, SCHEMA + p))}}]}
        out["service_at_locations"].append({"id": _id(f"{iri}#at/{n}"), "service_id": sid,
                                            "location": location})
    for geo in graph.all(iri, SCHEMA + "geo")[:1]:
        coordinates = {k: float(graph.one(geo.value, SCHEMA + k)) for k in ("latitude",
                       "longitude") if graph.one(geo.value, SCHEMA + k) is not None}
        if not out["service_at_locations"]:
            out["service_at_locations"].append({"id": _id(f"{iri}#at/0"), "service_id": sid,
                                                "location": {"id": _id(f"{iri}#location/0")}})
        out["service_at_locations"][0]["location"].update(coordinates)
    return out


def to_hsds(store: Store, *, language: str = DEFAULT_LANGUAGE) -> dict:
    """The services of the store and their providers, as flat HSDS 3 JSON (details nested)."""
    graph = _Graph(store)
    services = sorted(s for s, props in graph.values.items()
                      if PAS + "Service" in {t.value for t in props.get(
                          RDF_TYPE, [])})
    providers = sorted({p for s in services if (p := graph.one(s, PAS + "provider"))})
    return {"organizations": [_organisation(graph, o, language) for o in providers],
            "services": [_service(graph, s, language) for s in services]}
