"""Open Referral HSDS 3.0 and 3.1 in: every shape Open Referral publishes, read into the one
record type of imports (``ServiceRecord``) for the one write path.

Shapes read: a single service (``service_full``), a single organisation with its services
(``organization_full``), the paginated lists (an object with ``contents``), services at
locations (``service_at_location_*``), the tabular JSON (``tabular.json``: one list per CSV file)
and the CSV datapackage (a folder of CSV files, or its ``datapackage.json``), as well as the
older flat form (``organizations`` and ``services`` lists pointing to each other by ``id``). The
fields are mapped by the one table of ``hsds_fields`` (the export reads the same table). Every
value keeps its JSON path ("$.services[2].languages[0].code") so that a problem names the value
to fix. Codes of outside vocabularies (languages, areas, taxonomy terms) that map to nothing are
reported, not fatal; a value that breaks a rule (a latitude of 100) refuses its record, unless
the import keeps the valid parts (``droppable``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from passerelle.errors import InvalidData
from passerelle.graph.export.hsds import Ids
from passerelle.graph.imports.hsds_fields import (
    ORGANIZATION,
    ORGANIZATION_REPORTED,
    REPORTED,
    SERVICE,
    put,
)
from passerelle.graph.imports.importer import ServiceRecord, given
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.namespaces import ID, NUTS, PAS
from passerelle.graph.read.codes import Resolver
from passerelle.graph.write.mapping import BOOLEAN_WORDS, Problem, Value
from passerelle.settings import Settings

DEFAULT_LANGUAGE = Settings.languages.default

STATUS_IN = {"active": "active", "inactive": "temporarily-closed",
             "temporarily closed": "temporarily-closed", "defunct": "defunct"}
"""HSDS status words (3.0 and 3.1) as Passerelle's service-status codes."""

Item = tuple[dict, str]
"""A JSON object and its path."""

MAX_CSV_BYTES = 64 * 1024 * 1024
"""The largest CSV file of a datapackage read: a directory export is far smaller."""

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


def load_csv_folder(folder: Path) -> dict:
    """The CSV datapackage of ``folder`` in the tabular JSON form (``{"services.csv": [rows]}``),
    empty cells left out: HSDS CSV writes an absent value as an empty cell."""
    files = sorted(p for p in folder.glob("*.csv") if p.is_file())
    if not files:
        raise InvalidData(f"{folder}: no CSV files (a datapackage's tables) found")
    tables: dict[str, list[dict]] = {}
    for path in files:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InvalidData(f"{path}: larger than {MAX_CSV_BYTES // 2**20} MiB")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidData(f"{path}: byte {error.start}: not UTF-8 text") from None
        try:
            rows = list(csv.DictReader(io.StringIO(text, newline="")))
        except csv.Error as error:
            raise InvalidData(f"{path}: not CSV: {error}") from None
        tables[path.name] = [{k: v for k, v in row.items() if k and v not in (None, "")}
                             for row in rows]
    return tables


def load_any(path: Path):
    """The document of an HSDS file: JSON, a folder of CSV files, or a ``datapackage.json``
    (whose folder's CSV files are read; the package descriptor itself may be a link)."""
    if path.is_dir():
        return load_csv_folder(path)
    if path.name == "datapackage.json":
        return load_csv_folder(path.parent)
    return load(path)


def read(path: Path, store, *, language: str = DEFAULT_LANGUAGE,
         term_map: dict | None = None) -> list[ServiceRecord]:
    return records(load_any(path), Resolver(store), language=language, term_map=term_map)


def _key(value):
    """An identifier as a lookup key: a string or number, else None (a list or an object can
    identify nothing)."""
    return value if isinstance(value, str | int | float) and not isinstance(value, bool) else None


def _member(path: str, key: str) -> str:
    """``path.key``, or ``path['key']`` when the key is not a plain name (``services.csv``)."""
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else f"{path}['{key}']"


def _objects(value, path: str) -> list[Item]:
    if not isinstance(value, list):
        return []
    return [(item, f"{path}[{i}]") for i, item in enumerate(value) if isinstance(item, dict)]


