"""The validation gate: every write to the graph passes through `validate` first.

The rules live in the SHACL files of `passerelle.shapes`; this module only runs them and turns
pyshacl's report graph into plain findings a data steward can read.

Why it works the way it does:
- pyshacl is given plain rdflib graphs. An Oxigraph-backed graph handed to pyshacl gives false
  `sh:in` violations (plain literals come back typed) and runs far slower, so callers copy what
  they need out of the store into an rdflib graph first.
- The ontology and vocabularies are merged into the *data* graph, not passed as `ont_graph`:
  pyshacl only follows `rdfs:subClassOf` (a network is an organisation) and only sees
  `skos:inScheme` (a region belongs to the regions scheme) when those triples are in the data
  graph, and it copies only RDFS/OWL axioms out of `ont_graph`.
- Inference is off: the shapes are written against asserted triples, and inference would both
  slow validation down and put inferred triples into findings. Advanced mode (SHACL-AF) is off
  too: the SHACL-SPARQL constraints the shapes use are core SHACL-SPARQL, which pyshacl runs
  without it, and advanced mode would make pyshacl copy the whole data graph first.
- Only findings whose focus node is described in the submitted data count. The context (the
  vocabularies, or the part of the store the new data points to) was accepted earlier, so its
  findings would be noise for the person submitting a change.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from importlib import resources

import pyshacl
from pyshacl.errors import ValidationFailure
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery

from passerelle.graph.rdf.namespaces import prefixes
from passerelle.graph.read.labels import by_language, pick
from passerelle.graph.validation import functions
from passerelle.settings import Settings

functions.register()  # the shapes call them (a telephone number's numbering plan)

_SEVERITY_WORDS = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}

# Fixed prefixes for messages: rdflib's defaults bind `schema:` to https://schema.org/, while
# Passerelle uses http://schema.org/, so its own namespace manager would print `schema1:`.
_PREFIXES = prefixes("pas", "pash", "schema", "org", "dct", "skos", "prov", "foaf", "rdfs", "rdf")


@dataclass(frozen=True)
class Finding:
    """One problem in plain strings, ready for a page, a log line or JSON."""

    node: str
    path: str
    shape: str
    shape_name: str
    message: str
    severity: str
    value: str


@dataclass(frozen=True)
class Report:
    """The outcome of one validation: it conforms when there is no violation.

    `warnings` holds every finding below Violation (sh:Warning, and sh:Info should a shape use it).
    """

    conforms: bool
    violations: list[Finding]
    warnings: list[Finding]

    def to_text(self) -> str:
        """One finding a line, violations first, in words a data steward can act on."""
        if not self.violations and not self.warnings:
            return "No problems found."
        return "\n".join(
            f"{f.severity}: {' '.join(filter(None, [f.node, f.path]))}: {f.message}"
            f" [rule: {f.shape_name}]"
            for f in [*self.violations, *self.warnings]
        )

    def to_json(self) -> list[dict[str, str]]:
        """The findings as a list of plain dicts, violations first."""
        return [asdict(f) for f in [*self.violations, *self.warnings]]


def _parse_package_turtle(package: str) -> Graph:
    """Merge every Turtle file of an installed package, so the code runs the same from a wheel."""
    graph = Graph()
    for entry in sorted(resources.files(package).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".ttl"):
            graph.parse(data=entry.read_text(encoding="utf-8"), format="turtle")
    return graph


@functools.cache
def load_shapes() -> Graph:
    """All shapes (core, recommended, vocabularies), parsed once. Treat it as read-only."""
    return _parse_package_turtle("passerelle.shapes")


@functools.cache
def _checked_shapes() -> Graph:
    """The shapes in the form the validator runs fastest (see ``shape_targets``)."""
    from passerelle.graph.validation.shape_targets import flattened

    return flattened(load_shapes())


@functools.cache
def load_context() -> Graph:
    """The ontology and all concept schemes, parsed once. Treat it as read-only."""
    return _parse_package_turtle("passerelle.ontology")


def _triples(graph: Graph):
    """The triples of a graph; for a dataset, those of all its named graphs together."""
    if isinstance(graph, Dataset):
        return ((s, p, o) for s, p, o, _ in graph.quads((None, None, None, None)))
    return iter(graph)


@functools.lru_cache(maxsize=256)
def _prepared(text: str, namespaces: tuple[tuple[str, str], ...]):
    return prepareQuery(text, initNs=dict(namespaces))


class _PreparingGraph(Graph):
    """The graph pyshacl checks, parsing each SPARQL text once instead of once per node.

    pyshacl sends a SPARQL constraint's text to the graph for every focus node and rdflib parses
    it every time: parsing was two thirds of the cost of checking one new service. A prepared
    query is rdflib's way to evaluate one text many times, with different bindings.
    """

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and processor == "sparql":
            namespaces = initNs or dict(self.namespaces())
            key = tuple(sorted((k, str(v)) for k, v in namespaces.items()))
            query_object = _prepared(query_object, key)
        return super().query(query_object, processor, result, initNs, initBindings,
                             use_store_provided, **kwargs)


def _merge(*graphs: Graph) -> Graph:
    merged = _PreparingGraph()
    for graph in graphs:
        for triple in _triples(graph):
            merged.add(triple)
    return merged


def _compact(term) -> str:
    """A property as `schema:name` when its namespace is one of ours, else the full IRI."""
    if term is None:
        return ""
    text = str(term)
    if isinstance(term, URIRef):
        for prefix, namespace in _PREFIXES.items():
            if text.startswith(namespace):
                return f"{prefix}:{text[len(namespace) :]}"
    return text


def _describe(data: Graph, node, depth: int = 3) -> str:
    """Name a node for people: an IRI as is, a blank node by the IRI and property that hold it
    (a contact point is "<organisation> schema:contactPoint [...]"), a few levels up at most."""
    if not isinstance(node, BNode):
        return str(node)
    for subject, predicate in data.subject_predicates(node):
        if subject != node and depth > 0:
            return f"{_describe(data, subject, depth - 1)} {_compact(predicate)} [...]"
    return "[an unnamed node]"


def _pick_text(values) -> str:
    """The default language's text of a multilingual value, by the one picker's fallbacks:
    findings are read by maintainers and stored in the audit graph, in one language."""
    return pick(by_language(values), Settings.languages.default) or ""


def _findings(results: Graph, data: Graph, shapes: Graph, data_subjects: set) -> list[Finding]:
    found = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(result, SH.focusNode)
        if focus not in data_subjects:
            continue
        shape = results.value(result, SH.sourceShape)
        value = results.value(result, SH.value)
        found.append(
            Finding(
                node=_describe(data, focus),
                path=_compact(results.value(result, SH.resultPath)),
                shape=str(shape),
                shape_name=_pick_text(shapes.objects(shape, SH.name)) or _compact(shape),
                message=_pick_text(results.objects(result, SH.resultMessage)),
                severity=_SEVERITY_WORDS.get(results.value(result, SH.resultSeverity), "Violation"),
                value=str(value) if value is not None else "",
            )
        )
    return sorted(set(found), key=lambda f: (f.node, f.path, f.shape, f.value))


@functools.cache
def load_class_axioms() -> Graph:
    """The `rdfs:subClassOf` triples of the ontology: all `sh:class` needs besides the data."""
    axioms = Graph()
    for triple in load_context().triples((None, RDFS.subClassOf, None)):
        axioms.add(triple)
    return axioms


def validate(data: Graph, context: Graph | None = None, focus_nodes=None, *,
             ontology: Graph | None = None, shapes: Graph | None = None) -> Report:
    """Check `data` against all shapes and report its own problems only.

    `context` is whatever the data refers to but does not carry itself (for a new service, its
    provider's description from the store). `ontology` is added too: by default the whole
    ontology and vocabularies; a caller whose context already holds the concepts the data points
    to (read from a store) passes `load_class_axioms()`, a fraction of the size to copy.
    `focus_nodes` limits the check to those nodes, which keeps validating one write against a
    large graph fast; it is passed on to pyshacl unchanged. `shapes` replaces the project's
    (``compiled`` hands over the shapes it leaves to pySHACL).
    """
    shapes = _checked_shapes() if shapes is None else shapes
    extra = [context] if context is not None else []
    data_graph = _merge(data, *extra, load_context() if ontology is None else ontology)
    _, results, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes,
        inference="none",
        allow_warnings=True,
        focus_nodes=list(focus_nodes) if focus_nodes is not None else None,
    )
    if isinstance(results, ValidationFailure):
        # A broken shape, not bad data: refuse loudly rather than report "no problems".
        raise results
    data_subjects = {s for s, _, _ in _triples(data)}
    findings = _findings(results, data_graph, shapes, data_subjects)
    violations = [f for f in findings if f.severity == "Violation"]
    warnings = [f for f in findings if f.severity != "Violation"]
    return Report(conforms=not violations, violations=violations, warnings=warnings)
