"""Importing services from outside formats: one neutral record a service, then one checked write.

The spreadsheet template (``template``) and Open Referral HSDS (``hsds``) are read into
``ServiceRecord``s that remember where each value came from ("row 4, column statuses" or
"$.services[2].languages[0]"), so every problem, whether a code this module cannot resolve or a
rule the shapes enforce, is reported where the steward can fix it. The records then become
triples in one named graph, written by the loader's validated, atomic write: all rows or none,
unless the caller asks to skip the invalid ones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from passerelle.errors import InvalidData
from passerelle.graph.rdf.contact import ADDRESS
from passerelle.graph.rdf.namespaces import ID, PAS, RDF_TYPE, SKOS
from passerelle.graph.read.codes import SCHEMES
from passerelle.graph.store.base import Store
from passerelle.graph.validation.gate import Report
from passerelle.graph.validation.incremental import Change, check
from passerelle.graph.write.loader import LoadResult, write_checked

SCHEMA = "http://schema.org/"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV = "http://www.w3.org/ns/prov#"
SERVICE_STATUSES = ("active", "temporarily-closed", "defunct")
KINDS = {"need": "service type", "status": "status", "region": "region", "language": "language"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
BATCH = 2000
"""Nodes validated at a time: the validator's memory is that of one batch, whatever the file."""


@dataclass(frozen=True, slots=True)
class Value:
    """A value as the source wrote it, and where: what a problem report points to."""

    text: str
    where: str


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class ImportFailed(InvalidData):
    """Some records cannot be imported; nothing was stored."""

    def __init__(self, problems: list[Problem], what: str):
        self.problems = problems
        super().__init__(f"{what}: {len(problems)} problem(s); nothing was stored\n"
                         + "\n".join(map(str, problems)))


@dataclass
class Organisation:
    name: Value | None = None
    slug: Value | None = None
    description: Value | None = None
    email: Value | None = None
    website: Value | None = None


@dataclass
class Address:
    street: Value | None = None
    postal_code: Value | None = None
    locality: Value | None = None
    country: Value | None = None
    latitude: Value | None = None
    longitude: Value | None = None


@dataclass
class ServiceRecord:
    """One service as a source describes it. ``columns`` maps a property (``schema:email``) to
    where the source holds it, so that a rule broken on that property is reported there;
    ``problems`` are what the reader already refused, ``notes`` what it could not use."""

    where: str
    language: str
    organisation: Organisation | None = None
    names: dict[str, Value] = field(default_factory=dict)
    descriptions: dict[str, Value] = field(default_factory=dict)
    types: list[Value] = field(default_factory=list)
    open_to_all: bool = False
    statuses: list[Value] = field(default_factory=list)
    areas: list[Value] = field(default_factory=list)
    languages: list[Value] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    email: Value | None = None
    telephones: list[Value] = field(default_factory=list)
    website: Value | None = None
    opening_hours: Value | None = None
    how_to_apply: Value | None = None
    cost: Value | None = None
    service_status: Value | None = None
    last_verified: Value | None = None
    columns: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


