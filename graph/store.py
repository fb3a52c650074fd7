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
from pathlib import Path

import pyoxigraph as ox

from passerelle.errors import PasserelleError
from passerelle.graph import formats
from passerelle.graph.namespaces import INFERRED_GRAPH, PAS, SKOS


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
        """Run a query; with no dataset given, the default graph is the union of all graphs."""

    @abc.abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL Update in one transaction."""

    @abc.abstractmethod
    def write(self, graphs: dict[str, list[ox.Triple]], *, replace: bool = False) -> None:
        """Add triples to named graphs (or replace those graphs' contents), all or nothing."""

    @abc.abstractmethod
    def graphs(self) -> set[str]:
        """IRIs of the named graphs that hold data."""

    @abc.abstractmethod
    def count(self) -> int:
        """Number of quads stored, derived graphs included."""

    @abc.abstractmethod
    def quads(self, graph: str | None = None) -> Iterable[ox.Quad]:
        """The stored quads (of one graph, or of all named graphs)."""

    def dump(self, fmt: formats.Format, graph: str | None = None) -> bytes:
        """Serialise one graph or the whole store (derived graph excluded) in ``fmt``."""
        quads = (q for q in self.quads(graph) if q.graph_name.value != INFERRED_GRAPH)
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

    def refresh_inferences(self) -> None:
        """Rebuild the derived graph: ``pas:broaderOrSelf`` for every concept.

        The search questions walk concept hierarchies (statuses, needs, regions) in both
        directions; a property path over them costs hundreds of milliseconds at a million triples,
        a stored closure a single index lookup. Concept hierarchies are small, so the closure is
        computed here and written whole in one transaction.
        """
        parents: dict[str, set[str]] = {}
        rows = self.query(
            f"SELECT ?c ?b WHERE {{ {{ ?c a <{SKOS}Concept> }} UNION {{ ?c <{SKOS}inScheme> ?s }}"
            f" OPTIONAL {{ ?c <{SKOS}broader> ?b }} }}"
        )
        for row in rows:
            node, parent = row["c"], row["b"]
            if not isinstance(node, ox.NamedNode):
                continue
            parents.setdefault(node.value, set())
            if isinstance(parent, ox.NamedNode):
                parents[node.value].add(parent.value)
        closure = ox.NamedNode(PAS + "broaderOrSelf")
        triples = []
        for concept in parents:
            seen, todo = {concept}, [concept]
            while todo:
                for parent in parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            node = ox.NamedNode(concept)
            triples.extend(ox.Triple(node, closure, ox.NamedNode(a)) for a in sorted(seen))
        self.write({INFERRED_GRAPH: triples}, replace=True)


class EmbeddedStore(Store):
    """The embedded Oxigraph store, on disk in a directory (or in memory with no path)."""

    def __init__(self, path: Path | None = None):
        self.path = path
        if path is None:
            self._store = ox.Store()
            return
        if path.exists() and not path.is_dir():
            raise PasserelleError(f"{path} is a file, not a store directory")
        if path.is_dir() and any(path.iterdir()) and not (path / "CURRENT").exists():
            raise PasserelleError(
                f"{path} is not a Passerelle store (an existing directory holding other files); "
                "give an empty or new directory"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._store = ox.Store(str(path))
        except OSError as error:
            raise PasserelleError(f"cannot open the store in {path}: {error}") from None

    def query(self, sparql, *, default_graph=None, named_graphs=None):
        union = default_graph is None and named_graphs is None
        return self._store.query(
            sparql,
            use_default_graph_as_union=union,
            default_graph=[ox.NamedNode(g) for g in default_graph] if default_graph else None,
            named_graphs=[ox.NamedNode(g) for g in named_graphs] if named_graphs else None,
        )

    def update(self, sparql):
        self._store.update(sparql)

    def write(self, graphs, *, replace=False):
        if replace:
            # One SPARQL Update is one transaction: the graphs are dropped and refilled together.
            parts = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
            body = "\n".join(
                f"GRAPH <{g}> {{ {ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()} }}"
                for g, triples in graphs.items()
                if triples
            )
            if body:
                parts.append(f"INSERT DATA {{ {body} }}")
            self._store.update(" ;\n".join(parts))
            return
        self._store.extend(
            ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
            for g, triples in graphs.items()
            for t in triples
        )

    def graphs(self):
        return {g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)}

    def count(self):
        return len(self._store)

    def quads(self, graph=None):
        target = ox.NamedNode(graph) if graph else None
        for quad in self._store.quads_for_pattern(None, None, None, target):
            if graph is not None or not isinstance(quad.graph_name, ox.DefaultGraph):
                yield quad


    def flush(self) -> None:
        self._store.flush()
