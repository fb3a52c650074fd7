"""Importing services from outside formats: one neutral record a service, then one checked write.

The spreadsheet template (``template``) and Open Referral HSDS (``hsds``) are read into
``ServiceRecord``s that remember where each value came from ("row 4, column statuses" or
"$.services[2].languages[0]"), so every problem, whether a code that does not resolve or a
rule the shapes enforce, is reported where the steward can fix it. Each record becomes the write
API's JSON with those located values and goes through the write API's mapper
(``write.mapping``: one mapper, one code resolver, one ``slugify`` for every way in); the triples
go into one named graph by the write path's steps (plan, check, commit): all rows or none, unless
the caller asks to skip the invalid ones. A file is taken a part at a time, staged on disk
(``steps.Staged``), so an import's time grows with the file and its memory does not.
"""

from __future__ import annotations

import gc
import itertools
import re
import sys
from collections.abc import Iterable, Mapping, Sized
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox
from tqdm import tqdm

from passerelle.errors import InvalidData
from passerelle.graph.imports import checking
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import DCT, ID, PROV, RDF_TYPE, XSD
from passerelle.graph.read.codes import Resolver
from passerelle.graph.store.base import Store
from passerelle.graph.validation.gate import Report
from passerelle.graph.write import mapping, steps
from passerelle.graph.write.mapping import Problem, Value, slugify
from passerelle.graph.write.steps import LoadResult

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
BATCH = 5_000
"""Records read, mapped and checked at a time (a part of ``import_records``): its memory is
that of two parts (one mapped while the one before it is checked), whatever the file."""
SWITCH_S = 0.0005
"""How long a thread keeps Python's lock once another asks for it, while an import reads one
part and checks the one before (Python's default is 5 ms): the checks make hundreds of short
calls into the store a part, each giving the lock up and asking for it back, and at 5 ms a
call they would wait for the reading longer than they work."""
OLDEST_COLLECTIONS = 1_000
"""Collections of the younger generations before one of the oldest, while an import reads
its parts (Python's default is 10): the oldest generation holds the parts being read and
checked, which hold no cycles: walking them again and again took much of an import's time."""


class ImportFailed(InvalidData):
    """Some records cannot be imported; nothing was stored."""

    def __init__(self, problems: list[Problem], what: str):
        self.problems = problems
        super().__init__(f"{what}: {len(problems)} problem(s); nothing was stored\n"
                         + "\n".join(map(str, problems)))


@dataclass
class ServiceRecord:
    """One service as a source describes it, in the one record type of every way in: the write
    API's JSON (``json``, see ``write.mapping``), its leaves ``Value``s that remember where the
    source holds them. ``organisation`` is its provider's JSON as the source gives it (``id``, a
    slug, or a ``name`` to create it by). ``columns`` maps a property (``schema:email``) to where
    the source holds it, so that a rule broken on that property is reported there; ``problems``
    are what the reader already refused, ``notes`` what it could not use. ``droppable`` are
    problems with values the reader left out of ``json`` (coordinates out of range): they refuse
    the record, unless the import keeps the valid parts (``skip_invalid``), when they are only
    reported. ``iri`` is the service's IRI when the graph already has it under the source's id;
    an ``organisation_only`` record describes an organisation that no service names."""

    where: str
    language: str
    json: dict = field(default_factory=dict)
    organisation: dict | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    droppable: list[Problem] = field(default_factory=list)
    iri: str | None = None
    organisation_only: bool = False


def given(**fields) -> dict:
    """The fields a source gives (empty values left out): how readers build a record's JSON."""
    return {key: value for key, value in fields.items() if value}


def service_iri(record: ServiceRecord) -> str | None:
    if record.organisation_only:
        return None
    if record.iri is not None:
        return record.iri
    names = record.json.get("name", {})
    name = names.get("en") or next(iter(names.values()), None)
    if name is None or not slugify(name.text):
        return None
    organisation = organisation_slug(record)
    if organisation and not SLUG.match(organisation):
        organisation = slugify(organisation)  # the id is refused (``_provider``); no traceback
    stem = slugify(name.text)
    return ID + "service/" + (f"{organisation}-{stem}" if organisation else stem)


