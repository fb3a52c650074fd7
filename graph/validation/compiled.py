"""SHACL run by the store: the shapes compiled to SPARQL checks that Oxigraph answers.

pySHACL checks a node in about 9 ms from Python, so a bulk load of a million triples would take
hours; Oxigraph answers a check over a whole batch in milliseconds. So the shapes are compiled,
when first needed, into one SELECT a constraint, built from the templates in
``rdf/queries/shacl/`` with the shape's parameters pre-bound (as SHACL-SPARQL pre-binds them):
the focus nodes come from the shape's targets, the failing values from the constraint's test.
A batch is checked in a scratch in-memory Oxigraph store holding the batch's data (the touched
nodes as they will be after the write, in one graph) and its context (what they point to, and
the ontology's class hierarchy), the same two parts pySHACL is given, so a remote engine is
checked the same way and nothing is written to the real store before the write commits.

pySHACL stays the reference: tests/graph/test_compiled_validation.py holds both to the same
findings on every example and on randomly broken copies of the seed. A shape with a constraint
this module cannot compile (a kind not listed in ``_compile_shape``, a path that is not one
IRI, a SPARQL text with pre-bound variables other than ``$this``/``$PATH``) is left to pySHACL
whole, on the batch, whenever one of its targets is in the batch: ``Compiled.routed`` names them.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Collection as Triples
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import prebound, values
from passerelle.graph.rdf.formats import rdflib_graph, rdflib_term
from passerelle.graph.validation import functions, gate
from passerelle.graph.validation.gate import Finding, Report

DATA = ox.NamedNode("urn:x-passerelle:check:data")
CONTEXT = ox.NamedNode("urn:x-passerelle:check:context")

TARGETS = {SH.targetClass: ("focus-class", "class"),
           SH.targetSubjectsOf: ("focus-subjects-of", "predicate"),
           SH.targetObjectsOf: ("focus-objects-of", "predicate"),
           SH.targetNode: ("focus-node", "node")}
DESCRIPTIVE = {RDF.type, SH.path, SH.name, SH.description, SH.message, SH.severity, SH.order,
               SH.group, SH.defaultValue, SH.deactivated, SH.flags, RDFS.label, RDFS.comment,
               *TARGETS}
BOUNDS = {SH.minInclusive: "test-min-inclusive", SH.maxInclusive: "test-max-inclusive",
          SH.minExclusive: "test-min-exclusive", SH.maxExclusive: "test-max-exclusive"}
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


class NotCompiled(Exception):
    """A shape uses something this module does not compile: pySHACL checks it."""


@dataclass(frozen=True)
class Check:
    """One compiled constraint: its query answers ``?this`` (and ``?value``, ``?path``)."""

    shape: URIRef | BNode
    kind: str
    sparql: str
    path: URIRef | None
    message: str
    severity: str
    focus: str = ""
    """The pattern of the check's text that binds its focus nodes (``_focus``)."""


def _ox(term) -> ox.NamedNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise NotCompiled(f"{term!r} cannot be a parameter")


def _insert(text: str, marker: str, fragment: str) -> str:
    """``text`` with its ``# marker`` line replaced by ``fragment`` (a template part)."""
    return "\n".join(fragment if line.strip() == f"# {marker}" else line
                     for line in text.splitlines())


def _prefixes(shapes: Graph, node) -> str:
    """The PREFIX lines of the ``sh:declare``s an ``sh:prefixes`` node names."""
    lines = []
    for ontology in shapes.objects(node, SH.prefixes):
        for declared in shapes.objects(ontology, SH.declare):
            prefix = shapes.value(declared, SH.prefix)
            namespace = shapes.value(declared, SH.namespace)
            lines.append(f"PREFIX {prefix}: {ox.NamedNode(str(namespace))}")
    return "\n".join(sorted(set(lines)))


