"""Validating a write by what it touches, so a write costs the same on a small or a large graph.

A full SHACL run grows with the whole graph, while a write changes a handful of nodes.
What a write can break:
- the nodes it adds triples to or removes triples from: their own shapes (names, counts, types);
- the nodes that point to a node losing its type or scheme: shapes look at what a node points to
  only through `sh:class` (its `rdf:type`) and `pash:inScheme` (its `skos:inScheme`), so deleting
  an organisation still named as a provider breaks the service, not the organisation.
So the check validates those nodes' triples as they will be after the write, together with the
triples of everything they point to (types, schemes) and the ontology's class hierarchy, and
nothing else. The concepts come from the store, which holds the vocabularies from its creation.
tests/graph/test_incremental_validation.py holds it to the full check on every invalid example
and guards the assumption above about what the shapes read.

Blank nodes (addresses, contact points, coordinates) belong to the IRI node that holds them: a
changed blank node makes its holder a touched node, and a node travels with its blank nodes.

Each batch of touched nodes, with what it points to, goes to SPARQL checks compiled from the
shapes and run by Oxigraph (``compiled``), which give pySHACL's findings (``gate``, kept as the
reference and selectable with ``engine="pyshacl"``). A write of a few nodes runs only the checks
whose targets its data matches (``_focused``): most of what pySHACL spends on a single-service
write goes to building its shapes and walking every shape for focus nodes. Bulk loads and
imports run every check over batches of ``SPARQL_BATCH`` nodes.
"""

from __future__ import annotations

import functools
import itertools
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH
from tqdm import tqdm

from passerelle.graph.rdf import queries, xml_safety
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.formats import rdflib_graph
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH, PASH, RDF_TYPE, RDFS, SKOS, XSD
from passerelle.graph.store.base import Store
from passerelle.graph.validation import compiled, functions
from passerelle.graph.validation.gate import Report, load_class_axioms, load_shapes, validate

Graphs = dict[str, list[ox.Triple]]

POINTED_AT = frozenset({RDF_TYPE, SKOS + "inScheme"})
"""The only predicates of a node that shapes of *other* nodes read (see the module docstring)."""

BLANK_DEPTH = 3
"""How deep blank nodes nest under a stored node (an event's place holds an address: 2); the
question ``stored-statements-of-nodes.rq`` reads that many levels."""

SPARQL_FROM = 200
"""Touched nodes from which every compiled check runs on batches of ``SPARQL_BATCH``; below it a
write is checked in one go by the checks its data can match (``_focused``)."""

SPARQL_BATCH = 5_000
"""Nodes checked at a time by the SPARQL checks: the scratch store holds one batch."""

PASH_IN_SCHEME = rdflib.URIRef(PASH + "inScheme")
HIERARCHY = frozenset({SKOS + "broader", SKOS + "inScheme"})
XSD_STRING = XSD + "string"
SUBCLASS = RDFS + "subClassOf"
PROBE = ox.NamedNode("urn:x-passerelle:check:literal")
"""Subject and predicate under which ``_canonical`` reads literals back from a store."""


@dataclass
class Change:
    """One write as the store will apply it.

    ``graphs`` is the incoming content; with ``replace`` each of those graphs loses what it held.
    ``deleted`` lists quads a write removes explicitly (graph IRI -> triples). ``added`` and
    ``removed`` are the triples that really change: replacing a graph with nearly the same content
    touches only the difference. A parsed document's blank nodes are new nodes (see
    ``loader.parse``), so its triples with blank nodes always count as changed.
    """

    graphs: Graphs
    replace: bool = False
    deleted: Graphs = field(default_factory=dict)
    added: list[ox.Triple] = field(default_factory=list)
    removed: list[ox.Triple] = field(default_factory=list)

    existing: set[str] = field(default_factory=set)
    """Of the replaced graphs, those that held data before the write."""
    staged: ox.Store | None = None
    """What earlier checked parts of a large write built part by part (``steps.Staged``) may be
    pointed at by later ones: the organisations they described, or, when the write replaces a
    graph that held data, all they staged. Read node by node with ``graphs``."""
    _hierarchy: bool | None = field(default=None, repr=False, compare=False)

    @classmethod
    def plan(cls, store: Store, graphs: Graphs, *, replace: bool = False,
             deleted: Graphs | None = None, before: Graphs | None = None) -> Change:
        """``before`` holds old contents the caller has read already; the other replaced graphs
        are read here, each once."""
        change = cls(graphs, replace, deleted or {})
        change.removed = [t for triples in change.deleted.values() for t in triples]
        if not replace:
            change.added = [t for triples in graphs.values() for t in triples]
            return change
        for graph, triples in graphs.items():
            old = set(before[graph]) if before and graph in before else \
                {q.triple for q in store.quads(graph)}
            if not old:
                change.added += triples
                continue
            change.existing.add(graph)
            new = set(triples)
            change.added += [t for t in new if t not in old]
            change.removed += [t for t in old if t not in new]
        return change

    def touches_hierarchy(self) -> bool:
        """Whether the derived concept closure must be rebuilt after this write (read once:
        ``check`` and ``commit`` both ask, and a bulk change has millions of triples)."""
        if self._hierarchy is None:
            concept = SKOS + "Concept"
            self._hierarchy = INFERRED_GRAPH in self.graphs or any(
                t.predicate.value in HIERARCHY
                or (t.predicate.value == RDF_TYPE and t.object.value == concept)
                for t in itertools.chain(self.added, self.removed)
            )
        return self._hierarchy


