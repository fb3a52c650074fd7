"""Where the graph lives.

``Store`` is what the loader, the queries and the API need from a quad store. ``EmbeddedStore`` is
the default: an on-disk Oxigraph (RocksDB) store in one directory. A remote SPARQL 1.1 engine can
implement the same methods with the Protocol, SPARQL Update and the Graph Store Protocol.

All data lives in named graphs and queries see the union of them as their default graph, so a
file's provenance stays attached to its graph while questions need not name graphs.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable

import pyoxigraph as ox

from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH, PAS, SKOS
from passerelle.graph.validation import limits


class Store(abc.ABC):
    """A quad store with atomic writes and SPARQL queries over the union of its named graphs."""

    @abc.abstractmethod
    def query(
        self,
        sparql: str,
        *,
        default_graph: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run a query; with no dataset given (here or by ``FROM`` in the query), the default
        graph is the union of all graphs. An empty list means no graph at all."""

    @abc.abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one transaction."""

    @abc.abstractmethod
    def write(self, graphs: dict[str, list[ox.Triple]], *, replace: bool = False,
              append: dict[str, list[ox.Triple]] | None = None) -> None:
        """Add triples to named graphs (or replace those graphs' contents), all or nothing.

        ``append`` adds triples to further graphs in the same transaction whatever ``replace``
        says: the audit record of a change is stored exactly when the change is.
        """

    @abc.abstractmethod
    def graphs(self) -> set[str]:
        """IRIs of the named graphs that hold data."""

    @abc.abstractmethod
    def count(self) -> int:
        """Number of quads stored, derived graphs included."""

    @abc.abstractmethod
    def quads(self, graph: str | None = None) -> Iterable[ox.Quad]:
        """The stored quads (of one graph, or of all named graphs)."""

    def dump(self, fmt: formats.Format, graph: str | None = None,
             exclude: Iterable[str] = ()) -> bytes:
        """Serialise one graph or the whole store (derived graph and ``exclude`` left out)."""
        left_out = {INFERRED_GRAPH, *exclude}
        quads = (q for q in self.quads(graph) if q.graph_name.value not in left_out)
        if fmt.dataset:
            return ox.serialize(quads, format=fmt.oxigraph)
        return ox.serialize((q.triple for q in quads), format=fmt.oxigraph)

    def select(self, sparql: str) -> list[dict[str, object]]:
        """Rows of a SELECT as dicts of variable name to term (unbound variables left out)."""
        solutions = self.query(sparql)
        names = [v.value for v in solutions.variables]
        return [
            {n: s[n] for n in names if s[n] is not None}
            for s in solutions
        ]

    def hierarchy(self) -> limits.Hierarchy:
        """Every concept and every ``skos:broader`` link between IRIs, as stored."""
        concepts = self.query(f"SELECT DISTINCT ?c WHERE {{ {{ ?c a <{SKOS}Concept> }} "
                              f"UNION {{ ?c <{SKOS}inScheme> ?s }} }}")
        links = self.query(f"SELECT DISTINCT ?c ?b WHERE {{ ?c <{SKOS}broader> ?b }}")
        return limits.Hierarchy(
            (row["c"].value for row in concepts if isinstance(row["c"], ox.NamedNode)),
            ((row["c"].value, row["b"].value) for row in links
             if isinstance(row["c"], ox.NamedNode) and isinstance(row["b"], ox.NamedNode)))

    def check_hierarchy(self, added: list[ox.Triple], removed: list[ox.Triple]) -> None:
        """Refuse (``limits.LimitExceeded``) a change whose concept hierarchy would pass the
        depth or closure limits; called before the change is stored."""
        max_depth, max_size, _ = limits.configured()
        hierarchy = self.hierarchy()
        named = limits.named([*added, *removed])
        before = hierarchy.below(named)
        old_rows = sum(len(hierarchy.ancestry(c)) for c in before if c in hierarchy.concepts)
        hierarchy.apply(added, removed)
        stored = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{INFERRED_GRAPH}> "
                             "{ ?s ?p ?o } }")
        kept = max(int(stored[0]["n"].value) - old_rows, 0) if stored else 0
        limits.closure_of(hierarchy, before | hierarchy.below(named), max_depth=max_depth,
                          max_size=max_size, kept=kept)

    def refresh_inferences(self, touched: list[ox.Triple] | None = None) -> None:
        """Bring the derived graph up to date: ``pas:broaderOrSelf`` for every concept.

        The search questions walk concept hierarchies (statuses, needs, regions) in both
        directions; a property path over them costs hundreds of milliseconds at a million triples,
        a stored closure a single index lookup. With ``touched`` (the triples a write added or
        removed), only the concepts they name and those below them are computed again and their
        rows replaced; with none, or when most concepts are touched, the graph is rebuilt whole.
        The limits were checked before the write (``check_hierarchy``).
        """
        hierarchy = self.hierarchy()
        closure = ox.NamedNode(PAS + "broaderOrSelf")
        unlimited = {"max_depth": len(hierarchy.concepts) + 1, "max_size": 2**62}
        affected = None
        if touched is not None:
            affected = hierarchy.below(limits.named(touched))
            if 2 * len(affected) > len(hierarchy.concepts):
                affected = None
        rows = limits.closure_of(
            hierarchy, hierarchy.concepts if affected is None else affected, **unlimited)
        triples = [ox.Triple(ox.NamedNode(c), closure, ox.NamedNode(a))
                   for c in sorted(rows) for a in sorted(rows[c])]
        if affected is None:
            self.write({INFERRED_GRAPH: triples}, replace=True)
            return
        if not affected:
            return
        graph = ox.NamedNode(INFERRED_GRAPH)
        chosen = " ".join(str(ox.NamedNode(c)) for c in sorted(affected))
        parts = [f"DELETE {{ GRAPH {graph} {{ ?c {closure} ?a }} }} WHERE {{ VALUES ?c "
                 f"{{ {chosen} }} GRAPH {graph} {{ ?c {closure} ?a }} }}"]
        if triples:
            body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
            parts.append(f"INSERT DATA {{ GRAPH {graph} {{ {body} }} }}")
        self.update(" ;\n".join(parts))