def _focus(shapes: Graph, shape) -> str:
    """The UNION of the shape's target patterns, each binding ``?this`` to a focus node."""
    if (shape, SH.target, None) in shapes or (shape, RDF.type, RDFS.Class) in shapes:
        raise NotCompiled("SPARQL-based or implicit class targets")
    parts = [prebound(queries.text(f"shacl/{template}"), {"data": DATA, name: _ox(target)})
             for predicate, (template, name) in TARGETS.items()
             for target in sorted(shapes.objects(shape, predicate))]
    return "\nUNION\n".join(parts)


def _texts(shapes: Graph, node, predicate) -> str:
    return gate._pick_text(shapes.objects(node, predicate))


@dataclass
class Compiled:
    """The compiled checks of a shapes graph, and the shapes left to pySHACL."""

    shapes: Graph
    checks: list[Check] = field(default_factory=list)
    routed: dict[object, str] = field(default_factory=dict)
    """Shapes pySHACL checks, each with why it was not compiled."""
    routed_focus: dict[object, str] = field(default_factory=dict)
    """For each routed shape, the question listing its focus nodes in a batch (when its targets
    compile; a shape whose targets do not is run on every batch)."""
    reference: Graph | None = None
    """The shapes pySHACL runs: the routed ones, the compiled ones deactivated."""
    _names: dict = field(default_factory=dict, repr=False, compare=False)

    def check(self, data: Triples[ox.Triple], context: Triples[ox.Triple]) -> Report:
        """Check ``data`` (the touched nodes after the write) with ``context`` (what they
        point to); findings on the data's own nodes only, as ``gate.validate`` reports them."""
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object, DATA) for t in data)
        store.extend(ox.Quad(t.subject, t.predicate, t.object, CONTEXT)
                     for t in itertools.chain(context, class_axioms()))
        found = self.findings(store, lambda check: store.query(
            check.sparql, use_default_graph_as_union=True, custom_functions=functions.OXIGRAPH))
        if self.routed and self._routed_apply(store):
            report = gate.validate(rdflib_graph(data), rdflib_graph(context),
                                   ontology=gate.load_class_axioms(), shapes=self.reference)
            found |= {*report.violations, *report.warnings}
        return to_report(found)

    def check_graphs(self, store: ox.Store, data: list[ox.NamedNode]) -> Report:
        """Check the graphs ``data`` of ``store`` as ``check`` checks its data, the rest of the
        store being the context (which must hold the class axioms: ``class_axioms``).

        For a bulk load, whose file the store loaded itself: the data stays in the graphs the
        file names, and each check reads them where it reads the one data graph of ``check``
        (``GRAPH ?shacl_data_N``, the query's named graphs limited to ``data``).
        """
        if self.routed and self._routed_apply(store, data):
            triples = [q.triple for g in data for q in store.quads_for_pattern(None, None, None, g)]
            context = [q.triple for q in store if q.graph_name not in data]
            return self.check(triples, context)
        empty = _empty_focuses(store, data, {c.focus for c in self.checks if c.focus})
        return to_report(self.findings(store, lambda check: () if check.focus in empty else (
            store.query(_over_graphs(check.sparql), use_default_graph_as_union=True,
                        named_graphs=data, custom_functions=functions.OXIGRAPH))))

    def findings(self, store: ox.Store, ask) -> set[Finding]:
        """The findings of every check, whose solutions ``ask(check)`` gives (an empty tuple
        for a check not run): the one reading of solutions every engine here shares."""
        found = set()
        for check in self.checks:
            solutions = ask(check)
            names = set() if isinstance(solutions, tuple) else \
                {v.value for v in solutions.variables}
            for row in solutions:
                value = row["value"] if "value" in names else None
                path = row["path"] if "path" in names else None
                found.add(self._finding(store, check, row["this"], path, value))
        return found

    def _routed_apply(self, store: ox.Store, data: list[ox.NamedNode] | None = None) -> bool:
        for shape in self.routed:
            sparql = self.routed_focus.get(shape)
            if sparql is not None and data is not None:
                sparql = _over_graphs(sparql)
            if sparql is None or any(True for _ in store.query(
                    sparql, use_default_graph_as_union=True, named_graphs=data)):
                return True
        return False

    def _shape_name(self, shape) -> str:
        """The shape's name for people, read once (a bulk load reports thousands of findings)."""
        if shape not in self._names:
            self._names[shape] = _texts(self.shapes, shape, SH.name) or gate._compact(shape)
        return self._names[shape]

    def _finding(self, store: ox.Store, check: Check, this, path, value) -> Finding:
        shape = check.shape
        if check.kind == "component":
            value = None  # pySHACL gives no sh:value for a SPARQL-based component's result
        elif value is None and (check.path is None or check.kind == "sparql"):
            value = this  # as pySHACL: a result without a value is about the node itself
        path = rdflib_term(path) if path is not None else check.path
        return Finding(
            node=_describe(store, this),
            path=gate._compact(path),
            shape=str(shape),
            shape_name=self._shape_name(shape),
            message=check.message,
            severity=check.severity,
            value=str(rdflib_term(value)) if value is not None else "",
        )


