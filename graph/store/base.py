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

from passerelle.graph.rdf import formats, queries
from passerelle.graph.rdf.bind import data, values
from passerelle.graph.rdf.namespaces import INFERRED_GRAPH, PAS
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

    def write_from(self, files: Iterable[Path], graphs: list[str], *,
                   replace: bool = False) -> None:
        """``write`` of ``graphs`` from N-Quads files that hold them and nothing else, each
        file's blank nodes its own (a large write staged on disk by ``write.steps.Staged``); an
        embedded store loads the files without holding their triples in memory."""
        read: dict[str, list[ox.Triple]] = {g: [] for g in graphs}
        for file in files:
            with file.open("rb") as handle:
                for quad in ox.parse(handle, format=ox.RdfFormat.N_QUADS):
                    read[quad.graph_name.value].append(quad.triple)
        self.write(read, replace=replace)

    def begin_write_from(self, files: Iterable[Path], graphs: list[str]) -> PendingWrite:
        """``write_from`` of ``graphs``, which hold nothing yet, begun while the caller still
        checks them: kept by ``PendingWrite.commit``, undone by ``PendingWrite.abandon``, the
        store then exactly as it was. An embedded store loads the files meanwhile, in a thread
        of its own (``EmbeddedStore``); here the write waits for ``commit``. ``files`` may be
        an iterator that gives each file once it is written, and ends before ``commit``."""
        return PendingWrite(commit=lambda: self.write_from(files, graphs))

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

    def holds_graph(self, graph: str) -> bool:
        """Whether the named graph ``graph`` holds any statement."""
        return bool(self.query(values(queries.text("graph-holds-statements"),
                                      {"g": [ox.NamedNode(graph)]})))

    def hierarchy(self) -> limits.Hierarchy:
        """Every concept and every ``skos:broader`` link between IRIs, as stored."""
        concepts = self.query(queries.text("concepts"))
        links = self.query(queries.text("broader-links"))
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
        stored = self.select(queries.text("closure-size"))
        kept = max(int(stored[0]["n"].value) - old_rows, 0) if stored else 0
        limits.closure_of(hierarchy, before | hierarchy.below(named), max_depth=max_depth,
                          max_size=max_size, kept=kept)

    def refresh_inferences(self, touched: list[ox.Triple] | None = None) -> None:
        """Bring the derived graph up to date: ``pas:broaderOrSelf`` for every concept.

        The search questions walk concept hierarchies (statuses, needs, regions) in both
        directions; a property path over them is walked again by every question, a stored closure
        is a single index lookup. With ``touched`` (the triples a write added or
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
        sparql = values(queries.text("closure-rows-replace"),
                        {"c": [ox.NamedNode(c) for c in sorted(affected)]})
        self.update(data(sparql, [(INFERRED_GRAPH, triples)]))


class PendingWrite:
    """A write begun before its checks ended (``Store.begin_write_from``): ``commit`` keeps it,
    ``abandon`` undoes it; one of them is called, once. ``meanwhile`` says whether the store
    holds part of it already, so that reading what the store held before means naming the
    graphs it held."""

    def __init__(self, commit, abandon=lambda: None, *, meanwhile: bool = False):
        self._commit, self._abandon = commit, abandon
        self.meanwhile = meanwhile

    def commit(self) -> None:
        self._commit()

    def abandon(self) -> None:
        self._abandon()


class DelegatingStore(Store):
    """A store that passes every call to another: a wrapper overrides only what it watches,
    counts or refuses, and the rest stays the wrapped store's behaviour."""

    def __init__(self, inner: Store):
        self.inner = inner

    def query(self, sparql, *, default_graph=None, named_graphs=None):
        return self.inner.query(sparql, default_graph=default_graph, named_graphs=named_graphs)

    def update(self, sparql):
        self.inner.update(sparql)

    def write(self, graphs, *, replace=False, append=None):
        self.inner.write(graphs, replace=replace, append=append)

    def write_from(self, files, graphs, *, replace=False):
        self.inner.write_from(files, graphs, replace=replace)

    def begin_write_from(self, files, graphs):
        return self.inner.begin_write_from(files, graphs)

    def graphs(self):
        return self.inner.graphs()

    def count(self):
        return self.inner.count()

    def quads(self, graph=None):
        return self.inner.quads(graph)