def slugify(text: str) -> str:
    """``Entraide Pierre Valdo`` -> ``entraide-pierre-valdo``: accents dropped, words joined."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


class Vocabularies:
    """The codes and labels of the concept schemes, read once from the store."""

    def __init__(self, store: Store):
        self.store = store
        self._codes: dict[str, dict[str, ox.NamedNode]] = {}
        self._labels: dict[str, dict[str, str]] = {}

    def _load(self, kind: str) -> None:
        if kind in self._codes:
            return
        rows = self.store.select(
            f"SELECT ?c ?code ?label WHERE {{ ?c <{SKOS}inScheme> <{SCHEMES[kind]}> ;"
            f" <{SKOS}notation> ?code . OPTIONAL {{ ?c <{SKOS}prefLabel> ?label }} }}")
        self._codes[kind] = {r["code"].value: r["c"] for r in rows}
        self._labels[kind] = {r["label"].value.casefold(): r["code"].value
                              for r in rows if "label" in r}
        self._labels[kind].update({r["c"].value.casefold(): r["code"].value for r in rows})

    def concept(self, kind: str, code: str) -> ox.NamedNode | None:
        self._load(kind)
        return self._codes[kind].get(code)

    def code_for(self, kind: str, text: str) -> str | None:
        """The code a text names: the code itself, a label in any language, or the IRI."""
        self._load(kind)
        if text in self._codes[kind]:
            return text
        return self._labels[kind].get(text.strip().casefold())


def _iri(text: str) -> ox.NamedNode | None:
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", text):
        return None
    try:
        return ox.NamedNode(text)
    except ValueError:
        return None


class _Builder:
    """Turns one record into triples, collecting the problems instead of stopping at the first."""

    def __init__(self, record: ServiceRecord, vocabularies: Vocabularies):
        self.record, self.vocabularies = record, vocabularies
        self.triples: list[ox.Triple] = []
        self.problems: list[Problem] = []

    def add(self, subject, predicate: str, obj) -> None:
        self.triples.append(ox.Triple(subject, ox.NamedNode(predicate), obj))

    def apart(self) -> _Builder:
        """A builder for triples kept apart (an organisation several rows share)."""
        other = _Builder(self.record, self.vocabularies)
        other.problems = self.problems
        return other

    def text(self, subject, predicate: str, value: Value | None, language: str) -> None:
        if value is not None:
            self.add(subject, predicate, ox.Literal(value.text, language=language))

    def codes(self, subject, predicate: str, kind: str, values: list[Value]) -> None:
        for value in values:
            concept = self.vocabularies.concept(kind, value.text)
            if concept is None:
                self.problems.append(Problem(value.where, f"unknown {KINDS[kind]} {value.text!r}"))
            else:
                self.add(subject, predicate, concept)

    def link(self, subject, predicate: str, value: Value | None) -> None:
        if value is None:
            return
        iri = _iri(value.text)
        if iri is None:
            self.problems.append(Problem(value.where, f"not a web address: {value.text!r}"))
        else:
            self.add(subject, predicate, iri)


def service_iri(record: ServiceRecord) -> str | None:
    name = record.names.get("en") or next(iter(record.names.values()), None)
    if name is None or not slugify(name.text):
        return None
    organisation = organisation_slug(record)
    stem = slugify(name.text)
    return ID + "service/" + (f"{organisation}-{stem}" if organisation else stem)


def organisation_slug(record: ServiceRecord) -> str | None:
    org = record.organisation
    if org is None:
        return None
    if org.slug is not None:
        return org.slug.text
    return slugify(org.name.text) if org.name is not None else None


@dataclass
class Built:
    """A record's triples: its service's, and its organisation's when the import creates it."""

    service: list[ox.Triple]
    organisation: str | None = None
    organisation_triples: list[ox.Triple] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def to_triples(record: ServiceRecord, vocabularies: Vocabularies, known: set[str]) -> Built:
    """The service's triples, and its organisation's unless ``known`` already holds it."""
    build = _Builder(record, vocabularies)
    build.problems.extend(record.problems)
    iri = service_iri(record)
    if iri is None:
        return Built([], problems=[*record.problems, Problem(record.where,
                                                             "a service needs a name")])
    service = ox.NamedNode(iri)
    lang = record.language
    build.add(service, RDF_TYPE, ox.NamedNode(PAS + "Service"))
    for language, value in record.names.items():
        build.text(service, SCHEMA + "name", value, language)
    for language, value in record.descriptions.items():
        build.text(service, SCHEMA + "description", value, language)
    build.codes(service, PAS + "serviceType", "need", record.types)
    build.codes(service, PAS + "eligibleStatus", "status", record.statuses)
    if record.open_to_all:
        build.add(service, PAS + "openToAllStatuses", ox.Literal(True))
    build.codes(service, PAS + "serviceArea", "region", record.areas)
    build.codes(service, DCT + "language", "language", record.languages)
    build.link(service, SCHEMA + "url", record.website)
    build.text(service, PAS + "openingHours", record.opening_hours, lang)
    build.text(service, PAS + "howToApply", record.how_to_apply, lang)
    build.text(service, PAS + "cost", record.cost, lang)
    _status(build, service)
    _verified(build, service)
    _contact(build, service, record.email, record.telephones)
    for address in record.addresses:
        _address(build, service, address)
    organisation = build.apart()
    created = _organisation(build, organisation, service, known)
    return Built(build.triples, created, organisation.triples, build.problems)