def kind_of(item: dict) -> str:
    """What an HSDS object is, by the fields only it has: ``organization``, ``service``,
    ``service_at_location``, ``taxonomy_term``, ``taxonomy``, ``location`` or ``api`` (the
    API's own metadata)."""
    keys = set(item)
    if "openapi_url" in keys:
        return "api"
    if keys & {"status", "organization", "organization_id", "application_process",
               "service_at_locations", "eligibility_description", "fees_description"}:
        return "service"
    if keys & {"services", "website", "tax_status", "tax_id", "year_incorporated",
               "legal_status", "logo", "organization_identifiers", "parent_organization_id"} \
            and "name" in keys:
        return "organization"
    if keys & {"location", "service"} or {"location_id", "service_id"} <= keys:
        return "service_at_location"
    if keys & {"code", "term_uri", "parent_id", "taxonomy", "taxonomy_detail"}:
        return "taxonomy_term"
    if keys & {"latitude", "longitude", "location_type", "addresses"}:
        return "location"
    if "version" in keys:
        return "taxonomy"
    return "organization" if "name" in keys else "unknown"


TABLES = {"service_at_location": "service_at_locations"}
"""Tabular files whose name is not the plural of their rows (``service_at_location.csv``)."""


class _Document:
    """The objects of a document by kind, and its flat lists indexed by what they point to."""

    def __init__(self, data):
        self.lists: dict[str, list[Item]] = {}
        self.top: dict[str, list[Item]] = {}
        if isinstance(data, list):
            self._sort(_objects(data, "$"))
        elif isinstance(data, dict) and any(str(k).endswith(".csv") for k in data):
            for key, value in data.items():
                stem = str(key).removesuffix(".csv")
                self.lists[TABLES.get(stem, stem)] = _objects(value, _member("$", str(key)))
        elif isinstance(data, dict) and isinstance(data.get("contents"), list):
            self._sort(_objects(data["contents"], "$.contents"))
        elif isinstance(data, dict) and (isinstance(data.get("organizations"), list)
                                         or isinstance(data.get("services"), list)
                                         and "name" not in data):
            for key, value in data.items():
                if isinstance(value, list):
                    self.lists[key] = _objects(value, _member("$", key))
        elif isinstance(data, dict):
            self._sort([(data, "$")])
        else:
            raise InvalidData("$: expected an HSDS object, a list of them, a paginated list "
                              "(contents) or tabular JSON")
        for kind in ("organizations", "services", "service_at_locations"):
            self.top.setdefault(kind, []).extend(self.lists.get(kind, []))
        self.by_id = {kind: {_key(item.get("id")): (item, where)
                             for item, where in self.lists.get(kind, [])}
                      for kind in ("locations", "taxonomy_terms", "organizations")}
        self._indexes: dict[tuple[str, str], dict] = {}

    def _sort(self, items: list[Item]) -> None:
        for item, where in items:
            kind = kind_of(item)
            if kind == "api":
                raise InvalidData(f"{where}: the metadata of an Open Referral API (version, "
                                  "profile, openapi_url), not directory data: nothing to import")
            if kind == "location":
                raise InvalidData(f"{where}: a location on its own: HSDS gives a service's "
                                  "places inside the service (service_at_locations), so there "
                                  "is no service to attach it to")
            plural = {"organization": "organizations", "service": "services",
                      "service_at_location": "service_at_locations",
                      "taxonomy_term": "taxonomy_terms", "taxonomy": "taxonomies"}.get(kind)
            if plural is None:
                raise InvalidData(f"{where}: not an HSDS object this import knows (no name, "
                                  "status, location or code)")
            self.top.setdefault(plural, []).append((item, where))

    def linked(self, kind: str, key: str, value) -> list[Item]:
        """The items of the flat list ``kind`` whose ``key`` is ``value``, in document order.

        Each list is indexed once, on first use: looking a service's languages up by scanning
        the whole list made a flat document's reading quadratic."""
        if _key(value) is None:
            return []
        index = self._indexes.get((kind, key))
        if index is None:
            index = self._indexes[(kind, key)] = {}
            for item, where in self.lists.get(kind, []):
                if (found := _key(item.get(key))) is not None:
                    index.setdefault(found, []).append((item, where))
        return index.get(value, [])

    def services(self) -> Iterator[tuple[Item, Item | None, list[Item]]]:
        """Each service with its organisation and the service-at-location links given around
        it (a ``service_at_location`` document holds its service inside the link)."""
        for org, org_path in self.top.get("organizations", []):
            for service in _objects(org.get("services"), f"{org_path}.services"):
                yield service, (org, org_path), []
        for service in self.top.get("services", []):
            yield service, self.organisation(service), []
        for link, where in self.top.get("service_at_locations", []):
            if isinstance(link.get("service"), dict):
                service = (link["service"], f"{where}.service")
                yield service, self.organisation(service), [(link, where)]

    def organisation(self, service: Item) -> Item | None:
        item, where = service
        if isinstance(item.get("organization"), dict):
            return item["organization"], f"{where}.organization"
        return self.by_id["organizations"].get(_key(item.get("organization_id")))

    def children(self, service: Item, kind: str, extra: list[Item] = ()) -> list[Item]:
        item, where = service
        key = "link_id" if kind == "attributes" else "service_id"
        nested = _objects(item.get(kind), f"{where}.{kind}")
        return nested + self.linked(kind, key, item.get("id")) + \
            (list(extra) if kind == "service_at_locations" else [])

    def lone_organisations(self, used: set[str]) -> list[Item]:
        """Organisations no service of the document names (an organisation list)."""
        return [(org, where) for org, where in self.top.get("organizations", [])
                if where not in used]