def to_report(found: set[Finding]) -> Report:
    """Findings as ``gate`` reports them: ordered, violations apart from the rest."""
    ordered = sorted(found, key=lambda f: (f.node, f.path, f.shape, f.value))
    violations = [f for f in ordered if f.severity == "Violation"]
    warnings = [f for f in ordered if f.severity != "Violation"]
    return Report(conforms=not violations, violations=violations, warnings=warnings)


_DATA_GRAPH = re.compile(rf"GRAPH\s+{re.escape(str(DATA))}")


@functools.lru_cache(maxsize=512)
def _over_graphs(sparql: str) -> str:
    """A check reading the data from any of the query's named graphs: each ``GRAPH <data>`` of
    it becomes ``GRAPH ?shacl_data_N``, a variable of its own, since a node's statements may
    lie in several of the loaded graphs."""
    count = itertools.count()
    return _DATA_GRAPH.sub(lambda _: f"GRAPH ?shacl_data_{next(count)}", sparql)


def _empty_focuses(store: ox.Store, data: list[ox.NamedNode], focuses: set[str]) -> set[str]:
    """The focus patterns no node of the data matches: their checks have nothing to check
    (a load of services and organisations holds no events), so they are not run."""
    ask = queries.text("shacl/focus-any")
    return {focus for focus in focuses
            if not store.query(_insert(ask, "focus", _over_graphs(focus)),
                               use_default_graph_as_union=True, named_graphs=data)}


@functools.cache
def class_axioms() -> tuple[ox.Triple, ...]:
    """The ontology's class hierarchy, which every check reads as context."""
    return tuple(ox.Triple(_ox(s), _ox(p), _ox(o))
                 for s, p, o in gate.load_class_axioms())


def _describe(store: ox.Store, node, depth: int = 3) -> str:
    """A node for people, as ``gate`` names one: a blank node by what holds it."""
    if not isinstance(node, ox.BlankNode):
        return node.value
    for quad in store.quads_for_pattern(None, None, node):
        if quad.subject != node and depth > 0:
            return f"{_describe(store, quad.subject, depth - 1)} " \
                   f"{gate._compact(rdflib_term(quad.predicate))} [...]"
    return "[an unnamed node]"


def _components(shapes: Graph) -> dict[URIRef, tuple[object, str]]:
    """Parameters of SPARQL-based constraint components with an ASK validator: each parameter
    with its component's validator node and ASK text (one-parameter components only)."""
    found = {}
    for component in shapes.subjects(RDF.type, SH.ConstraintComponent):
        parameters = [shapes.value(p, SH.path) for p in shapes.objects(component, SH.parameter)]
        validator = (shapes.value(component, SH.propertyValidator)
                     or shapes.value(component, SH.validator))
        ask = shapes.value(validator, SH.ask) if validator is not None else None
        for parameter in parameters:
            found[parameter] = (validator, str(ask) if ask is not None and
                                len(parameters) == 1 else None)
    return found