def _status(build: _Builder, service: ox.NamedNode) -> None:
    value = build.record.service_status
    if value is None:
        return
    if value.text not in SERVICE_STATUSES:
        build.problems.append(Problem(value.where, f"unknown service status {value.text!r}"))
        return
    build.add(service, PAS + "serviceStatus", ox.NamedNode(ID + "service-status/" + value.text))


def _verified(build: _Builder, service: ox.NamedNode) -> None:
    value = build.record.last_verified
    if value is None:
        return
    try:
        day = date.fromisoformat(value.text)
    except ValueError:
        build.problems.append(Problem(value.where, f"not a date (YYYY-MM-DD): {value.text!r}"))
        return
    build.add(service, PAS + "lastVerified",
              ox.Literal(day.isoformat(), datatype=ox.NamedNode(XSD + "date")))


def _contact(build: _Builder, holder, email: Value | None, telephones: list[Value]) -> None:
    if email is None and not telephones:
        return
    point = ox.BlankNode()
    build.add(holder, SCHEMA + "contactPoint", point)
    build.add(point, RDF_TYPE, ox.NamedNode(SCHEMA + "ContactPoint"))
    if email is not None:
        build.add(point, SCHEMA + "email", ox.Literal(email.text))
    for phone in telephones:
        build.add(point, SCHEMA + "telephone", ox.Literal(phone.text))


def _address(build: _Builder, service: ox.NamedNode, address: Address) -> None:
    parts = {name: getattr(address, key) for key, name in ADDRESS.items()}
    if any(parts.values()):
        node = ox.BlankNode()
        build.add(service, SCHEMA + "address", node)
        build.add(node, RDF_TYPE, ox.NamedNode(SCHEMA + "PostalAddress"))
        for name, value in parts.items():
            if value is not None:
                build.add(node, SCHEMA + name, ox.Literal(value.text))
    if address.latitude is None and address.longitude is None:
        return
    geo = ox.BlankNode()
    build.add(service, SCHEMA + "geo", geo)
    build.add(geo, RDF_TYPE, ox.NamedNode(SCHEMA + "GeoCoordinates"))
    for name, value in (("latitude", address.latitude), ("longitude", address.longitude)):
        if value is None:
            continue
        try:
            number = Decimal(value.text.strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            build.problems.append(Problem(value.where, f"not a number: {value.text!r}"))
            continue
        build.add(geo, SCHEMA + name,
                  ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal")))


def _organisation(build: _Builder, apart: _Builder, service: ox.NamedNode, known: set[str]
                  ) -> str | None:
    """Link the provider; describe it in ``apart`` when new. Returns the IRI of a new one."""
    org = build.record.organisation
    slug = organisation_slug(build.record)
    if org is None or not slug:
        return None
    if org.slug is not None and not SLUG.match(slug):
        build.problems.append(Problem(org.slug.where, f"not a slug (like au-maquis): {slug!r}"))
        return None
    node = ox.NamedNode(ID + "organisation/" + slug)
    build.add(service, PAS + "provider", node)
    if node.value in known:
        return None
    if org.name is None:
        where = org.slug.where if org.slug else build.record.where
        build.problems.append(Problem(where, f"organisation {slug!r} is not in the graph; "
                                             "give its name to create it"))
        return None
    apart.add(node, RDF_TYPE, ox.NamedNode(PAS + "Organisation"))
    apart.text(node, SCHEMA + "name", org.name, build.record.language)
    apart.text(node, SCHEMA + "description", org.description, build.record.language)
    apart.link(node, SCHEMA + "url", org.website)
    _contact(apart, node, org.email, [])
    return node.value


def _known_organisations(store: Store, records: list[ServiceRecord], graph: str) -> set[str]:
    """Organisations already described outside the import's own graph: linked, not re-created."""
    slugs = {organisation_slug(r) for r in records} - {None, ""}
    iris = " ".join(f"<{ID}organisation/{s}>" for s in sorted(slugs) if SLUG.match(s))
    if not iris:
        return set()
    rows = store.select(f"SELECT DISTINCT ?o WHERE {{ VALUES ?o {{ {iris} }} GRAPH ?g {{ ?o a ?t }}"
                        f" FILTER (?g != <{graph}>) }}")
    return {row["o"].value for row in rows}


@dataclass
class ImportResult:
    """How many records were stored, the problems of those left out, and notes on the rest."""

    imported: int
    skipped: list[Problem]
    notes: list[Problem]
    load: LoadResult


def _graph_metadata(graph: str, source: str) -> list[ox.Triple]:
    node = ox.NamedNode(graph)
    return [
        ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROV + "Entity")),
        ox.Triple(node, ox.NamedNode(DCT + "title"),
                  ox.Literal(f"Services imported from {source}", language="en")),
        ox.Triple(node, ox.NamedNode(DCT + "modified"),
                  ox.Literal(date.today().isoformat(), datatype=ox.NamedNode(XSD + "date"))),
    ]