@dataclass
class Terms:
    """The declared mappings of taxonomy terms to service types: Passerelle's own scheme (a
    term's code, name or term_uri), the Open Eligibility top level (close matches only), and the
    import's own map (a term's id, code, term_uri or name to a service-type code). The map's
    ``"*"`` declares the type of the services no term maps (list items carry no terms)."""

    vocabularies: Resolver
    declared: dict[str, str] = field(default_factory=dict)
    open_eligibility: dict[str, str] = field(default_factory=dict)
    fallback: str | None = None

    def __post_init__(self):
        for row in self.vocabularies.store.query(queries.text("open-eligibility-matches")):
            for term in (row["category"], row["label"]):
                if term is not None:
                    self.open_eligibility[term.value.casefold()] = row["code"].value
        targets = self.vocabularies.concepts("need", list(self.declared.values()))
        unknown = sorted({code for code in self.declared.values() if code not in targets})
        if unknown:
            raise InvalidData(f"term map: unknown service type(s) {', '.join(map(repr, unknown))}")
        self.fallback = self.declared.pop("*", None)
        self.declared = {str(k).casefold(): v for k, v in self.declared.items()}

    def code(self, term: dict) -> str | None:
        given = {k: str(term[k]).strip() for k in ("id", "code", "term_uri", "name")
                 if _key(term.get(k)) is not None and str(term[k]).strip()}
        texts = list(given.values())
        for text in texts:
            if text.casefold() in self.declared:
                return self.declared[text.casefold()]
        named = [text for key, text in given.items() if key != "id"]
        for text in named:
            if found := self.vocabularies.code_for("need", text):
                return found
        taxonomy = " ".join(str(term.get(k) or "") for k in ("taxonomy", "taxonomy_id"))
        detail = term.get("taxonomy_detail")
        if isinstance(detail, dict):
            taxonomy += " " + str(detail.get("name") or "")
        if "eligibility" in taxonomy.casefold():
            for text in named:
                if found := self.open_eligibility.get(text.casefold()):
                    return found
        return None


def records(data, vocabularies: Resolver, *, language: str = DEFAULT_LANGUAGE,
            term_map: dict | None = None) -> list[ServiceRecord]:
    """The services (and the organisations no service names) of a document in any shape."""
    document = _Document(data)
    terms = Terms(vocabularies, dict(term_map or {}))
    ids = Ids(vocabularies.store)
    found, used = [], set()
    for service, org, extra in document.services():
        record = _record(document, service, org, extra, vocabularies, language, terms, ids)
        if org is not None and org[1] not in used:
            used.add(org[1])
            record.notes += _unkept(org)
        found.append(record)
    for org in document.lone_organisations(used):
        record = ServiceRecord(where=org[1], language=language, organisation_only=True)
        record.organisation = _organisation(org, ids, record)
        record.notes += _unkept(org)
        found.append(record)
    if not found:
        kinds = [k for k in ("taxonomy_terms", "taxonomies") if document.top.get(k)]
        if kinds:
            raise InvalidData(f"$: a document of {' and '.join(kinds)} only: Passerelle's "
                              "service types are its own taxonomy (terms of other taxonomies "
                              "are mapped when a service uses them), so there is nothing to "
                              "store")
        raise InvalidData("$: no services or organisations found (expected a service, an "
                          "organization, a paginated list, tabular JSON or organizations[] / "
                          "services[])")
    return found


