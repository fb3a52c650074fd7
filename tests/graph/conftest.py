"""Fixtures shared by the modules of ``tests/graph`` that compare validation paths."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from passerelle.graph.store.bundle import seed_files
from passerelle.graph.write.loader import parse_files


@pytest.fixture(scope="module")
def seed_graphs(seed):
    """Each seed graph's triples as the requesting module's ``seed`` store holds them."""
    graphs: dict[str, list[ox.Triple]] = {}
    for path in seed_files():
        for name in parse_files([path]):
            graphs[name] = [q.triple for q in seed.quads(name)]
    return graphs