def organisation_slug(record: ServiceRecord) -> str | None:
    org = record.organisation
    if org is None:
        return None
    if org.get("id") is not None:
        return org["id"].text
    name = org.get("name")
    if isinstance(name, dict):
        name = name.get("en") or next(iter(name.values()), None)
    return slugify(name.text) if name is not None else None


@dataclass
class Built:
    """A record's triples as N-Triples lines (the mapper's ``text``: an import writes and
    checks text): its service's, and its organisation's when the import creates it."""

    service: list[str]
    organisation: str | None = None
    """The organisation's IRI when the record describes it."""
    organisation_triples: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    iri: str | None = None
    """The service's IRI (``service_iri``)."""


def to_triples(record: ServiceRecord, resolver: Resolver, known: set[str]) -> Built:
    """The service's triples, and its organisation's unless ``known`` already holds it: the
    record becomes the write API's JSON (with located values) and goes through its mapper."""
    iri = service_iri(record)
    problems = list(record.problems)
    options = {"resolver": resolver, "problems": problems, "where": record.where, "text": True}
    slug, refused = _provider(record)
    if record.organisation_only:
        return _organisation_only(record, resolver, known, slug, refused, options)
    if iri is None:
        return Built([], problems=[*record.problems, Problem(record.where,
                                                             "a service needs a name")])
    built = _service(record, resolver, known, iri, slug, refused, problems, options)
    built.iri = iri
    return built


def _service(record: ServiceRecord, resolver: Resolver, known: set[str], iri: str,
             slug: str | None, refused: list[Problem], problems: list[Problem],
             options: dict) -> Built:
    json = given(lang=record.language, **{**record.json, "provider": slug, "last_verified":
                 _day(record.json.get("last_verified"), problems)})
    service = mapping.service(resolver.store, json, iri, base=ID, modified=None,
                              known=mapping.IMPORTED_FIELDS, **options)
    problems.extend(refused)
    org = record.organisation
    node = ID + "organisation/" + slug if slug else None
    if org is None or node is None or node in known:
        return Built(service, problems=problems)
    if org.get("name") is None:
        where = org["id"].where if org.get("id") else record.where
        problems.append(Problem(where, f"organisation {slug!r} is not in the graph; give its "
                                       "name to create it"))
        return Built(service, problems=problems)
    json = given(lang=record.language, **{k: v for k, v in org.items() if k != "id"})
    described = mapping.organisation(resolver.store, json, node, base=ID, modified=None,
                                     **options)
    return Built(service, node, described, problems)


def _organisation_only(record: ServiceRecord, resolver: Resolver, known: set[str],
                       slug: str | None, refused: list[Problem], options: dict) -> Built:
    """An organisation no service of the source names: described unless the graph has it."""
    problems = options["problems"]
    problems.extend(refused)
    node = ID + "organisation/" + slug if slug else None
    org = record.organisation or {}
    if node is None or org.get("name") is None:
        problems.append(Problem(record.where, "an organisation needs a name"))
        return Built([], problems=problems)
    if node in known:
        return Built([], problems=problems)
    json = given(lang=record.language, **{k: v for k, v in org.items() if k != "id"})
    described = mapping.organisation(resolver.store, json, node, base=ID, modified=None,
                                     **options)
    return Built([], node, described, problems)


def _provider(record: ServiceRecord) -> tuple[str | None, list[Problem]]:
    """The provider's slug, or None with the problem when the source's id is not a slug."""
    org, slug = record.organisation, organisation_slug(record)
    if org is None or not slug:
        return None, []
    if org.get("id") is not None and not SLUG.match(slug):
        return None, [Problem(org["id"].where, f"not a slug (like au-maquis): {slug!r}")]
    return slug, []


