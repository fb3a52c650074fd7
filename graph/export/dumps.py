"""The downloadable files and a cache of their bytes keyed on the store's content.

The catalogue gives each file's size and SHA-256, so the files are made once per store state and
served from memory: a download never costs a serialisation. The key is the store's write
generation when it keeps one, else a cheap fingerprint (quad count and named graphs). On a remote
engine that fingerprint changes with every write made through the API (each one adds its audit
record) and every load that changes the number of triples; a load that swaps triples one for one
without the API (``passerelle load --replace`` of a same-sized graph) is seen at the next write.
With ``PASSERELLE_PUBLISH_AUDIT=false`` the audit graph (who changed what) is left out of every
file, so out of the sizes and checksums the catalogue states.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from passerelle.graph.rdf import formats
from passerelle.graph.store.base import Store
from passerelle.graph.write.audit import AUDIT_GRAPH
from passerelle.settings import Settings

STEM = "passerelle-graph"
CPSV_FILE = "passerelle-cpsv-ap.ttl"
GRAPH_FORMATS = ("ttl", "nt", "jsonld", "rdfxml")
"""Formats of the full-graph dump; triple formats except JSON-LD, which keeps the named graphs."""


@dataclass(frozen=True)
class Dump:
    """One file: its name, format, bytes, and what the catalogue says about them."""

    name: str
    fmt: formats.Format
    data: bytes
    profile: str | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def graph_file(fmt: formats.Format) -> str:
    return f"{STEM}.{fmt.extension}"


def fingerprint(store: Store) -> object:
    generation = getattr(store, "generation", None)
    if generation is not None:
        return ("generation", generation)
    return ("content", store.count(), tuple(sorted(store.graphs())))


def private_graphs(settings: Settings) -> frozenset[str]:
    """The graphs the settings keep out of the public files."""
    return frozenset() if settings.publish_audit else frozenset({AUDIT_GRAPH})


def build(store: Store, private: frozenset[str] = frozenset()) -> dict[str, Dump]:
    """Every downloadable file, by name; the ``private`` graphs are in none of them."""
    from passerelle.graph.export import cpsv

    files = {}
    for name in GRAPH_FORMATS:
        fmt = formats.by_name(name)
        files[graph_file(fmt)] = Dump(graph_file(fmt), fmt, store.dump(fmt, exclude=private))
    profile = cpsv.build(store)
    files[CPSV_FILE] = Dump(CPSV_FILE, formats.by_name("ttl"),
                            profile.graph.serialize(format="turtle", encoding="utf-8"), "cpsv-ap")
    return files


class Cache:
    """The files of the store's current state, rebuilt only when the state has changed."""

    def __init__(self, private: frozenset[str] = frozenset()) -> None:
        self._private = private
        self._lock = threading.Lock()
        self._key: object = None
        self._files: dict[str, Dump] = {}
        self._extra: dict[str, object] = {}

    def _current(self, store: Store) -> dict[str, Dump]:
        key = fingerprint(store)
        if key != self._key:
            self._files, self._extra, self._key = build(store, self._private), {}, key
        return self._files

    def files(self, store: Store) -> dict[str, Dump]:
        with self._lock:
            return self._current(store)

    def derived(self, store: Store, name: str, make) -> object:
        """A value computed from the files (the catalogue), kept as long as they are."""
        with self._lock:
            files = self._current(store)
            if name not in self._extra:
                self._extra[name] = make(files)
            return self._extra[name]
