"""The embedded Oxigraph store: on disk in one directory, or in memory."""


from __future__ import annotations

import itertools
import threading
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from passerelle.errors import PasserelleError
from passerelle.graph.endpoint.screen import declares_dataset
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import data
from passerelle.graph.rdf.namespaces import GRAPH, PAS, RDF_TYPE
from passerelle.graph.store.base import PendingWrite, Store

BULK_FROM = 100_000
"""Quads from which an addition into graphs that hold nothing yet goes through Oxigraph's bulk
loader: one transaction of a million quads takes four times as long as the bulk loader."""

PENDING_GRAPH = GRAPH + "pending-load"
"""Where a bulk addition names the graphs it is filling, while it fills them. The bulk loader is
not one transaction, so a store opened with graphs named here (a load killed half-way) drops
them: the addition is then undone whole, as a transaction would have been."""


def _nodes(iris: list[str] | None) -> list[ox.NamedNode] | None:
    return None if iris is None else [ox.NamedNode(i) for i in iris]


class EmbeddedStore(Store):
    """The embedded Oxigraph store, on disk in a directory (or in memory with no path).

    ``generation`` changes after every write, so other processes reading the same directory
    (the SPARQL endpoint's workers) know when to reopen it: a ``read_only`` store sees the data
    as it was when opened.
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        self.path = path
        self.generation = 0
        self._writes = itertools.count(1)
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
            if read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
                self._undo_pending()
        except OSError as error:
            raise PasserelleError(f"cannot open the store in {path}: {error}") from None

    def query(self, sparql, *, default_graph=None, named_graphs=None):
        union = default_graph is None and named_graphs is None and not declares_dataset(sparql)
        return self._store.query(
            sparql,
            use_default_graph_as_union=union,
            default_graph=_nodes(default_graph),
            named_graphs=_nodes(named_graphs),
        )

    def _wrote(self) -> None:
        self.generation = next(self._writes)

    def update(self, sparql):
        try:
            self._store.update(sparql)
        finally:
            self._wrote()

    def write(self, graphs, *, replace=False, append=None):
        added = [*graphs.items(), *(append or {}).items()]
        if replace:
            self.update(data(queries.text("graphs-replace"), added,
                             {"g": [ox.NamedNode(g) for g in graphs]}))
            return
        filled = [ox.NamedNode(g) for g, triples in added if triples]
        if sum(len(t) for _, t in added) >= BULK_FROM and not any(map(self._holds, filled)):
            self._bulk(added, filled)
            return
        try:
            self._store.extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
                for g, triples in added
                for t in triples
            )
        finally:
            self._wrote()

    def write_from(self, files, graphs, *, replace=False):
        """Graphs that hold nothing yet are filled by the bulk loader a file at a time (its
        memory is that of one file), never held in Python (named pending meanwhile, as
        ``_bulk``); replacing graphs that hold data is one transaction, as ``write``."""
        filled = [ox.NamedNode(g) for g in graphs]
        if replace and any(map(self._holds, filled)):
            super().write_from(files, graphs, replace=True)
            return
        with self._pending(filled):
            for file in files:
                self._store.bulk_load(path=str(file), format=ox.RdfFormat.N_QUADS)

    def begin_write_from(self, files, graphs):
        """The bulk loader fills ``graphs`` (named pending, as ``write_from``) from ``files`` in
        a thread, while the caller checks what they hold: the checks and the load share the
        time, as they share no memory. ``abandon`` waits for the loader and drops the graphs."""
        filled = [ox.NamedNode(g) for g in graphs]
        failed: list[BaseException] = []

        def fill() -> None:
            try:
                for file in files:
                    self._store.bulk_load(path=str(file), format=ox.RdfFormat.N_QUADS)
            except BaseException as error:  # raised again by commit, in the caller's thread
                failed.append(error)

        self._mark_pending(filled)
        loading = threading.Thread(target=fill, name="passerelle-bulk-load", daemon=True)
        loading.start()

        def commit() -> None:
            loading.join()
            if failed:
                abandon()
                raise failed[0]
            try:
                self._keep_pending()
            except BaseException:
                abandon()
                raise
            self._wrote()

        def abandon() -> None:
            loading.join()
            try:
                self._undo_pending()
            finally:
                self._wrote()

        return PendingWrite(commit, abandon, meanwhile=True)

    def _holds(self, graph: ox.NamedNode) -> bool:
        return next(iter(self._store.quads_for_pattern(None, None, None, graph)), None) is not None

    def _bulk(self, added, filled: list[ox.NamedNode]) -> None:
        """Add to empty graphs by the bulk loader, the graphs named pending meanwhile."""
        with self._pending(filled):
            self._store.bulk_extend(
                ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(g))
                for g, triples in added
                for t in triples
            )

    @contextmanager
    def _pending(self, filled: list[ox.NamedNode]):
        """Name ``filled`` pending while the bulk loader fills them (see ``PENDING_GRAPH``):
        the bulk loader is not transactional, so graphs it leaves half filled are dropped."""
        try:
            self._mark_pending(filled)
            yield
            self._keep_pending()
        except BaseException:
            self._undo_pending()
            raise
        finally:
            self._wrote()

    def _mark_pending(self, filled: list[ox.NamedNode]) -> None:
        pending = ox.NamedNode(PENDING_GRAPH)
        self._store.extend(
            ox.Quad(g, ox.NamedNode(RDF_TYPE), ox.NamedNode(PAS + "PendingLoad"), pending)
            for g in filled)

    def _keep_pending(self) -> None:
        """The pending graphs, filled, become the store's: on disk first, then unmarked."""
        if self.path is not None:
            self._store.flush()
        self._store.remove_graph(ox.NamedNode(PENDING_GRAPH))

    def _undo_pending(self) -> None:
        """Drop the graphs a bulk addition left half filled (see ``PENDING_GRAPH``)."""
        pending = ox.NamedNode(PENDING_GRAPH)
        for quad in list(self._store.quads_for_pattern(None, None, None, pending)):
            if isinstance(quad.subject, ox.NamedNode):
                self._store.remove_graph(quad.subject)
        if self._holds(pending):
            self._store.remove_graph(pending)

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
