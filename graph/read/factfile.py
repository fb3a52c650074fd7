"""Regional factfiles: what a region offers newcomers, who does it, and where nothing exists.

A factfile is written for each region that has a regional cooperation platform. It gathers the
platform and who ran it, its partners (who ran it, its members, who organised its meetings, who
implemented the region's pilot actions), its events (roundtables first), the pilot actions and
other practices of the region, the services by need (each need's list is the search's own answer
for that need and region), the coverage matrix and its gaps (``coverage``), and the named graphs
its statements come from with the date each was last checked. Everything is read through the one
read model; gaps are codes, worded by ``api/``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import DCT, PAS, PROV
from passerelle.graph.read import coverage
from passerelle.graph.read.describe import describe
from passerelle.graph.read.labels import pick
from passerelle.graph.read.model import EVENTS, ORGANISATIONS, PLATFORMS, PRACTICES, render
from passerelle.graph.read.search import SearchParams, search
from passerelle.graph.store.base import Store

SERVICES_PER_NEED = 100
"""Services listed under one need; the count always says how many the search finds."""


@dataclass(frozen=True)
class Region:
    iri: str
    code: str
    labels: dict[str, str]
    platforms: tuple[str, ...]

    def name(self, lang: str) -> str:
        return pick(self.labels, lang) or self.code


def regions(store: Store) -> list[Region]:
    """The regions with a cooperation platform, by code."""
    found: dict[str, dict] = {}
    for row in store.query(queries.text("factfile-regions")):
        if not isinstance(row["region"], ox.NamedNode):
            continue
        entry = found.setdefault(row["region"].value, {"code": None, "labels": {},
                                                       "platforms": set()})
        if row["code"] is not None:
            entry["code"] = row["code"].value
        if isinstance(row["label"], ox.Literal):
            entry["labels"].setdefault(row["label"].language or "", row["label"].value)
        entry["platforms"].add(row["platform"].value)
    return sorted((Region(iri, e["code"] or iri.rsplit("/", 1)[-1], e["labels"],
                          tuple(sorted(e["platforms"]))) for iri, e in found.items()),
                  key=lambda r: r.code)


def find(store: Store, code: str) -> Region | None:
    """The factfile region whose code (or IRI) is ``code``; compared in memory, never queried."""
    return next((r for r in regions(store) if code in (r.code, r.iri)), None)


def contents(store: Store, region: Region) -> dict[str, list[str]]:
    """IRIs of the region's platforms, events, pilot actions and practices, by part."""
    parts: dict[str, set[str]] = defaultdict(set)
    sparql = values(queries.text("factfile-contents"), {"region": [ox.NamedNode(region.iri)]})
    for row in store.query(sparql):
        if isinstance(row["item"], ox.NamedNode):
            parts[row["part"].value].add(row["item"].value)
    return {part: sorted(iris) for part, iris in parts.items()}


def provenance(store: Store, iris: list[str], lang: str) -> list[dict]:
    """The named graphs holding statements about ``iris``: title, date last checked, sources."""
    graphs: dict[str, dict] = {}
    if not iris:
        return []
    sparql = values(queries.text("resource-provenance"),
                    {"resource": [ox.NamedNode(i) for i in sorted(set(iris))]})
    for row in store.query(sparql):
        graph = graphs.setdefault(row["graph"].value, {"titles": {}, "checked": None,
                                                       "sources": set()})
        meta, value = row["meta"].value, row["value"]
        if meta == DCT + "title" and isinstance(value, ox.Literal):
            graph["titles"].setdefault(value.language or "", value.value)
        elif meta == PAS + "lastChecked":
            graph["checked"] = max(graph["checked"] or "", value.value)
        elif meta == PROV + "wasDerivedFrom":
            graph["sources"].add(value.value)
    return [{"graph": iri, "title": pick(g["titles"], lang) or iri, "checked": g["checked"],
             "sources": sorted(g["sources"])} for iri, g in sorted(graphs.items())]


def factfile(store: Store, region: Region, lang: str) -> dict:
    """The factfile of ``region`` in ``lang`` (names and texts; the words around them are
    ``api/``'s)."""
    parts = contents(store, region)
    d = describe(store, [i for iris in parts.values() for i in iris])
    platforms = [render(PLATFORMS, d, i, lang) for i in parts.get("platform", [])]
    events = sorted((render(EVENTS, d, i, lang) for i in parts.get("event", [])),
                    key=lambda e: (e.get("kind") != "roundtable", e.get("start_date") or "",
                                   e.get("ordinal") or 0, e["name"] or e["id"]))
    pilots = [render(PRACTICES, d, i, lang) for i in parts.get("pilot-action", [])]
    practices = [render(PRACTICES, d, i, lang) for i in parts.get("practice", [])]
    roles: dict[str, list[str]] = defaultdict(list)
    for role, things, key in (("ran-platform", platforms, "run_by"),
                              ("member", platforms, "members"),
                              ("organised-meetings", events, "organisers"),
                              ("implemented-pilot", pilots, "implemented_by")):
        for ref in {ref["id"] for thing in things for ref in thing.get(key, [])}:
            roles[ref].append(role)
    partner_iris = sorted(roles)
    partners_d = describe(store, partner_iris)
    partners = sorted(({**render(ORGANISATIONS, partners_d, i, lang, ORGANISATIONS.summary),
                        "roles": roles[i]} for i in partner_iris),
                      key=lambda o: ("ran-platform" not in o["roles"],
                                     (o["name"] or o["id"]).casefold()))
    matrix = coverage.matrices(store, [region.iri])[0]
    by_need = []
    shown_services: set[str] = set()
    for need in matrix.needs:
        found = search(store, SearchParams(need=(need.iri,), region=(region.iri,), lang=lang,
                                           limit=SERVICES_PER_NEED))
        shown_services.update(item["id"] for item in found.items)
        by_need.append({"need": need.code, "label": need.label(lang), "total": found.total,
                        "services": found.items})
    sources = provenance(store, [*(i for iris in parts.values() for i in iris), *partner_iris,
                                 *shown_services], lang)
    return {
        "region": {"id": region.iri, "code": region.code, "name": region.name(lang)},
        "platforms": platforms, "partners": partners,
        "roundtables": [e for e in events if e.get("kind") == "roundtable"],
        "events": [e for e in events if e.get("kind") != "roundtable"],
        "pilot_actions": pilots, "practices": practices,
        "services_by_need": by_need,
        "coverage": matrix,
        "gaps": coverage.gaps(matrix),
        "sources": sources,
    }