def _text(item: dict, key: str, where: str) -> Value | None:
    value = item.get(key)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) \
            and str(value).strip():
        return Value(str(value).strip(), _member(where, key))
    return None


def _copy(item: dict, where: str, rows, language: str) -> dict:
    """The one-to-one fields of the table, as the write API's JSON."""
    out: dict = {}
    for row in rows:
        if row.way == "out" or (value := _text(item, row.hsds, where)) is None:
            continue
        if row.kind == "flag":
            said = BOOLEAN_WORDS.get(value.text.casefold(), True)
            value = Value("true" if said else "false", value.where)
        put(out, row.model, {language: value} if row.kind == "text" else value)
    return out


def _organisation(org: Item, ids: Ids, record: ServiceRecord) -> dict:
    item, where = org
    out = _copy(item, where, ORGANIZATION, record.language)
    if (given_id := _text(item, "id", where)) is not None:
        out["identifier"] = given_id
        existing = ids.iri(given_id.text, PAS + "Organisation")
        if existing and existing.startswith(ID + "organisation/"):
            out["id"] = Value(existing.removeprefix(ID + "organisation/"), given_id.where)
    uri = _text(item, "uri", where)
    if "id" not in out and uri is not None and uri.text.startswith(ID + "organisation/"):
        # Passerelle's own export: the organisation keeps its IRI.
        out["id"] = Value(uri.text.removeprefix(ID + "organisation/"), uri.where)
    return out


def _unkept(org: Item) -> list[Problem]:
    """The organisation's fields the graph cannot hold yet, named once."""
    item, where = org
    unkept = sorted(key for key in ORGANIZATION_REPORTED
                    if item.get(key) not in (None, "", [], {})
                    and not (key == "uri" and str(item[key]).startswith(ID + "organisation/")))
    return [Problem(where, "not kept (no field in the graph yet): " + ", ".join(unkept))] \
        if unkept else []


def _record(document: _Document, service: Item, org: Item | None, extra: list[Item],
            vocabularies: Resolver, language: str, terms: Terms, ids: Ids) -> ServiceRecord:
    item, where = service
    record = ServiceRecord(where=where, language=language)
    record.columns = {"schema:name": f"{where}.name", "schema:description": f"{where}.description",
                      "schema:url": f"{where}.url", "schema:email": f"{where}.email",
                      "pas:serviceStatus": f"{where}.status",
                      "pas:howToApply": f"{where}.application_process",
                      "pas:cost": f"{where}.fees_description",
                      "pas:lastVerified": f"{where}.assured_date",
                      "pas:eligibleStatus": f"{where}.eligibility_description",
                      "pas:serviceType": f"{where}.attributes",
                      "pas:serviceArea": f"{where}.service_areas",
                      "dct:language": f"{where}.languages",
                      "pas:provider": org[1] if org else where}
    if org is not None:
        record.organisation = _organisation(org, ids, record)
    json = _copy(item, where, SERVICE, language)
    if (given_id := _text(item, "id", where)) is not None:
        json["identifier"] = given_id
        record.iri = ids.iri(given_id.text, PAS + "Service")
    if (status := _text(item, "status", where)) is not None:
        json["status"] = Value(STATUS_IN.get(status.text.casefold(), status.text), status.where)
    if (eligibility := _eligibility(record, item, vocabularies)) is not None:
        json["eligibility"] = eligibility
    telephones = [v for phone, at in document.children(service, "phones")
                  if (v := _text(phone, "number", at))]
    if telephones:
        json.setdefault("contact", {})["telephone"] = telephones
    schedules = document.children(service, "schedules")
    hours = [v for schedule, at in schedules if (v := _text(schedule, "description", at))]
    if hours:
        json["opening_hours"] = {language: Value("; ".join(v.text for v in hours),
                                                 hours[0].where)}
    weekly = [line for schedule in schedules if (line := _weekly(schedule, record))]
    if weekly:
        json["hours"] = weekly
    documents = [v for document_item, at in document.children(service, "required_documents")
                 if (v := _text(document_item, "document", at))]
    if documents:
        json["documents"] = {language: documents}
    addresses, geo, access = _places(document, service, extra, record)
    if access:
        json["accessibility"] = {language: Value("; ".join(dict.fromkeys(v.text for v in access)),
                                                 access[0].where)}
    json.update(given(address=addresses, geo=geo, **_codes(document, service, vocabularies,
                                                           terms, record)))
    for address in addresses:
        if address.get("country"):
            record.columns["schema:addressCountry"] = address["country"].where
    record.json = json
    unkept = sorted(key for key in REPORTED if item.get(key) not in (None, "", [], {}))
    if unkept:
        record.notes.append(Problem(where, "not kept (no field in the graph yet): "
                                           + ", ".join(unkept)))
    return record