class _After:
    """The graph as it will be after a change, read for a few nodes at a time."""

    def __init__(self, store: Store, change: Change):
        self.store = store
        self.skip = {INFERRED_GRAPH, *(change.graphs if change.replace else ())}
        self.staged = change.staged
        self.deleted = {(t, g) for g, triples in change.deleted.items() for t in triples}
        self.incoming: dict[object, list[ox.Triple]] = {}
        for triples in change.graphs.values():
            for t in triples:
                self.incoming.setdefault(t.subject, []).append(t)

    def triples(self, nodes: Iterable) -> set[ox.Triple]:
        """The nodes' triples after the change, with the blank nodes they hold."""
        out: set[ox.Triple] = set()
        todo, seen = list(nodes), set(nodes)
        while todo:
            node = todo.pop()
            found = self.incoming.get(node, ())
            if self.staged is not None:
                found = itertools.chain(found, (
                    q.triple for q in self.staged.quads_for_pattern(node, None, None)))
            for t in found:
                out.add(t)
                if isinstance(t.object, ox.BlankNode) and t.object not in seen:
                    seen.add(t.object)
                    todo.append(t.object)
        iris = [n for n in seen if isinstance(n, ox.NamedNode)]
        sparql = values(queries.text("stored-statements-of-nodes"), {"root": _sorted(iris)})
        for row in self.store.query(sparql) if iris else ():
            graph = row["g"].value
            triple = ox.Triple(row["s"], row["p"], row["o"])
            if graph not in self.skip and (triple, graph) not in self.deleted:
                out.add(triple)
        return out


def _sorted(nodes: Iterable[ox.NamedNode]) -> list[ox.NamedNode]:
    return sorted(nodes, key=lambda n: n.value)


def _holders(triples: Iterable[ox.Triple]) -> dict[object, set]:
    held: dict[object, set] = {}
    for t in triples:
        if isinstance(t.object, ox.BlankNode):
            held.setdefault(t.object, set()).add(t.subject)
    return held


def _owners(node, holders: dict[object, set]) -> set[ox.NamedNode]:
    """The IRI nodes that hold ``node`` through blank nodes (the node itself if an IRI)."""
    found, todo, seen = set(), [node], {node}
    while todo:
        current = todo.pop()
        if isinstance(current, ox.NamedNode):
            found.add(current)
            continue
        for holder in holders.get(current, ()):
            if holder not in seen:
                seen.add(holder)
                todo.append(holder)
    return found


def _stored_holders(store: Store, triple: ox.Triple) -> set[ox.NamedNode]:
    """IRIs holding a blank node with this triple: a superset is safe, it only checks more."""
    bindings = {"p": [triple.predicate]}
    if not isinstance(triple.object, ox.BlankNode):
        bindings["o"] = [triple.object]
    rows = store.query(values(queries.text("holders-of-blank-statement"), bindings))
    return {row["s"] for row in rows}