def _day(value: Value | None, problems: list[Problem]) -> Value | None:
    """A date as a source writes it, checked here: an outside file's dates are ISO 8601
    (YYYY-MM-DD), said where they are not."""
    if value is None:
        return None
    try:
        return Value(date.fromisoformat(value.text).isoformat(), value.where)
    except ValueError:
        problems.append(Problem(value.where, f"not a date (YYYY-MM-DD): {value.text!r}"))
        return None


def _known_organisations(store: Store, records: list[ServiceRecord], graph: str) -> set[str]:
    """Organisations already described outside the import's own graph: linked, not re-created."""
    slugs = {organisation_slug(r) for r in records} - {None, ""}
    iris = [ox.NamedNode(f"{ID}organisation/{s}") for s in sorted(slugs) if SLUG.match(s)]
    if not iris:
        return set()
    rows = store.select(values(queries.text("typed-in-other-graphs"),
                               {"o": iris, "own": [ox.NamedNode(graph)]}))
    return {row["o"].value for row in rows}


@dataclass
class ImportResult:
    """How many records were stored, the problems of those left out, and notes on the rest."""

    imported: int
    skipped: list[Problem]
    notes: list[Problem]
    load: LoadResult
    organisations: int = 0
    """Organisations stored on their own (no service of the source names them)."""
    checked_only: bool = False
    """A dry run: everything was checked and nothing written."""
    read: int = 0
    """Records read."""


def _graph_metadata(graph: str, source: str) -> list[str]:
    node = ox.NamedNode(graph)
    return [f"{t.subject} {t.predicate} {t.object} .\n" for t in (
        ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROV + "Entity")),
        ox.Triple(node, ox.NamedNode(DCT + "title"),
                  ox.Literal(f"Services imported from {source}", language="en")),
        ox.Triple(node, ox.NamedNode(DCT + "modified"),
                  ox.Literal(date.today().isoformat(), datatype=ox.NamedNode(XSD + "date"))),
    )]


def _located(record: ServiceRecord, path: str, message: str) -> Problem:
    return Problem(record.columns.get(path, record.where), message)


def import_records(store: Store, records: Iterable[ServiceRecord], *, graph: str, source: str,
                   skip_invalid: bool = False, check_only: bool = False,
                   progress: bool | None = None, engine: str = "scratch") -> ImportResult:
    """Write the records into ``graph``, replacing what an earlier import of it put there.

    All records or none; with ``skip_invalid`` the invalid ones are left out and reported (and
    nothing is written when none is left), and the values a reader left out of a kept record
    (its ``droppable`` problems) are reported with them. An organisation several records create
    is described once, by the first of them that is kept. ``check_only``: everything is checked
    and reported, nothing is written.

    The records are read, mapped and checked ``BATCH`` at a time, each part staged as a write
    of the write path (``steps.Staged``) and checked in a scratch store of its own
    (``checking``) that also holds the organisations the parts before it describe (the only
    nodes a later record names), so time grows with the file and memory stays that of one part
    and those organisations; the graph is replaced in one step at the end, and not at all when
    a record is refused. A graph that holds nothing yet is filled while the later parts are
    checked (``Staged.load_meanwhile``), and emptied again when a record is refused.
    ``progress`` shows a bar on standard error (None: when it is a terminal).
    ``engine="write-path"`` checks each part by ``steps.check`` instead, as any
    write (pySHACL for a few nodes): the reference the scratch checks are tested against.
    """
    run = _Run(store, graph, source, skip_invalid, engine)
    total = len(records) if isinstance(records, Sized) else None
    numbered = enumerate(records)
    fresh = not check_only and not steps.graph_exists(store, graph)
    with steps.Staged(store, [graph]) as run.staged, \
            tqdm(total=total, desc=f"importing {source}", unit=" records",
                 delay=0 if progress else 1.0, file=sys.stderr,
                 disable={True: False, None: None, False: True}[progress], leave=False) as bar:
        if fresh:
            run.staged.load_meanwhile()
        _parts(run, numbered, bar)
        if run.problems and not skip_invalid:
            raise ImportFailed(run.problems, source)
        if not run.kept:
            return ImportResult(0, run.problems + run.dropped, [], LoadResult(),
                                checked_only=check_only, read=run.read)
        rest = run.staged.plan_rest()
        report = steps.check(store, rest)
        if not report.conforms:
            raise ImportFailed([Problem(source, report.to_text())], source)
        report = Report(conforms=True, violations=[],
                        warnings=sorted(set(run.warnings) | set(report.warnings),
                                        key=lambda f: (f.node, f.path, f.shape, f.value)))
        load = LoadResult() if check_only else run.staged.commit(rest, report, what=source)
    return ImportResult(run.kept - run.lone, run.problems + run.dropped_kept, run.notes, load,
                        run.lone, check_only, run.read)