NARROWING = ("byweekno", "bymonthday", "byyearday", "count", "until", "valid_from", "valid_to")
"""Parts of an HSDS schedule that make it more than the same hours every week."""


def _weekly(schedule: Item, record: ServiceRecord) -> dict | None:
    """A weekly schedule (``freq`` WEEKLY, ``byday``) as a line of the structured hours, or
    None. A schedule narrowed to some weeks, days of a month or dates is not stated as weekly
    hours (that would say more than the source): it is reported, its description kept."""
    item, where = schedule
    freq, byday = _text(item, "freq", where), _text(item, "byday", where)
    if freq is None or freq.text.upper() != "WEEKLY" or byday is None:
        return None
    narrowing = [key for key in NARROWING if item.get(key) not in (None, "", [])]
    interval = _text(item, "interval", where)
    if interval is not None and interval.text not in ("1", "1.0"):
        narrowing.append("interval")
    if narrowing:
        record.notes.append(Problem(where, "not weekly hours (narrowed by "
                                           + ", ".join(narrowing) + "): only the "
                                           "description is kept"))
        return None
    days = [Value(day.strip().casefold(), byday.where) for day in byday.text.split(",")
            if day.strip()]
    return given(days=days, opens=_text(item, "opens_at", where),
                 closes=_text(item, "closes_at", where))


def _eligibility(record: ServiceRecord, item: dict, vocabularies: Resolver) -> dict | None:
    """``all``: open to all; status codes or labels: restricted; other text: not stated."""
    where = f"{record.where}.eligibility_description"
    texts = [(p.strip(), where) for p in str(item.get("eligibility_description") or "").split(";")]
    populations = item.get("eligible_populations")
    texts += [(str(p).strip(), f"{record.where}.eligible_populations[{i}]")
              for i, p in enumerate(populations if isinstance(populations, list) else [])]
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


def _region(area: dict, where: str, vocabularies: Resolver) -> tuple[Value | None, str]:
    """The area's region code by its uri (NUTS or Passerelle IRI), name or extent, or None and
    what the area was called."""
    candidates = [(area.get(key), _member(where, key)) for key in ("uri", "name", "extent")]
    candidates = [(str(text).strip(), w) for text, w in candidates
                  if _key(text) is not None and str(text).strip()]
    for text, w in candidates:
        code = vocabularies.code_for("region", text.removeprefix(NUTS))
        if code:
            return Value(code, w), text
    return None, candidates[0][0][:80] if candidates else "(no name)"


