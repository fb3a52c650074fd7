"""The checks of one part of an import, asked of a scratch store that holds the part.

An import's part (a few thousand rows) is tens of thousands of triples: walking them in Python
to gather each node's statements costs more than the checks. So, as a validated bulk load does
(``validation.scratch``), the part's N-Triples text goes into an in-memory Oxigraph store in
one step, and the shapes, compiled to SPARQL (``validation.compiled``), are asked of it. Beside
the part the scratch store holds what the general path (``write.steps.check`` through
``validation.incremental``) gives the validator beside a write's nodes:
- in the data, the statements other graphs of the store make about the nodes the part
  describes (rare: a service another graph also describes);
- as context, the statements of the IRIs the part points to (the concepts its codes name, the
  organisations it links to), read from the store, outside the graph the import replaces, and
  from the organisations the earlier parts described; and the ontology's class axioms.
The context the store gives is read once an IRI for the whole import: the parts point to the
same few hundred concepts. tests/graph/test_import_checks.py holds the findings to those of the
general path.
"""

from __future__ import annotations

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH
from passerelle.graph.rdf.xml_safety import guard
from passerelle.graph.store.base import Store
from passerelle.graph.validation import compiled, incremental
from passerelle.graph.validation.gate import Report
from passerelle.graph.validation.scratch import STORE_SUBJECTS, plain
from passerelle.graph.write.steps import CHUNK, describing


class PartChecks:
    """The checks of an import's parts into ``graph`` (which the import replaces)."""

    def __init__(self, store: Store, graph: str):
        self.store, self.graph = store, graph
        self.node = ox.NamedNode(graph)
        self.skip = {graph, INFERRED_GRAPH}
        self._context: dict[ox.NamedNode, list[ox.Triple]] = {}
        self._stored: set[str] | None | bool = False

    def check(self, text: bytes, subjects: set[str], staged: ox.Store | None) -> Report:
        """The findings on one part: ``text`` is its triples as N-Triples (each line one
        triple), ``subjects`` the IRIs it describes, ``staged`` what earlier parts described
        that it may point to (read by subject, any graph). The record mapper writes blank
        nodes only as what a record's own IRI holds (an address, a contact point, hours,
        coordinates), never one inside another: there is no nesting to measure
        (``limits.check_blank_depth``)."""
        scratch = ox.Store()
        scratch.bulk_load(text, ox.RdfFormat.N_TRIPLES, to_graph=self.node)
        data = [self.node]
        shared = self._described_elsewhere(subjects)
        if shared:
            scratch.extend(ox.Quad(t.subject, t.predicate, t.object, compiled.DATA)
                           for t in self._statements(shared))
            data.append(compiled.DATA)
        # Shapes read what a node points to only through these links (its type, its scheme).
        links = [ox.NamedNode(p) for p in sorted(incremental.shape_links()[0])]
        pointed = [row["o"] for row in scratch.query(
            values(queries.text("load/pointed-at"), {"p": links}), named_graphs=data)]
        self._context.update(self._read([n for n in pointed if n not in self._context]))
        context = [t for node in pointed for t in self._context_of(node, staged)]
        scratch.extend(ox.Quad(t.subject, t.predicate, t.object, compiled.CONTEXT)
                       for t in [*context, *compiled.class_axioms()])
        report = compiled.default().check_graphs(scratch, data)
        return guard(report, () if plain(text, xml_escapes=True) else
                     ox.parse(text, format=ox.RdfFormat.N_TRIPLES))

    def _context_of(self, node: ox.NamedNode, staged: ox.Store | None) -> list[ox.Triple]:
        """What the store and the earlier parts say of an IRI the part points to."""
        found = self._context[node]
        if staged is not None:
            found = [*found, *(q.triple for q in staged.quads_for_pattern(node, None, None))]
        return found

    def _read(self, nodes: list[ox.NamedNode]) -> dict[ox.NamedNode, list[ox.Triple]]:
        read: dict[ox.NamedNode, list[ox.Triple]] = {node: [] for node in nodes}
        for start in range(0, len(nodes), CHUNK):
            chunk = nodes[start:start + CHUNK]
            sparql = values(queries.text("stored-statements-of-nodes"), {"root": chunk})
            for row in self.store.query(sparql):
                if row["g"].value not in self.skip:
                    read[row["root"]].append(ox.Triple(row["s"], row["p"], row["o"]))
        return read

    def _statements(self, nodes: list[ox.NamedNode]) -> list[ox.Triple]:
        return [t for triples in self._read(nodes).values() for t in triples]

    def _described_elsewhere(self, subjects: set[str]) -> list[ox.NamedNode]:
        """The part's IRIs that graphs other than the replaced one describe: found among
        those the store describes, read once, unless they are more than ``STORE_SUBJECTS``."""
        if self._stored is False:
            sparql = f"{queries.text('load/stored-subjects')}\nLIMIT {STORE_SUBJECTS + 1}"
            found = {row["s"].value for row in self.store.query(sparql)}
            self._stored = found if len(found) <= STORE_SUBJECTS else None
        candidates = sorted(subjects if self._stored is None else subjects & self._stored)
        if not candidates:
            return []
        graphs = describing(self.store, candidates)
        return [ox.NamedNode(s) for s in candidates if graphs.get(s, set()) - self.skip]