@dataclass
class _Part:
    """A part of the records, mapped: each record's triples, its problems so far (by index)
    and the records to check."""

    records: list[ServiceRecord]
    built: list[Built]
    problems: dict[int, list[Problem]]
    candidates: list[int]


class _Run:
    """One import's state between its parts: what was seen, kept, described and refused."""

    def __init__(self, store: Store, graph: str, source: str, skip_invalid: bool,
                 engine: str = "scratch"):
        self.store, self.graph, self.source = store, graph, source
        self.engine = engine
        self.checks = checking.PartChecks(store, graph)
        self.skip_invalid = skip_invalid
        self.resolver = Resolver(store)
        self.staged: steps.Staged
        self.known: set[str] = set()
        self.first: dict[str, str] = {}
        """Each service (or lone organisation) IRI and the record that gave it first."""
        self.described: set[str] = set()
        """Organisations the staged parts describe."""
        self.problems: list[Problem] = []
        self.dropped: list[Problem] = []
        self.dropped_kept: list[Problem] = []
        self.notes: list[Problem] = []
        self.warnings: list = []
        self.read = self.kept = self.lone = 0
        self.metadata = True

    def prepare(self, records: list[ServiceRecord]) -> _Part:
        """Map one part of the records and find what is wrong with its rows on their own."""
        self.read += len(records)
        self.known |= _known_organisations(self.store, records, self.graph)
        built = [to_triples(record, self.resolver, self.known) for record in records]
        problems = {i: b.problems for i, b in enumerate(built) if b.problems}
        self.dropped += [p for r in records for p in r.droppable]
        if not self.skip_invalid:
            for index, record in enumerate(records):
                if record.droppable:
                    problems.setdefault(index, []).extend(record.droppable)
        candidates = []
        for index, record in enumerate(records):
            iri = built[index].iri or (built[index].organisation
                                          if record.organisation_only else None)
            if record.organisation_only and iri is None and index not in problems:
                continue
            if iri in self.first:
                problems.setdefault(index, []).append(Problem(
                    record.where,
                    f"the same service as {self.first[iri]} (same organisation and name)"))
            elif iri is not None:
                self.first[iri] = record.where
                candidates.append(index)
        return _Part(records, built, problems, candidates)

    def finish(self, part: _Part) -> None:
        """Check a mapped part and stage what may be stored."""
        records, built, problems, candidates = (part.records, part.built, part.problems,
                                                part.candidates)
        # The rules are checked on every row that has triples, so that a row's problems are all
        # reported at once; only rows without problems are ever written.
        while candidates:
            lines = self._assemble([built[i] for i in candidates])
            text = "".join(lines).encode()
            report = self._check(text, [built[i] for i in candidates])
            broken = _broken_records(report, candidates, built, records)
            if not report.conforms and not broken:
                raise ImportFailed([Problem(self.source, report.to_text())], self.source)
            for index, found in broken.items():
                problems.setdefault(index, []).extend(found)
            kept = [i for i in candidates if i not in problems]
            if kept == candidates or not self.skip_invalid:
                # Refused rows are staged too when the import will be refused: the later
                # parts are then checked as if the file were whole, and nothing is stored.
                self._stage(text, len(lines), [built[i] for i in candidates])
                self.warnings += report.warnings
                break
            candidates = kept
        kept = [i for i in candidates if i not in problems]
        self.problems += _listed(problems)
        self.kept += len(kept)
        self.lone += sum(1 for i in kept if records[i].organisation_only)
        self.notes += [n for i in kept for n in records[i].notes]
        self.dropped_kept += [p for i in kept for p in records[i].droppable]

    def _assemble(self, built: list[Built]) -> list[str]:
        triples = _graph_metadata(self.graph, self.source) if self.metadata else []
        described: set[str] = set(self.described)
        for item in built:
            triples += item.service
            if item.organisation and item.organisation not in described:
                described.add(item.organisation)
                triples += item.organisation_triples
        return triples

    def _check(self, text: bytes, built: list[Built]) -> Report:
        """The findings on a part (its triples as N-Triples ``text``), checked as the write
        path checks a write (``steps.check``) or in a scratch store (``checking``)."""
        if self.engine == "write-path":
            triples = list(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
            return steps.check(self.store, self.staged.plan({self.graph: triples}))
        subjects = {item.iri for item in built if item.service and item.iri}
        subjects |= {item.organisation for item in built if item.organisation}
        return self.checks.check(text, subjects, self.staged.scratch)

    def _stage(self, text: bytes, size: int, built: list[Built]) -> None:
        """Stage a checked part, with the organisations it describes as what later parts may
        point to (no other node of an import is named by another record)."""
        referable: list[str] = []
        for item in built:
            if item.organisation and item.organisation not in self.described:
                self.described.add(item.organisation)
                referable += item.organisation_triples
        self.staged.add_text(self.graph, text, size,
                             ox.parse("".join(referable).encode(),
                                      format=ox.RdfFormat.N_TRIPLES))
        self.metadata = False


def _parts(run: _Run, numbered, bar) -> None:
    """Read and map each part while the part before it is checked and staged: checking is
    the store's work (its scratch stores and queries run outside Python's lock), reading and
    mapping Python's, so on two processors the one waits less for the other. Parts are
    checked and staged one after another, in the file's order."""
    with _interpreter_for_parts(), \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-checks") as checks:
        pending = None
        while part := list(itertools.islice(numbered, BATCH)):
            prepared = run.prepare([record for _, record in part])
            if pending is not None:
                pending.result()
            pending = checks.submit(run.finish, prepared)
            bar.update(len(part))
        if pending is not None:
            pending.result()


@contextmanager
def _interpreter_for_parts():
    """Python's lock handed over sooner (``SWITCH_S``) and its oldest objects left alone
    (``OLDEST_COLLECTIONS``) while the parts are read and checked, as they were after."""
    switch, thresholds = sys.getswitchinterval(), gc.get_threshold()
    sys.setswitchinterval(SWITCH_S)
    gc.set_threshold(thresholds[0], thresholds[1], OLDEST_COLLECTIONS)
    try:
        yield
    finally:
        sys.setswitchinterval(switch)
        gc.set_threshold(*thresholds)


def _listed(problems: dict[int, list[Problem]]) -> list[Problem]:
    return [p for i in sorted(problems) for p in problems[i]]


def _broken_records(report: Report, kept: list[int], built: list[Built],
                    records: list[ServiceRecord]) -> dict[int, list[Problem]]:
    """The records a finding names (by their service or new organisation), each finding placed
    on the column that holds the property."""
    named: dict[str, list[int]] = {}
    for index in kept:
        if built[index].service and built[index].iri:
            named.setdefault(built[index].iri, []).append(index)
        if built[index].organisation:
            named.setdefault(built[index].organisation, []).append(index)
    broken: dict[int, list[Problem]] = {}
    for finding in report.violations:
        for index in named.get(finding.node.split(" ")[0], ()):
            message = f"{finding.message} [rule: {finding.shape_name}]"
            broken.setdefault(index, []).append(_located(records[index], finding.path, message))
    return broken