def _codes(document: _Document, service: Item, vocabularies: Resolver, terms: Terms,
           record: ServiceRecord) -> dict:
    """The service's areas, languages and types as codes; those that map to nothing are
    reported in the record's notes, not refused."""
    areas = []
    for area, where in document.children(service, "service_areas"):
        code, called = _region(area, where, vocabularies)
        if code is None:
            record.notes.append(Problem(where, f"area {called!r} is not a known region "
                                               "(by code, IRI or name): not kept"))
        else:
            areas.append(code)
    languages = []
    for lang, where in document.children(service, "languages"):
        value = _text(lang, "code", where) or _text(lang, "name", where)
        if value is None:
            continue
        code = vocabularies.code_for("language", value.text)
        if code is None:
            record.notes.append(Problem(value.where, f"language {value.text[:80]!r} is not in "
                                                     "the language vocabulary: not kept"))
        else:
            languages.append(Value(code, value.where))
    types = []
    for attribute, where in document.children(service, "attributes"):
        term, term_where = attribute.get("taxonomy_term"), f"{where}.taxonomy_term"
        if not isinstance(term, dict):
            term, term_where = document.by_id["taxonomy_terms"].get(
                _key(attribute.get("taxonomy_term_id")), ({}, where))
        if not term:
            continue
        code = terms.code(term)
        if code is None:
            called = next((str(term[k]) for k in ("code", "name", "id") if term.get(k)), "?")
            record.notes.append(Problem(term_where, f"taxonomy term {called[:80]!r} maps to no "
                                                    "service type (no declared mapping): "
                                                    "not kept"))
        else:
            types.append(Value(code, term_where))
    if not types and terms.fallback:
        where = f"{service[1]}.attributes"
        types.append(Value(terms.fallback, where))
        record.notes.append(Problem(where, f"no term maps to a service type: the term map's "
                                           f"default {terms.fallback!r} is given"))
    return {"areas": areas, "languages": languages, "service_types": types}


RANGES = {"latitude": (-90, 90), "longitude": (-180, 180)}


def _coordinate(location: dict, key: str, where: str, record: ServiceRecord) -> Value | None:
    """A latitude or longitude in range, else None with the problem at its path (droppable:
    keeping the valid parts leaves the coordinates out)."""
    value = location.get(key)
    if value is None or value == "":
        return None
    path = _member(where, key)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    low, high = RANGES[key]
    if number is None or not number.is_finite() or isinstance(value, bool):
        record.droppable.append(Problem(path, f"{str(value)[:40]!r} is not a number "
                                              f"[rule: {key} is a number of degrees]"))
        return None
    if not low <= number <= high:
        record.droppable.append(Problem(path, f"{value} is out of range [rule: {key} is "
                                              f"between {low} and {high}]"))
        return None
    return Value(format(number, "f"), path)


def _places(document: _Document, service: Item, extra: list[Item],
            record: ServiceRecord) -> tuple[list[dict], list[dict], list[Value]]:
    """The addresses of the service's locations, each location's coordinates (only when
    both are valid) and the descriptions of their accessibility."""
    addresses: list[dict] = []
    geos: list[dict] = []
    access: list[Value] = []
    for link, where in document.children(service, "service_at_locations", extra):
        location = link.get("location")
        place = (location, f"{where}.location") if isinstance(location, dict) else \
            document.by_id["locations"].get(_key(link.get("location_id")))
        if not place:
            continue
        found, coordinates = _addresses(document, place, record)
        addresses += found
        geos += [coordinates] if coordinates else []
        location, at = place
        access += [v for item, w in _objects(location.get("accessibility"), f"{at}.accessibility")
                   + document.linked("accessibility", "location_id", location.get("id"))
                   if (v := _text(item, "description", w))]
    return addresses, geos, access


def _addresses(document: _Document, place: Item,
               record: ServiceRecord) -> tuple[list[dict], dict | None]:
    location, where = place
    found = []
    for item, at in _objects(location.get("addresses"), f"{where}.addresses") + \
            document.linked("addresses", "location_id", location.get("id")):
        lines = [v.text for v in (_text(item, "address_1", at), _text(item, "address_2", at)) if v]
        found.append(given(
            street=Value(", ".join(lines), f"{at}.address_1") if lines else None,
            postal_code=_text(item, "postal_code", at), locality=_text(item, "city", at),
            country=_text(item, "country", at),
            region=_text(item, "state_province", at) or _text(item, "region", at)))
    lat = _coordinate(location, "latitude", where, record)
    lon = _coordinate(location, "longitude", where, record)
    coordinates = {"lat": lat, "lon": lon} if lat is not None and lon is not None else None
    return [a for a in found if a], coordinates


def read_term_map(path: Path) -> dict[str, str]:
    """A declared term map: a JSON object from a term's id, code, term_uri or name to a
    service-type code."""
    data = load(path)
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in data.items()):
        raise InvalidData(f"{path}: give a JSON object from taxonomy terms (id, code, "
                          "term_uri or name) to service-type codes")
    return data