@functools.cache
def shape_links() -> tuple[frozenset[str], frozenset[str]]:
    """Predicates whose values shapes check by type or scheme, and those that make their
    values targets (``sh:targetObjectsOf``), read from the shapes."""
    shapes = load_shapes()
    checked = {
        str(path) for shape, path in shapes.subject_objects(SH.path)
        if (shape, SH["class"], None) in shapes or (shape, PASH_IN_SCHEME, None) in shapes
    }
    targeting = {str(p) for p in shapes.objects(None, SH.targetObjectsOf)}
    return frozenset(checked), frozenset(targeting)


@functools.cache
def _read_by_shapes(predicate: str) -> bool:
    """Whether a shape may read ``predicate``'s values: it is an IRI the shapes give as a value
    (paths, targets, ``sh:equals``...) or its local name appears in a SPARQL text of theirs.
    A superset is safe: it only sends more writes to pySHACL."""
    named, texts = _shape_vocabulary()
    local = predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return predicate in named or any(local in text for text in texts)


@functools.cache
def _shape_vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    shapes = load_shapes()
    named = frozenset(str(o) for o in shapes.objects() if isinstance(o, rdflib.URIRef))
    texts = tuple(str(o) for p in (SH.select, SH.ask, SH.construct)
                  for o in shapes.objects(None, p))
    return named, texts


def _referrers(store: Store, nodes: set[ox.NamedNode]) -> set[ox.NamedNode]:
    """IRI nodes whose checked links point to any of ``nodes`` (directly or via a blank node)."""
    if not nodes:
        return set()
    links = [ox.NamedNode(p) for p in sorted(shape_links()[0])]
    rows = store.query(values(queries.text("referrers-by-links"),
                              {"target": _sorted(nodes), "p": links}))
    return {row["s"] for row in rows}


def touched(store: Store, change: Change) -> tuple[set[ox.NamedNode], set[ox.BlankNode]]:
    """The IRI nodes to re-check, and incoming blank nodes that no IRI holds."""
    nodes: set[ox.NamedNode] = set()
    loose: set[ox.BlankNode] = set()
    incoming = _holders(t for triples in change.graphs.values() for t in triples)
    for t in change.added:
        owners = _owners(t.subject, incoming)
        nodes |= owners
        if not owners:
            loose.add(t.subject)
    outgoing = _holders(change.removed)
    lost: set[ox.NamedNode] = set()
    for t in change.removed:
        nodes |= _owners(t.subject, outgoing) or _stored_holders(store, t)
        if isinstance(t.subject, ox.NamedNode) and t.predicate.value in POINTED_AT:
            lost.add(t.subject)
    return nodes | _referrers(store, lost), loose


def check(store: Store, change: Change, *, batch: int | None = None,
          progress: str | None = None, engine: str | None = None) -> Report:
    """Validate a planned change against the store without writing it.

    With ``batch``, the touched nodes are validated that many at a time, each batch with the
    triples it points to: the report is the same, and the validator's memory stays that of one
    batch however large the change (an import of 100,000 rows). ``progress`` names a progress
    bar on standard error, shown on a terminal when the check takes more than a second.
    ``engine`` is ``"pyshacl"`` (the reference), ``"sparql"`` (every compiled check) or
    ``"focused"`` (the compiled checks the data can match); by default a change touching
    ``SPARQL_FROM`` nodes or more is checked by ``"sparql"`` in batches of ``SPARQL_BATCH``,
    a smaller one by ``"focused"``.
    """
    nodes, loose = touched(store, change)
    after = _After(store, change)
    todo = [*sorted(nodes, key=lambda n: n.value), *loose]
    if engine is None:
        engine = "sparql" if len(todo) >= SPARQL_FROM else "focused"
    gate = {"pyshacl": _pyshacl, "focused": _focused}.get(engine) or compiled.default().check
    if engine == "sparql":
        batch = SPARQL_BATCH
    size = batch or len(todo) or 1
    reports = []
    with tqdm(total=len(todo), desc=progress, unit=" nodes", delay=1.0, file=sys.stderr,
              disable=None if progress else True, leave=False) as bar:
        for start in range(0, max(len(todo), 1), size):
            chunk = todo[start:start + size]
            reports.append(_check_nodes(after, {n for n in chunk if n in nodes},
                                        {n for n in chunk if n not in nodes}, gate))
            bar.update(len(chunk))
    return xml_safety.guard(_merged(reports), change.added)


def _pyshacl(data: set[ox.Triple], context: set[ox.Triple]) -> Report:
    return validate(rdflib_graph(data), rdflib_graph(context), ontology=load_class_axioms())


