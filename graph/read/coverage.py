"""Coverage: for a region, how many services meet each need for each status, and by which rule.

A cell of the matrix (need N, status S, region R) counts the services a caseworker's search
``need=N&status=S&region=R`` finds, split by the rule that lets them in: ``open_to_all`` plus
``restricted`` is that search's total, and ``not_stated`` is what ``include_unknown=true`` adds.
Defunct services count nowhere, as the search finds none.

Two paths count, as the search has two: when the search index is in use for an embedded store
(``search_index.enabled``), each cell is a few intersections of the index's sets (the need's
services, the region's, and each rule's), the very sets the search combines; otherwise (the
``--no-index`` option, a remote engine) one SPARQL question (``coverage-matrix.rq``) that
includes the search's own eligibility and running rules (``service-eligibility.rq``,
``service-running.rq``), so neither path can drift from the search.

The needs and statuses (the matrix's rows and columns) are the top concepts of their schemes, or
the ones asked for, and, with ``depth``, the concepts that many levels below them, in tree order.
Gaps are returned as codes (need, statuses, whether unstated services exist); ``api/`` words them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.read import concepts, ranking, search_index
from passerelle.graph.read.codes import resolve
from passerelle.graph.store.base import Store
from passerelle.graph.store.embedded import EmbeddedStore

RULES = {"open-to-all": "open_to_all", "restricted": "restricted", "not-stated": "not_stated"}
"""The eligibility rules ``service-eligibility.rq`` binds, and the cell's count of each."""
COLUMNS = ("region", "need", "status", "open_to_all", "restricted", "not_stated", "total")
"""The long table of matrices (CSV): a row a region, need and status."""
MAX_DEPTH = 5
"""Deeper than any scheme here; a larger ``depth`` is refused by the API."""


@dataclass(frozen=True)
class Axis:
    """One row (a need) or column (a status) of the matrix."""

    iri: str
    code: str
    labels: dict[str, str]
    depth: int

    def label(self, lang: str) -> str:
        return concepts.label(concepts.Concept(self.iri, self.code, dict(self.labels)), lang)


@dataclass
class Cell:
    need: str
    status: str
    open_to_all: int = 0
    restricted: int = 0
    not_stated: int = 0

    @property
    def total(self) -> int:
        """What the search for this need, status and region counts (without unknowns)."""
        return self.open_to_all + self.restricted

    def as_dict(self) -> dict:
        return {"need": self.need, "status": self.status, "open_to_all": self.open_to_all,
                "restricted": self.restricted, "not_stated": self.not_stated,
                "total": self.total}


@dataclass
class Matrix:
    """The coverage of one region: its needs x statuses cells, in the axes' order."""

    region: Axis
    needs: list[Axis]
    statuses: list[Axis]
    cells: list[Cell] = field(default_factory=list)

    def cell(self, need: str, status: str) -> Cell:
        return next(c for c in self.cells if c.need == need and c.status == status)

    def as_dict(self) -> dict:
        return {"region": self.region.code, "needs": [n.code for n in self.needs],
                "statuses": [s.code for s in self.statuses],
                "cells": [c.as_dict() for c in self.cells]}


@dataclass(frozen=True)
class Gap:
    """A need with statuses for which no service is stated as open; ``unstated`` tells whether
    some services of that need state no eligibility at all (they might serve those statuses)."""

    need: str
    statuses: tuple[str, ...]
    everyone: bool
    unstated: int


def axes(store: Store, parameter: str, codes: list[str], depth: int) -> list[Axis]:
    """The concepts ``codes`` names (else the scheme's top concepts) and those up to ``depth``
    levels below them, each once, parents before children, siblings by code; raises
    UnknownCode."""
    found = ranking.tree(store, parameter)
    if codes:
        resolved = resolve(store, parameter, codes)
        roots = [found[resolved[c].value] for c in dict.fromkeys(codes)
                 if resolved[c].value in found]
    else:
        roots = sorted((c for c in found.values() if not c.broader), key=_order)
    out: list[Axis] = []
    seen: set[str] = set()

    def walk(concept: concepts.Concept, level: int) -> None:
        if concept.iri in seen:
            return
        seen.add(concept.iri)
        out.append(Axis(concept.iri, concept.notation or concept.iri, dict(concept.labels),
                        level))
        if level < depth:
            for child in sorted((found[i] for i in concept.narrower), key=_order):
                walk(child, level + 1)

    for root in roots:
        walk(root, 0)
    return out


