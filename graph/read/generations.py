"""What a reader keeps of an embedded store's data, for as long as that data stays the same.

Searches read the same things again and again between writes (codes resolved to concepts, the
facts the ranking orders by, whole answers); an embedded store counts its writes
(``EmbeddedStore.generation``), so each keeps one object per store and generation, made afresh
when the data changes. A remote engine has no such counter and may be written by other
processes, so nothing is kept for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from passerelle.graph.store.base import Store
from passerelle.graph.store.embedded import EmbeddedStore

T = TypeVar("T")


class PerGeneration(Generic[T]):
    """One ``make()`` per embedded store and write generation of its data."""

    def __init__(self, make: Callable[[], T]):
        self._make = make
        self._kept: WeakKeyDictionary[EmbeddedStore, tuple[int, T]] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, store: Store) -> T | None:
        """The object kept for the store's present data (made now if there is none); None for
        a store other than an embedded one. An object of an older generation is never given
        again, so whatever a reader still puts in one after a write is never read."""
        if not isinstance(store, EmbeddedStore):
            return None
        with self._lock:
            generation = store.generation
            found = self._kept.get(store)
            if found is None or found[0] != generation:
                found = self._kept[store] = (generation, self._make())
            return found[1]