def _focused(data: set[ox.Triple], context: set[ox.Triple]) -> Report:
    """The compiled checks whose targets the data matches, in a scratch store laid out as a bulk
    load's (``compiled.DATA`` beside ``compiled.CONTEXT``).

    Oxigraph stores a typed literal in its canonical form: "016" is read back "16", "1" as
    "true", and an ``xsd:positiveInteger`` as an ``xsd:integer``, so a datatype check would
    pass it. pySHACL reads the literal as written; a write holding such a literal (none the API
    writes) is checked by pySHACL, so the findings stay pySHACL's in every case.
    """
    project = compiled.default()
    if project.routed or not _canonical(data):
        return _pyshacl(data, context)
    scratch = ox.Store()
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, compiled.DATA) for t in data)
    scratch.extend(ox.Quad(t.subject, t.predicate, t.object, compiled.CONTEXT)
                   for t in itertools.chain(context, compiled.class_axioms()))
    chosen = {check: tested for check, tested in _matching_checks(data, context)
              if tested is None or not _passed_before(check, tested)}

    def ask(check: compiled.Check):
        if check not in chosen:
            return ()
        solutions = scratch.query(check.sparql, use_default_graph_as_union=True,
                                  custom_functions=functions.OXIGRAPH)
        rows = _Rows(solutions)
        rows.variables = solutions.variables
        if chosen[check] is not None:
            _remember_passed(check, chosen[check] - {row["value"] for row in rows})
        return rows

    return compiled.to_report(project.findings(scratch, ask))


class _Rows(list):
    """A query's solutions, read once and kept: ``Compiled.findings`` reads them after
    ``_focused`` has noted which values failed."""

    variables: list = []


VALUE_KINDS = frozenset({"datatype", "or", "node-kind", "in", "pattern", "min-inclusive",
                         "max-inclusive", "min-exclusive", "max-exclusive"})
"""Compiled checks of a property's values whose verdict on a value depends on the value alone
(``values.rq`` with a test of the value: not ``class`` nor a constraint component, which read
what the value points to): a value that passed once passes again, and is not asked again."""

PASSED_MOST = 50_000
"""Values remembered as passed, all checks together; past it the memory starts afresh."""

_passed: dict[compiled.Check, set] = {}
_passed_lock = threading.Lock()


def _passed_before(check: compiled.Check, values: set) -> bool:
    with _passed_lock:
        return values <= _passed.get(check, set())


def _remember_passed(check: compiled.Check, values: set) -> None:
    with _passed_lock:
        if sum(map(len, _passed.values())) + len(values) > PASSED_MOST:
            _passed.clear()
        _passed.setdefault(check, set()).update(values)


def _matching_checks(data: set[ox.Triple], context: set[ox.Triple]
                     ) -> list[tuple[compiled.Check, set | None]]:
    """The compiled checks that can find something in ``data``; the others return nothing,
    and asking Oxigraph costs a query's parsing and planning each. A check is left out when
    no focus node of its shape is in the data (the targets read as the focus patterns of
    ``rdf/queries/shacl`` read them), when it tests a property's values and the data gives
    none, or when it counts a property's values and every focus node has a count it allows
    (``min-count.rq`` counts over data and context, ``max-count.rq`` over the data). Each
    check comes with the values it tests when its verdict is the value's alone
    (``VALUE_KINDS``), else None."""
    subjects = {t.subject for t in data}
    predicates = {t.predicate.value for t in data}
    subclasses = _subclasses(frozenset(
        (t.subject.value, t.object.value) for t in itertools.chain(data, context)
        if t.predicate.value == SUBCLASS and isinstance(t.object, ox.NamedNode)))
    given: dict[tuple, set] = {}
    everywhere: dict[tuple, set] = {}
    for t in data:
        given.setdefault((t.subject, t.predicate.value), set()).add(t.object)
    for t in itertools.chain(data, context):
        everywhere.setdefault((t.subject, t.predicate.value), set()).add(t.object)
    found = []
    focused: dict[tuple[str, str], set] = {}
    for check, targets, count in _check_targets():
        path = str(check.path) if check.path is not None else None
        if check.kind not in ("min-count", "sparql") and path is not None \
                and path not in predicates:
            continue
        focus: set = set()
        for target in targets:
            if target not in focused:
                focused[target] = _focus_of(target, data, context, subjects, subclasses)
            focus |= focused[target]
        if not focus:
            continue
        if check.kind == "min-count" and all(
                len(everywhere.get((node, path), ())) >= count for node in focus):
            continue
        if check.kind == "max-count" and all(
                len(given.get((node, path), ())) <= count for node in focus):
            continue
        found.append((check, {v for node in focus for v in given.get((node, path), ())}
                      if check.kind in VALUE_KINDS and path is not None else None))
    return found