def _ask_test(shapes: Graph, validator, ask: str | None, parameter: URIRef, term) -> str:
    if ask is None:
        raise NotCompiled("a constraint component with more than one parameter or no ASK")
    start, end = ask.find("{"), ask.rfind("}")
    body = ask[start + 1:end]
    name = re.split(r"[#/]", str(parameter))[-1]
    body = re.sub(r"[$?]value\b", "?value", body)
    body = re.sub(rf"[$?]{re.escape(name)}\b", lambda _: str(_ox(term)), body)
    if re.search(r"[$?](this|PATH|currentShape|shapesGraph)\b", body) or "$" in body:
        raise NotCompiled("an ASK validator reading more than its value and parameter")
    return _insert(queries.text("shacl/test-ask"), "ask", body)


def _value_check(focus: str, path: URIRef, test: str) -> str:
    query = prebound(queries.text("shacl/values"), {"data": DATA, "path": _ox(path)})
    return _insert(_insert(query, "test", test), "focus", focus)


def _datatypes(shapes: Graph, alternatives) -> list[URIRef]:
    """The datatypes of an ``sh:or`` whose alternatives each only state one datatype."""
    datatypes = []
    for alternative in Collection(shapes, alternatives):
        said = {p for p, _ in shapes.predicate_objects(alternative)} - {RDF.type}
        if said != {SH.datatype}:
            raise NotCompiled("sh:or of shapes other than datatypes")
        datatypes.append(shapes.value(alternative, SH.datatype))
    return datatypes


def _stated_paths(shapes: Graph, alternatives) -> list[URIRef]:
    """The paths of an ``sh:or`` whose alternatives each only ask for one value of a property."""
    paths = []
    for alternative in Collection(shapes, alternatives):
        said = {p for p, _ in shapes.predicate_objects(alternative)} - {RDF.type}
        path = shapes.value(alternative, SH.path)
        if said != {SH.path, SH.minCount} or not isinstance(path, URIRef) or \
                shapes.value(alternative, SH.minCount) != Literal(1):
            raise NotCompiled("sh:or of shapes other than one stated property each")
        paths.append(path)
    return paths


def _compile_shape(shapes: Graph, shape, components) -> list[Check]:
    """The checks of one targeted shape; ``NotCompiled`` when any part of it is not."""
    focus = _focus(shapes, shape)
    path = shapes.value(shape, SH.path)
    if path is not None and not isinstance(path, URIRef):
        raise NotCompiled("a path other than one property")
    message = _texts(shapes, shape, SH.message)
    severity = SEVERITIES.get(shapes.value(shape, SH.severity, default=SH.Violation), "Violation")
    checks: list[tuple[str, str, str]] = []

    def value_test(kind: str, test: str, prefixes: str = "") -> None:
        if path is None:
            raise NotCompiled(f"{kind} on a node shape")
        checks.append((kind, prefixes + "\n" + _value_check(focus, path, test), message))

    for predicate, term in sorted(shapes.predicate_objects(shape)):
        if predicate in DESCRIPTIVE:
            continue
        if predicate in (SH.minCount, SH.maxCount):
            if path is None:
                raise NotCompiled("a count on a node shape")
            name = "min-count" if predicate == SH.minCount else "max-count"
            template = "min-count-one" if name == "min-count" and _is_one(term) else name
            query = prebound(queries.text(f"shacl/{template}"),
                             {"data": DATA, "path": _ox(path), "count": _ox(term)})
            checks.append((name, _insert(query, "focus", focus), message))
        elif predicate == SH.datatype:
            value_test("datatype", values(queries.text("shacl/test-datatype"),
                                          {"datatype": [_ox(term)]}))
        elif predicate == SH["or"] and path is None:
            query = values(queries.text("shacl/any-path"),
                           {"path": [_ox(p) for p in _stated_paths(shapes, term)]})
            checks.append(("or", _insert(query, "focus", focus), message))
        elif predicate == SH["or"]:
            value_test("or", values(queries.text("shacl/test-datatype"),
                                    {"datatype": [_ox(t) for t in _datatypes(shapes, term)]}))
        elif predicate == SH.nodeKind:
            value_test("node-kind", values(queries.text("shacl/test-node-kind"),
                                           {"kind": [_ox(term)]}))
        elif predicate == SH["in"]:
            value_test("in", values(queries.text("shacl/test-in"),
                                    {"allowed": [_ox(t) for t in Collection(shapes, term)]}))
        elif predicate == SH.pattern:
            flags = shapes.value(shape, SH.flags, default=Literal(""))
            value_test("pattern", prebound(queries.text("shacl/test-pattern"), {
                "pattern": _ox(Literal(_python_end(str(term)))), "flags": _ox(Literal(flags))}))
        elif predicate in BOUNDS:
            value_test(BOUNDS[predicate].removeprefix("test-"),
                       prebound(queries.text(f"shacl/{BOUNDS[predicate]}"),
                                {"bound": _ox(term)}))
        elif predicate == SH["class"]:
            value_test("class", prebound(queries.text("shacl/test-class"),
                                         {"class": _ox(term)}))
        elif predicate == SH.sparql:
            checks.append(("sparql", *_select(shapes, term, focus, path, message)))
        elif predicate in components:
            validator, ask = components[predicate]
            value_test("component", _ask_test(shapes, validator, ask, predicate, term),
                       _prefixes(shapes, validator))
            if _texts(shapes, validator, SH.message) and not message:
                checks[-1] = (*checks[-1][:2], _texts(shapes, validator, SH.message))
        else:
            raise NotCompiled(f"{gate._compact(predicate)}")
    return [Check(shape, kind, sparql, path, text, severity, focus)
            for kind, sparql, text in checks]


