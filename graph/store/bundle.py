"""The files shipped with Passerelle: the ontology and vocabularies, and the seed graph.

Every new store receives the ontology and vocabularies first, since they define what valid means;
``serve`` on a new store also loads the seed graph, validated like any other data.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import graph_iri
from passerelle.graph.store.base import Store
from passerelle.graph.store.embedded import EmbeddedStore
from passerelle.graph.write.loader import Graphs, load, parse, write

TURTLE = formats.by_name("ttl")


def _files(package: str) -> list[Path]:
    root = resources.files(package)
    return sorted(Path(str(p)) for p in root.iterdir() if p.name.endswith(".ttl"))


def vocabulary_files() -> list[Path]:
    return _files("passerelle.ontology")


def vocabulary_graphs() -> frozenset[str]:
    """The graphs the ontology and vocabularies are installed in, one per file."""
    return frozenset(graph_iri(path.stem) for path in vocabulary_files())


def seed_files() -> list[Path]:
    return _files("passerelle.graph.data")


def _read(paths: list[Path]) -> Graphs:
    graphs: Graphs = {}
    for path in paths:
        graphs.update(parse(path, TURTLE, name=path.name, graph=graph_iri(path.stem)))
    return graphs


def has_vocabularies(store: Store) -> bool:
    return graph_iri("core") in store.graphs()


def install_vocabularies(store: Store) -> None:
    """Write the ontology and vocabularies (trusted, unvalidated: they are what valid means)."""
    write(store, _read(vocabulary_files()), validate_first=False, replace=True)


def install_seed(store: Store) -> None:
    load(store, seed_files())


def open_remote(query_endpoint: str, update_endpoint: str | None,
                store_endpoint: str | None = None, *, seed: bool = False) -> Store:
    """Use a SPARQL engine; one holding no Passerelle graph yet is set up like a new store."""
    from passerelle.graph.store.remote import RemoteStore

    store = RemoteStore(query_endpoint, update_endpoint, store_endpoint)
    if not has_vocabularies(store):
        install_vocabularies(store)
        if seed:
            install_seed(store)
    return store


def open_store(path: Path | None, *, seed: bool = False) -> EmbeddedStore:
    """Open (or create) an embedded store; a new one receives the vocabularies, and the seed."""
    is_new = path is None or not path.exists() or not any(path.iterdir())
    store = EmbeddedStore(path)
    if is_new or not has_vocabularies(store):
        install_vocabularies(store)
    if is_new and seed:
        install_seed(store)
    return store