def _focus_of(target: tuple[str, str], data: set[ox.Triple], context: set[ox.Triple],
              subjects: set, subclasses: dict[str, frozenset[str]]) -> set:
    """The focus nodes one target of a shape finds in the data."""
    kind, iri = target
    if kind == "class":
        classes = subclasses.get(iri, {iri})
        return {t.subject for t in data
                if t.predicate.value == RDF_TYPE and t.object.value in classes}
    if kind == "subjects-of":
        return {t.subject for t in data if t.predicate.value == iri}
    if kind == "objects-of":
        return {t.object for t in itertools.chain(data, context)
                if t.predicate.value == iri and t.object in subjects}
    return {ox.NamedNode(iri)} & subjects


@functools.cache
def _check_targets() -> tuple[tuple[compiled.Check, tuple[tuple[str, str], ...], int], ...]:
    """Each compiled check with its shape's targets, as (kind, IRI) pairs, and for a count
    check the count it allows."""
    project = compiled.default()
    kinds = {predicate: template.removeprefix("focus-")
             for predicate, (template, _) in compiled.TARGETS.items()}
    counts = {"min-count": SH.minCount, "max-count": SH.maxCount}
    return tuple(
        (check,
         tuple((kind, str(target)) for predicate, kind in kinds.items()
               for target in project.shapes.objects(check.shape, predicate)),
         int(project.shapes.value(check.shape, counts[check.kind]))
         if check.kind in counts else 0)
        for check in project.checks)


@functools.lru_cache(maxsize=64)
def _subclasses(given: frozenset[tuple[str, str]]) -> dict[str, frozenset[str]]:
    """Each class with its subclasses, itself included, by the ontology's class hierarchy and
    the (subclass, class) pairs ``given`` beside it (those the checked triples state)."""
    broader: dict[str, set[str]] = {}
    for sub, parent in itertools.chain(
            ((t.subject.value, t.object.value) for t in compiled.class_axioms()), given):
        broader.setdefault(sub, set()).add(parent)
    found: dict[str, set[str]] = {}
    for start in broader:
        todo, seen = [start], {start}
        while todo:
            for parent in broader.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        for parent in seen:
            found.setdefault(parent, {parent}).add(start)
    return {c: frozenset(s) for c, s in found.items()}


def _canonical(data: Iterable[ox.Triple]) -> bool:
    """Whether Oxigraph keeps as written every typed literal of ``data`` that a shape may read
    (a write's ``dct:modified`` changes form, "+00:00" read back "Z", but no shape reads it)."""
    typed = {t.object for t in data if isinstance(t.object, ox.Literal)
             and not t.object.language and t.object.datatype.value != XSD_STRING
             and _read_by_shapes(t.predicate.value)}
    if not typed:
        return True
    probe = ox.Store()
    probe.extend(ox.Quad(PROBE, PROBE, literal) for literal in typed)
    return {q.object for q in probe} == typed


def _check_nodes(after: _After, nodes: set, loose: set, gate) -> Report:
    data = after.triples(nodes | loose)
    targets = shape_links()[1]
    targeted = {t.object for t in data
                if t.predicate.value in targets and isinstance(t.object, ox.NamedNode)} - nodes
    if targeted:
        nodes = nodes | targeted
        data |= after.triples(targeted)
    pointed = {t.object for t in data if isinstance(t.object, ox.NamedNode)} - nodes
    context = after.triples(pointed) if pointed else set()
    return gate(data, context)


def _merged(reports: list[Report]) -> Report:
    if len(reports) == 1:
        return reports[0]
    violations = sorted({f for r in reports for f in r.violations},
                        key=lambda f: (f.node, f.path, f.shape, f.value))
    warnings = sorted({f for r in reports for f in r.warnings},
                      key=lambda f: (f.node, f.path, f.shape, f.value))
    return Report(conforms=not violations, violations=violations, warnings=warnings)