def _located(record: ServiceRecord, path: str, message: str) -> Problem:
    return Problem(record.columns.get(path, record.where), message)


def import_records(store: Store, records: list[ServiceRecord], *, graph: str, source: str,
                   skip_invalid: bool = False) -> ImportResult:
    """Write the records into ``graph``, replacing what an earlier import of it put there.

    All records or none; with ``skip_invalid`` the invalid ones are left out and reported (and
    nothing is written when none is left). An organisation several records create is described
    once, by the first of them that is kept.
    """
    vocabularies = Vocabularies(store)
    known = _known_organisations(store, records, graph)
    built = [to_triples(record, vocabularies, known) for record in records]
    problems = {i: b.problems for i, b in enumerate(built) if b.problems}
    first: dict[str, str] = {}
    candidates = []
    for index, record in enumerate(records):
        iri = service_iri(record)
        if iri in first:
            problems.setdefault(index, []).append(Problem(
                record.where, f"the same service as {first[iri]} (same organisation and name)"))
        elif iri is not None:
            first[iri] = record.where
            candidates.append(index)
    # The rules are checked on every row that has triples, so that a row's problems are all
    # reported at once; only rows without problems are ever written.
    while candidates:
        graphs = {graph: _assemble(graph, source, [built[i] for i in candidates])}
        change = Change.plan(store, graphs, replace=True)
        report = check(store, change, batch=BATCH, progress=f"checking {source}")
        broken = _broken_records(report, candidates, built, records)
        if not report.conforms and not broken:
            raise ImportFailed([Problem(source, report.to_text())], source)
        for index, found in broken.items():
            problems.setdefault(index, []).extend(found)
        if problems and not skip_invalid:
            raise ImportFailed(_listed(problems), source)
        kept = [i for i in candidates if i not in problems]
        if kept == candidates:
            # A first import has nothing to replace: adding (one transaction still) spares the
            # store a SPARQL Update text holding every triple.
            load = write_checked(store, graphs, change, report, what=source,
                                 replace=bool(change.removed) or _has_graph(store, graph))
            notes = [n for i in kept for n in records[i].notes]
            return ImportResult(len(kept), _listed(problems), notes, load)
        candidates = kept
    if problems and not skip_invalid:
        raise ImportFailed(_listed(problems), source)
    return ImportResult(0, _listed(problems), [], LoadResult())


def _has_graph(store: Store, graph: str) -> bool:
    return bool(store.query(f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"))


def _listed(problems: dict[int, list[Problem]]) -> list[Problem]:
    return [p for i in sorted(problems) for p in problems[i]]


def _assemble(graph: str, source: str, built: list[Built]) -> list[ox.Triple]:
    triples = _graph_metadata(graph, source)
    described: set[str] = set()
    for item in built:
        triples += item.service
        if item.organisation and item.organisation not in described:
            described.add(item.organisation)
            triples += item.organisation_triples
    return triples


def _broken_records(report: Report, kept: list[int], built: list[Built],
                    records: list[ServiceRecord]) -> dict[int, list[Problem]]:
    """The records a finding names (by their service or new organisation), each finding placed
    on the column that holds the property."""
    named: dict[str, list[int]] = {}
    for index in kept:
        if built[index].service:
            named.setdefault(built[index].service[0].subject.value, []).append(index)
        if built[index].organisation:
            named.setdefault(built[index].organisation, []).append(index)
    broken: dict[int, list[Problem]] = {}
    for finding in report.violations:
        for index in named.get(finding.node.split(" ")[0], ()):
            message = f"{finding.message} [rule: {finding.shape_name}]"
            broken.setdefault(index, []).append(_located(records[index], finding.path, message))
    return broken