def _is_one(term) -> bool:
    """Whether a count is the integer 1 (``sh:minCount 1``: a value is stated at all)."""
    return isinstance(term, Literal) and isinstance(term.toPython(), int) and \
        not isinstance(term.toPython(), bool) and term.toPython() == 1


def _python_end(pattern: str) -> str:
    """A pattern whose final ``$`` also matches before a final line break, as Python's
    ``re.search`` (the reference validator's) reads it."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + "\\n?$"
    return pattern


def _select(shapes: Graph, constraint, focus: str, path, message: str) -> tuple[str, str]:
    """A SHACL-SPARQL SELECT constraint, run on the shape's focus nodes in the batch."""
    select = shapes.value(constraint, SH.select)
    if select is None or (constraint, SH.deactivated, Literal(True)) in shapes:
        raise NotCompiled("a SPARQL constraint without SELECT")
    text = re.sub(r"\$this\b", "?this", str(select))
    if "$PATH" in text:
        if path is None:
            raise NotCompiled("$PATH in a node shape")
        text = text.replace("$PATH", str(_ox(path)))
    if "$" in text.replace("$)", "").replace('$"', ""):
        raise NotCompiled("a SPARQL constraint with pre-bound variables other than $this")
    where = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if where is None:
        raise NotCompiled("a SELECT without WHERE")
    text = f"{text[:where.end()]}\n{{ {focus} }}\n{text[where.end():]}"
    own = _texts(shapes, constraint, SH.message)
    return _prefixes(shapes, constraint) + "\n" + text, own or message


def compile_shapes(shapes: Graph) -> Compiled:
    """Compile every targeted shape of ``shapes`` (as ``shape_targets.flattened`` gives them)."""
    compiled = Compiled(shapes)
    components = _components(shapes)
    targeted = {s for p in [*TARGETS, SH.target] for s in shapes.subjects(p, None)}
    deactivated = Graph()
    for shape in sorted(targeted):
        if (shape, SH.deactivated, Literal(True)) in shapes:
            continue
        try:
            compiled.checks += _compile_shape(shapes, shape, components)
            deactivated.add((shape, SH.deactivated, Literal(True)))
        except NotCompiled as why:
            compiled.routed[shape] = str(why)
            try:
                compiled.routed_focus[shape] = _insert(queries.text("shacl/focus"), "focus",
                                                       _focus(shapes, shape))
            except NotCompiled:
                pass
    if compiled.routed:
        compiled.reference = shapes + deactivated
    return compiled


@functools.cache
def default() -> Compiled:
    """The project's shapes, compiled once."""
    return compile_shapes(gate._checked_shapes())