def _order(concept: concepts.Concept) -> tuple[str, str]:
    return ((concept.notation or concept.iri).casefold(), concept.iri)


def regions(store: Store, codes: list[str]) -> list[Axis]:
    """The regions ``codes`` names, in that order, with their labels (looked up for these
    regions only: the regions scheme holds every municipality); raises UnknownCode."""
    resolved = resolve(store, "region", codes)
    labels: dict[str, dict[str, str]] = {}
    sparql = values(queries.text("concept-labels"),
                    {"concept": list(dict.fromkeys(resolved.values()))})
    for row in store.query(sparql):
        if isinstance(row["label"], ox.Literal):
            labels.setdefault(row["concept"].value, {}).setdefault(
                row["label"].language or "", row["label"].value)
    return [Axis(resolved[code].value, _code(code, resolved[code].value),
                 labels.get(resolved[code].value, {}), 0) for code in dict.fromkeys(codes)]


def _code(asked: str, iri: str) -> str:
    """A region's code: the one asked, or the concept IRI's last part when an IRI was asked."""
    return iri.rsplit("/", 1)[-1] if "://" in asked else asked


def matrices(store: Store, region_codes: list[str], need_codes: list[str] = (),
             status_codes: list[str] = (), depth: int = 0, *,
             index: bool | None = None) -> list[Matrix]:
    """One matrix a region, from the search index's sets or from one query for all of them;
    raises UnknownCode naming the parameter whose code is unknown. ``index`` chooses the path
    (None: the index when the search uses it on this store and the store is embedded; while
    the index follows a write, SPARQL)."""
    places = regions(store, list(region_codes))
    needs = axes(store, "need", list(need_codes), depth)
    statuses = axes(store, "status", list(status_codes), depth)
    found = {place.iri: Matrix(place, needs, statuses, [
        Cell(n.code, s.code) for n in needs for s in statuses]) for place in places}
    pairs = [(n, s) for n in needs for s in statuses]
    if not pairs:
        return [found[place.iri] for place in places]
    if index is None:
        index = search_index.enabled(store) and isinstance(store, EmbeddedStore)
    kept = search_index.current(store) if index else None
    if kept is not None:
        for place in places:
            counts = kept.coverage(place.iri, [n.iri for n in needs], [s.iri for s in statuses])
            for cell, (n, s) in zip(found[place.iri].cells, pairs, strict=True):
                cell.open_to_all, cell.restricted, cell.not_stated = counts[n.iri, s.iri]
    elif places:
        cells = {(place.iri, n.iri, s.iri): cell for place in places
                 for cell, (n, s) in zip(found[place.iri].cells, pairs, strict=True)}
        sparql = values(queries.text("coverage-matrix"), {
            "region": [ox.NamedNode(p.iri) for p in places],
            "need": [ox.NamedNode(n.iri) for n in needs],
            "status": [ox.NamedNode(s.iri) for s in statuses],
        }, frozenset({"include_unknown", "rule", "in_region"}))
        for row in store.query(sparql):
            cell = cells.get((row["region"].value, row["need"].value, row["status"].value))
            if cell is None:
                continue
            count = RULES[row["eligibility"].value]
            setattr(cell, count, getattr(cell, count) + int(row["services"].value))
    return [found[place.iri] for place in places]


def table(found: list[Matrix]) -> list[tuple]:
    """The matrices as one long table with ``COLUMNS``, for spreadsheets and comparisons."""
    return [(matrix.region.code, *(cell.as_dict()[c] for c in COLUMNS[1:]))
            for matrix in found for cell in matrix.cells]


def answer(found: list[Matrix]) -> dict:
    """The JSON of the matrices: the matrix itself for one region, else ``{"matrices"}``."""
    if len(found) == 1:
        return found[0].as_dict()
    return {"matrices": [m.as_dict() for m in found]}


def gaps(matrix: Matrix) -> list[Gap]:
    """The needs with statuses no service is stated as open to, in the matrix's order: for
    each, the statuses left out (``everyone`` when no status is served at all) and how many
    services of that need state no eligibility."""
    out = []
    for need in matrix.needs:
        row = [matrix.cell(need.code, s.code) for s in matrix.statuses]
        missing = tuple(c.status for c in row if c.total == 0)
        if missing:
            out.append(Gap(need.code, missing, len(missing) == len(row),
                           max((c.not_stated for c in row), default=0)))
    return out
