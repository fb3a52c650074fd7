"""The order of a search's answers, and why each service stands where it does.

A caseworker reads the first answers first, so the order carries the search's certainty: a
service whose eligibility is confirmed for the client (open to all, or restricted to a status
that matches theirs) comes before one whose eligibility no source states; a service of the
place searched (or inside it) before one covering a wider area that contains it, national ones
last; a service of the need asked before one of a narrower need; nearer before farther when a
point is given (``near``); recently verified before stale; then by name, then by IRI, so the
same question always gives the same order. Defunct services never reach it: they never match
(``service-running.rq``, ``search_index``).

Each rule is said as a code with the concepts or values it links (``explain``); ``api/`` words
them in the reader's language. Distances (``near``), each said in the explanation:

- from the service's own coordinates, when it has them: that is where the client goes;
- else 0 when ``near`` names a place (a municipality or region code) and one of the service's
  areas is that place or contains it: the service serves the place searched, whether or not its
  area has a reference point (a whole country, a NUTS 1 or 2 region);
- else from the reference point of the nearest of its areas;
- else none. Places get reference points only from a cited source and are never given invented
  coordinates, so a service with only a broad area has no distance from a point given as
  coordinates (the area is not known to contain it).

A service with no distance sorts after the ones with a distance; ``within_km`` keeps only the
services known to be that close, so it leaves out the ones with no distance.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import itertools
import math
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import ID
from passerelle.graph.read import concepts
from passerelle.graph.read.codes import SCHEMES, UnknownCode, resolve
from passerelle.graph.read.generations import PerGeneration
from passerelle.graph.read.labels import pick
from passerelle.graph.store.base import Store

TEMPORARILY_CLOSED = ID + "service-status/temporarily-closed"
EARTH_RADIUS_KM = 6371.0088
"""The mean Earth radius (IUGG), for great-circle distances."""
ALL_AT_ONCE = 500
"""Above this many services, their facts are read for every service in one query rather than
bound one by one."""
_POINT = re.compile(r"^\s*([+-]?\d{1,3}(?:\.\d+)?)\s*,\s*([+-]?\d{1,3}(?:\.\d+)?)\s*$")


class Unplaceable(UnknownCode):
    """``near`` names no point: coordinates out of range, or a place with no reference point.
    ``kind`` says which (``out-of-range``, ``no-reference-point``)."""

    def __init__(self, value: str, kind: str):
        super().__init__("near", [value])
        self.kind = kind
        problem = ("coordinates out of range (latitude -90 to 90, longitude -180 to 180)"
                   if kind == "out-of-range" else "this place has no reference coordinates")
        self.args = (f"near {value[:80]!r}: {problem}",)


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    place: str | None = None


@dataclass
class Facts:
    """What the order of one service depends on."""

    open: bool = False
    eligible: set[str] = field(default_factory=set)
    areas: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)
    verified: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    status: str | None = None
    geo: tuple[float, float] | None = None


@dataclass(frozen=True)
class Ranked:
    """The services in order (too distant ones left out), each one's distance in km
    (when a point was given and one could be measured) and the rules that placed it."""

    order: list[str]
    distances: dict[str, float]
    rules: dict[str, list[dict]]


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (latitude, longitude) points (haversine)."""
    lat1, lat2 = a[0] * _RADIANS, b[0] * _RADIANS
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((b[1] - a[1]) * _RADIANS / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


_RADIANS = math.pi / 180


# --- what is read from the store, kept per write generation of an embedded store -----------

class _Kept:
    """What is read of one generation of a store's data (``generations``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.facts: dict[str, Facts] = {}
        self.complete = False
        self.places: dict[str, tuple[float, float]] | None = None
        self.trees: dict[str, dict[str, concepts.Concept]] = {}
        self.spatial: _Spatial | None = None


_kept: PerGeneration[_Kept] = PerGeneration(_Kept)


def _memory(store: Store) -> _Kept:
    """What is known of an embedded store's current data; a fresh memory for other stores, whose
    data may change under us (as in ``search.Answers``)."""
    return _kept.get(store) or _Kept()


def _number(term) -> float | None:
    try:
        return float(term.value)
    except (AttributeError, ValueError):
        return None


def _read_facts(store: Store, services, kept: _Kept) -> dict[str, Facts]:
    """The facts kept of the store's services, read first for those of ``services`` not kept
    yet (a service with none is kept with empty ``Facts``). The kept dict itself, not a copy:
    copying it for every search from a point cost more than measuring the distances."""
    if kept.complete:
        return kept.facts
    wanted = [s for s in services if s not in kept.facts]
    if len(wanted) > ALL_AT_ONCE:
        return _every_fact(store, kept, wanted)
    if wanted:
        found = _facts(store, values(queries.text("ranking-facts"),
                                     {"service": [ox.NamedNode(s) for s in wanted]},
                                     frozenset({"facts", "some"})))
        for service in wanted:
            found.setdefault(service, Facts())
        kept.facts.update(found)
    return kept.facts


def _every_fact(store: Store, kept: _Kept, wanted: Iterable[str] = ()) -> dict[str, Facts]:
    """The facts of every service, read in one query unless already kept (``wanted``: the
    services kept with empty ``Facts`` when the store has none of theirs)."""
    if not kept.complete:
        found = _facts(store, values(queries.text("ranking-facts"), {},
                                     frozenset({"facts", "all"})))
        for service in wanted:
            found.setdefault(service, Facts())
        kept.facts.update(found)
        kept.complete = True
    return kept.facts


def _facts(store: Store, sparql: str) -> dict[str, Facts]:
    found: dict[str, Facts] = {}
    for row in store.query(sparql):
        service, key, value = row["service"], row["key"], row["value"]
        if service is None or key is None:
            continue
        facts = found.setdefault(service.value, Facts())
        key = key.value
        if key == "geo":
            lat, lon = _number(row["lat"]), _number(row["lon"])
            if lat is not None and lon is not None:
                facts.geo = min(facts.geo or (lat, lon), (lat, lon))
        elif key == "open":
            # Some engines (Virtuoso) give a stored boolean back as "1".
            facts.open = facts.open or value.value in ("true", "1")
        elif key in ("eligible", "area", "type") and isinstance(value, ox.NamedNode):
            {"eligible": facts.eligible, "area": facts.areas, "type": facts.types}[key].add(
                value.value)
        elif key == "verified":
            facts.verified = max(facts.verified or value.value, value.value)
        elif key == "name" and isinstance(value, ox.Literal):
            language = value.language or ""  # the smallest of a language: the same every time
            facts.names[language] = min(facts.names.get(language, value.value), value.value)
        elif key == "status" and isinstance(value, ox.NamedNode):
            facts.status = value.value
    return found


def _places(store: Store, kept: _Kept) -> dict[str, tuple[float, float]]:
    if kept.places is None:
        places: dict[str, tuple[float, float]] = {}
        for row in store.query(values(queries.text("ranking-facts"), {}, frozenset({"places"}))):
            lat, lon = _number(row["lat"]), _number(row["lon"])
            if isinstance(row["place"], ox.NamedNode) and lat is not None and lon is not None:
                places.setdefault(row["place"].value, (lat, lon))
        kept.places = places
    return kept.places


def _tree(store: Store, name: str, kept: _Kept) -> dict[str, concepts.Concept]:
    if name not in kept.trees:
        kept.trees[name] = concepts.concepts(store, SCHEMES[name])
    return kept.trees[name]


def tree(store: Store, name: str) -> dict[str, concepts.Concept]:
    """The concepts of the scheme of parameter ``name`` (``codes.SCHEMES``), read once for each
    write generation of an embedded store: the coverage matrix draws its axes from them on every
    call, and reading a scheme costs more than counting a whole matrix from the index. Not to be
    changed by the caller."""
    kept = _memory(store)
    with kept.lock:
        return _tree(store, name, kept)


def _ancestors(tree: dict[str, concepts.Concept], iri: str) -> dict[str, int]:
    """Each concept above ``iri`` (and itself, at 0) with its distance in steps."""
    found = {iri: 0}
    frontier = [iri]
    while frontier:
        following = []
        for current in frontier:
            for parent in tree.get(current, concepts.Concept(current)).broader:
                if parent not in found:
                    found[parent] = found[current] + 1
                    following.append(parent)
        frontier = following
    return found


# --- the point searched from ---------------------------------------------------------------

def point(store: Store, near: str) -> Point:
    """The point ``near`` names: ``LAT,LON`` in decimal degrees, or a region or municipality
    code whose reference point the graph holds. Raises ``UnknownCode`` (parameter ``near``) for
    an unknown code and ``Unplaceable`` for coordinates out of range or a place with no
    reference point."""
    found = _POINT.match(near)
    if found:
        lat, lon = float(found.group(1)), float(found.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Unplaceable(near, "out-of-range")
        return Point(lat, lon)
    try:
        concept = resolve(store, "region", [near])[near].value
    except UnknownCode:
        raise UnknownCode("near", [near]) from None
    reference = _places(store, _memory(store)).get(concept)
    if reference is None:
        raise Unplaceable(near, "no-reference-point")
    return Point(*reference, place=concept)


# --- the order -----------------------------------------------------------------------------

def rank(store: Store, params, services) -> Ranked:
    """The matching ``services`` of a search with ``params`` (``search.SearchParams``) in the
    order above, without, when ``within_km`` is given with ``near``, the
    ones farther than that or measured from nowhere. A search that asks for no page
    (``limit=0``, a count) is only filtered, not ordered."""
    origin = point(store, params.near) if params.near else None
    kept = _memory(store)
    services = set(services)
    if not services:
        return Ranked([], {}, {})
    if params.limit == 0 and not (origin and params.within_km is not None):
        return Ranked(sorted(services), {}, {})
    with kept.lock:
        facts = _read_facts(store, services, kept)
        places = _places(store, kept) if origin else {}
    trees, asked = _asked(store, params, kept, origin)
    served = _ancestors(trees["region"], origin.place) if origin and origin.place else {}
    keys: dict[str, tuple] = {}
    rules: dict[str, list[dict]] = {}
    distances: dict[str, float] = {}
    areas: dict[str, float] = {}
    none = Facts()
    for service, measured in _measured(kept, facts, services, origin, params.within_km, places,
                                       served):
        f = facts.get(service) or none
        if measured is False:
            measured = _distance(f, origin, places, served, areas) if origin else None
        if origin and measured is not None:
            distances[service] = round(measured[0], 1)
        if origin and params.within_km is not None and (
                measured is None or measured[0] > params.within_km):
            continue
        keys[service], rules[service] = _key(service, f, params, trees, asked, measured, origin)
    order = sorted(keys, key=keys.__getitem__)
    return Ranked(order, distances, rules)


def _measured(kept: _Kept, facts: dict[str, Facts], services: set[str], origin: Point | None,
              within_km: float | None, places, served):
    """The services that may be within ``within_km`` of ``origin``, each with its distance when
    known here (False: to be measured).

    With a distance, and the facts of every service kept, only the services whose own coordinates
    lie in that band of latitude are looked at (``_Spatial``), and the others are taken a set
    of areas at a time, measured once for all the services that share it: a search from a
    point over every service of a million-triple graph measured tens of thousands of them."""
    # No two points whose latitudes differ by more than within_km along a meridian are closer
    # than that: services with their own coordinates that far are left out unmeasured.
    reach = (math.degrees(within_km / EARTH_RADIUS_KM) + 1e-9
             if origin and within_km is not None else None)
    if reach is None or not kept.complete:
        for service in services:
            f = facts.get(service)
            if reach is None or f is None or f.geo is None or abs(f.geo[0] - origin.lat) <= reach:
                yield service, False
        return
    spatial = _spatial(kept, facts)
    here = (origin.lat, origin.lon)
    for service, geo in spatial.located(origin, reach, within_km):
        if service in services:
            yield service, (distance_km(here, geo), None, "own")  # as ``_distance`` measures
    memo: dict[str, float] = {}
    for shared in spatial.sharing(_areas_in_reach(origin, within_km, places, served, memo)):
        measured = _distance(facts[shared[0]], origin, places, served, memo)
        if measured is not None and measured[0] <= within_km:
            for service in shared:
                if service in services:
                    yield service, measured


def _spatial(kept: _Kept, facts: dict[str, Facts]) -> _Spatial:
    with kept.lock:
        if kept.spatial is None or kept.spatial.facts is not facts:
            kept.spatial = _Spatial(facts)
        return kept.spatial


def _areas_in_reach(origin: Point, within_km: float, places, served: dict[str, int],
                    memo: dict[str, float]) -> set[str]:
    """The areas through which a service without coordinates may be within ``within_km``:
    the place searched and those containing it (``served``), and the places whose reference
    point is that close (each distance kept in ``memo``, as ``_distance`` keeps them)."""
    near = set(served)
    for area, where in places.items():
        km = memo.get(area)
        if km is None:
            km = memo[area] = distance_km((origin.lat, origin.lon), where)
        if km <= within_km:
            near.add(area)
    return near


class _Spatial:
    """The services of ``facts`` with their own coordinates by cell of a grid of latitude and
    longitude (in order of latitude, for the bands no cell narrows), and the others by their
    set of areas, each set found from any of its areas.

    Why: a search from a point within a distance measures only what lies in reach; a band of
    latitude alone spans the continent (thousands of services measured and dropped), and
    going through every set of areas cost as much again."""

    CELL = 1.0
    """Degrees of latitude and of longitude a cell spans."""

    def __init__(self, facts: dict[str, Facts]):
        self.facts = facts
        located = sorted((f.geo[0], service) for service, f in facts.items() if f.geo)
        self.latitudes = [lat for lat, _ in located]
        self.by_latitude = [(service, facts[service].geo) for _, service in located]
        self.cells: dict[tuple[int, int], list[tuple[str, tuple[float, float]]]] = {}
        for service, geo in self.by_latitude:
            self.cells.setdefault((math.floor(geo[0] / self.CELL),
                                   self._column(math.floor(geo[1] / self.CELL))),
                                  []).append((service, geo))
        self.by_areas: dict[frozenset[str], list[str]] = {}
        for service, f in facts.items():
            if not f.geo:
                self.by_areas.setdefault(frozenset(f.areas), []).append(service)
        self.with_area: dict[str, list[list[str]]] = {}
        for areas, shared in self.by_areas.items():
            for area in areas:
                self.with_area.setdefault(area, []).append(shared)
        self.lock = threading.Lock()
        self._numbered: _Numbered | None = None

    def _column(self, column: int) -> int:
        """A column of cells, the same on both sides of the antimeridian."""
        around = round(360 / self.CELL)
        return (column + around // 2) % around - around // 2

    def located(self, origin: Point, reach: float, within_km: float
                ) -> Iterator[tuple[str, tuple[float, float]]]:
        """The services with their own coordinates (and those coordinates) that may lie within
        ``within_km`` of ``origin``: in its band of latitude (``reach`` degrees either side),
        and in the longitudes that distance allows at the band's edge farthest from the
        equator."""
        cells = self.around(origin, reach, within_km)
        south, north = origin.lat - reach, origin.lat + reach
        if cells is None:
            low = bisect.bisect_left(self.latitudes, south)
            high = bisect.bisect_right(self.latitudes, north)
            yield from itertools.islice(self.by_latitude, low, high)
            return
        for cell in cells:
            for found in self.cells.get(cell, ()):
                if south <= found[1][0] <= north:
                    yield found

    def around(self, origin: Point, reach: float, within_km: float
               ) -> list[tuple[int, int]] | None:
        """The cells ``located`` looks in; None when no cell narrows the band of latitude."""
        span = _longitudes(origin, reach, within_km)
        if span is None:
            return None
        south, north = origin.lat - reach, origin.lat + reach
        west = math.floor((origin.lon - span) / self.CELL)
        east = math.floor((origin.lon + span) / self.CELL)
        columns = sorted({self._column(c) for c in range(west, east + 1)})
        return [(row, column)
                for row in range(math.floor(south / self.CELL), math.floor(north / self.CELL) + 1)
                for column in columns]

    def numbered(self, numbers: dict[str, int]) -> _Numbered:
        """The same services as the search index numbers them (``numbers``), made once for
        each index."""
        with self.lock:
            if self._numbered is None or self._numbered.numbers is not numbers:
                self._numbered = _Numbered(self, numbers)
            return self._numbered

    def sharing(self, areas: Iterable[str]) -> list[list[str]]:
        """The services without coordinates, by set of areas, of the sets holding any of
        ``areas``, each set once."""
        found: dict[int, list[str]] = {}
        for area in areas:
            for shared in self.with_area.get(area, ()):
                found[id(shared)] = shared
        return list(found.values())


class _Numbered:
    """A ``_Spatial``'s cells with each service's number in the search index (those the index
    does not know left out), its coordinates, its latitude in radians and that latitude's
    cosine; and
    its sets of areas with the numbers of their services: what ``near_page`` measures and
    meets with a search's matches without looking up an IRI."""

    def __init__(self, spatial: _Spatial, numbers: dict[str, int]):
        self.numbers = numbers
        self.cells: dict[tuple[int, int], list[tuple]] = {}
        for cell, located in spatial.cells.items():
            self.cells[cell] = [
                (numbers[service], service, geo[0], geo[1], geo[0] * _RADIANS,
                 math.cos(geo[0] * _RADIANS))
                for service, geo in located if service in numbers]
        self.shared = {id(shared): [(numbers[service], service) for service in shared
                                    if service in numbers]
                       for shared in spatial.by_areas.values()}


def _longitudes(origin: Point, reach: float, within_km: float) -> float | None:
    """How many degrees of longitude from ``origin`` a point within ``within_km`` of it and at
    most ``reach`` degrees of latitude away may lie, with a margin; None when any longitude
    may (near a pole, or a distance across half the globe).

    From the haversine formula: hav(d/R) = hav(dlat) + cos(lat1) cos(lat2) hav(dlon), so
    hav(dlon) <= hav(d/R) / (cos(lat1) cos(lat2)), lat2 taken at the band's edge farthest from
    the equator."""
    farthest = max(abs(origin.lat - reach), abs(origin.lat + reach))
    if farthest >= 89:
        return None
    bound = math.cos(origin.lat * _RADIANS) * math.cos(farthest * _RADIANS)
    ratio = math.sin(within_km / EARTH_RADIUS_KM / 2) ** 2 / bound
    if ratio >= 0.25:  # beyond 60 degrees of longitude: not worth narrowing
        return None
    return math.degrees(2 * math.asin(math.sqrt(ratio))) * (1 + 1e-6) + 1e-6


def within(store: Store, near: str, within_km: float, services) -> set[str]:
    """Those of ``services`` that ``rank`` keeps for a search from ``near`` within
    ``within_km``: the ones measured (as ``rank`` measures, through ``_measured``) at most that
    far. What facet counts of such a search count among, each service measured once for every
    facet."""
    origin = point(store, near)
    kept = _memory(store)
    services = set(services)
    with kept.lock:
        facts = _read_facts(store, services, kept)
        places = _places(store, kept)
        regions = _tree(store, "region", kept) if origin.place else {}
    served = _ancestors(regions, origin.place) if origin.place else {}
    found: set[str] = set()
    areas: dict[str, float] = {}
    none = Facts()
    for service, measured in _measured(kept, facts, services, origin, within_km, places, served):
        if measured is False:
            measured = _distance(facts.get(service) or none, origin, places, served, areas)
        if measured is not None and measured[0] <= within_km:
            found.add(service)
    return found


def _asked(store: Store, params, kept: _Kept, origin: Point | None = None
           ) -> tuple[dict, dict[str, set[str]]]:
    """The trees of the schemes the search asks about (and the regions' when ``near`` names a
    place, to tell which areas serve it), and the concepts it asks for."""
    with kept.lock:
        trees = {name: _tree(store, name, kept) for name in ("status", "need", "region")
                 if getattr(params, name) or (name == "region" and origin and origin.place)}
    asked = {name: {c.value for c in resolve(store, name, list(getattr(params, name))).values()}
             for name in trees if getattr(params, name)}
    return trees, asked


def _key(service: str, f: Facts, params, trees, asked, measured, origin
         ) -> tuple[tuple, list[dict]]:
    """One service's place in the order, and the rules that put it there."""
    said: list[dict] = []
    key = (_eligibility(f, params, trees, asked, said),
           _closeness(f, trees, asked, said),
           _need(f, asked, said),
           _nearness(measured, origin, said),
           *order_key(service, f, params.lang))
    _verified(f, said)
    if f.status == TEMPORARILY_CLOSED:
        said.append({"rule": "rank-temporarily-closed"})
    return key, said


def order_key(service: str, f, lang: str) -> tuple:
    """What orders services the search's rules do not tell apart, the same for every search:
    recently verified first, then by name in ``lang``, then by IRI. ``f`` is this module's
    ``Facts`` or the search index's."""
    verified = f.verified if isinstance(f, Facts) else f.last_verified
    names = f.names if isinstance(f, Facts) else _names(f.names)
    return (*_verified_key(verified), (pick(names, lang) or "").casefold(), service)


def _names(texts) -> dict[str, str]:
    names: dict[str, str] = {}
    for text, language in texts:
        language = language or ""
        names[language] = min(names.get(language, text), text)
    return names


def indexed(iri: str, f) -> Facts:
    """The ranking's facts of a service from what the search index keeps of it (``f``): the
    same facts ``ranking-facts.rq`` reads, coordinates aside (a search from a point reads
    those)."""
    return Facts(open=f.open, eligible=set(f.statuses), areas=set(f.areas), types=set(f.types),
                 verified=f.last_verified, names=_names(f.names),
                 status=TEMPORARILY_CLOSED if TEMPORARILY_CLOSED in f.service_statuses
                 else min(f.service_statuses, default=None))


def page(store: Store, params, index, resolved: dict[str, list[str]]
         ) -> tuple[int, list[str], dict[str, list[dict]]] | None:
    """How many services match, the page ``params`` asks for in the order above, and the rules
    that placed each of its services, from the search ``index`` (``concepts``: the resolved
    parameters); None when the search asks for a point (distances need every match's
    coordinates: ``rank`` orders those). ``resolved``: the concepts of each parameter."""
    if params.near:
        return None
    trees, asked = _asked(store, params, _memory(store))
    wider: dict[str, tuple[int, int]] = {}
    if "region" in asked:
        tree = trees["region"]
        for region in asked["region"]:
            for area, steps in _ancestors(tree, region).items():
                if steps:
                    national = not tree.get(area, concepts.Concept(area)).broader
                    wider[area] = min(wider.get(area, (3, 0)), (2 if national else 1, steps))
    total, found = index.page(
        **resolved, open_to_all=params.open_to_all, include_unknown=params.include_unknown,
        q=params.q or None, eligible=sorted(asked["status"]) if "status" in asked else None,
        wider=sorted(wider, key=lambda area: (wider[area], area)),
        same_need=sorted(asked.get("need", ())), key=order_key, lang=params.lang,
        start=params.offset, stop=params.offset + params.limit)
    kept = index.facts(found)
    rules = {service: _key(service, indexed(service, kept[service]), params, trees, asked,
                           None, None)[1] for service in found}
    return total, found, rules


def near_page(store: Store, params, index, resolved: dict[str, list[str]]
              ) -> tuple[int, list[str], dict[str, list[dict]], dict[str, float]]:
    """For a search from a point (``near``): how many services ``rank`` keeps, the page
    ``params`` asks for in ``rank``'s order, the rules that placed each service of the page
    and its distance, from the search ``index`` (``resolved``: the concepts of each parameter).

    Only the matches within reach are measured (``_reached``) and put in the classes of
    ``_key`` that come before the distance (from the index's sets, or once per combination of
    the facts they read); in the classes that reach the page, the smallest by distance and the
    index's order key (``order_key``, kept by the index) make the page (``heapq``), and only
    its services are explained. ``rank`` explained and sorted every service in reach, thousands
    at a million triples, to show twenty."""
    origin = point(store, params.near)
    kept = _memory(store)
    with kept.lock:
        facts = _every_fact(store, kept)
        places = _places(store, kept)
    trees, asked = _asked(store, params, kept, origin)
    served = _ancestors(trees["region"], origin.place) if origin.place else {}
    within_km = params.within_km
    by_status, by_region, by_need = "status" in asked, "region" in asked, "need" in asked
    reached: dict[int, tuple[str, tuple | None]] = {}
    with index.matched(**resolved, open_to_all=params.open_to_all,
                       include_unknown=params.include_unknown, q=params.q or None,
                       key=order_key, lang=params.lang) as matched:
        keys = matched.keys
        _reached(kept, facts, matched, origin, within_km, places, served, reached)
        if by_status or by_region or by_need:
            groups = _grouped(reached, matched.facts, params, trees, asked)
        else:  # the classes are those of eligibility alone: open, restricted, not stated
            opened = reached.keys() & matched.open
            restricted = (reached.keys() - opened) & matched.restricted
            groups = {(0, (0, 0), 0): opened, (1, (0, 0), 0): restricted,
                      (2, (0, 0), 0): reached.keys() - opened - restricted}

        def key(number: int) -> tuple:
            measured = reached[number][1]
            return (1, 0.0) if measured is None else (0, measured[0]), keys[number]

        start, stop = params.offset, params.offset + params.limit
        shown: list[int] = []
        position = 0
        for group in (groups[c] for c in sorted(groups)):
            if position >= stop:
                break
            if group and position + len(group) > start:
                first = heapq.nsmallest(stop - position, group, key=key)
                shown += first[max(0, start - position):]
            position += len(group)
    page = [reached[n] for n in shown]
    none = Facts()
    rules = {service: _key(service, facts.get(service) or none, params, trees, asked,
                           measured, origin)[1] for service, measured in page}
    return len(reached), [service for service, _ in page], rules, {
        service: round(measured[0], 1) for service, measured in page if measured is not None}


def _grouped(reached: dict[int, tuple], indexed_facts, params, trees, asked
             ) -> dict[tuple, list[int]]:
    """The ``reached`` services by their classes of ``_key`` before the distance, each
    combination of the facts those classes read (in the index's ``indexed_facts``) classed
    once."""
    by_status, by_region, by_need = "status" in asked, "region" in asked, "need" in asked
    classes: dict[tuple, tuple] = {}
    groups: dict[tuple, list[int]] = {}
    for number in reached:
        f = indexed_facts[number]
        shape = (f.open, f.statuses if by_status else bool(f.statuses),
                 f.areas if by_region else None, f.types if by_need else None)
        found = classes.get(shape)
        if found is None:
            found = classes[shape] = _classes(
                Facts(open=f.open, eligible=f.statuses, areas=f.areas, types=f.types),
                params, trees, asked)
        groups.setdefault(found, []).append(number)
    return groups


def _reached(kept: _Kept, facts: dict[str, Facts], matched, origin: Point,
             within_km: float | None, places, served,
             reached: dict[int, tuple[str, tuple | None]]) -> None:
    """Put in ``reached`` each of the search index's ``matched`` services that ``_measured``
    finds within ``within_km`` (any distance, or none, without it): its number in the index,
    its IRI and how far it is (``_distance``).

    Within a distance, the cells of the grid are taken as the index numbers their services
    (``_Spatial.numbered``): each is met with the matches by its number and measured as
    ``distance_km`` measures (the same operations on the same values), without looking up
    its IRI or its facts, and kept in the one loop that measures it."""
    reach = math.degrees(within_km / EARTH_RADIUS_KM) + 1e-9 if within_km is not None else None
    spatial = _spatial(kept, facts) if reach is not None else None
    cells = spatial.around(origin, reach, within_km) if spatial is not None else None
    if cells is None:
        numbers, none, areas = matched.numbers, Facts(), {}
        for service, measured in _measured(kept, facts, matched, origin, within_km, places,
                                           served):
            if measured is False:
                measured = _distance(facts.get(service) or none, origin, places, served, areas)
            if within_km is None or (measured is not None and not measured[0] > within_km):
                reached[numbers[service]] = service, measured
        return
    numbered = spatial.numbered(matched.numbers)
    found = matched.found
    south, north = origin.lat - reach, origin.lat + reach
    lat1, lon1 = origin.lat * _RADIANS, origin.lon
    cos1, sin, asin, sqrt = math.cos(lat1), math.sin, math.asin, math.sqrt
    twice, radians = 2 * EARTH_RADIUS_KM, _RADIANS
    for cell in cells:
        for number, service, lat, lon, lat2, cos2 in numbered.cells.get(cell, ()):
            if south <= lat <= north and number in found:
                h = (sin((lat2 - lat1) / 2) ** 2
                     + cos1 * cos2 * sin((lon - lon1) * radians / 2) ** 2)
                root = sqrt(h)
                distance = twice * asin(root if root < 1.0 else 1.0)
                if not distance > within_km:  # the corners of the cells are out of reach
                    reached[number] = service, (distance, None, "own")
    memo: dict[str, float] = {}
    for shared in spatial.sharing(_areas_in_reach(origin, within_km, places, served, memo)):
        measured = _distance(facts[shared[0]], origin, places, served, memo)
        if measured is not None and measured[0] <= within_km:
            for number, service in numbered.shared[id(shared)]:
                if number in found:
                    reached[number] = service, measured


def _classes(f: Facts, params, trees, asked) -> tuple:
    """The classes of ``_key`` that come before the distance."""
    said: list[dict] = []
    return (_eligibility(f, params, trees, asked, said), _closeness(f, trees, asked, said),
            _need(f, asked, said))


def _eligibility(f: Facts, params, trees, asked, said) -> int:
    if "status" in asked:
        client = {a for s in asked["status"] for a in _ancestors(trees["status"], s)}
        if f.open or f.eligible & client:
            said.append({"rule": "rank-eligibility-confirmed"})
            return 0
        said.append({"rule": "rank-eligibility-not-stated"})
        return 1
    if f.open:
        said.append({"rule": "rank-eligibility-open"})
        return 0
    if f.eligible:
        said.append({"rule": "rank-eligibility-restricted"})
        return 1
    said.append({"rule": "rank-eligibility-not-stated"})
    return 2


def _closeness(f: Facts, trees, asked, said) -> tuple[int, int]:
    """0 for an area that is the place searched or inside it; 1 and the steps up for a wider
    area that contains it; 2 for a country (a top concept of the regions)."""
    if "region" not in asked:
        return (0, 0)
    tree = trees["region"]
    best: tuple[int, int, dict] | None = None
    for area in sorted(f.areas):
        above = _ancestors(tree, area)
        for region in sorted(asked["region"]):
            if region in above:
                found = (0, 0, {"rule": "rank-place-local", "area": area, "region": region})
            else:
                steps = _ancestors(tree, region).get(area)
                if steps is None:
                    continue
                national = not tree.get(area, concepts.Concept(area)).broader
                found = ((2, steps, {"rule": "rank-place-national", "area": area,
                                     "region": region}) if national else
                         (1, steps, {"rule": "rank-place-wider", "area": area,
                                     "region": region}))
            if best is None or found[:2] < best[:2]:
                best = found
    if best is None:
        return (3, 0)
    said.append(best[2])
    return best[:2]


def _need(f: Facts, asked, said) -> int:
    if "need" not in asked:
        return 0
    same = sorted(f.types & asked["need"])
    if same:
        said.append({"rule": "rank-need-same", "need": same[0]})
        return 0
    said.append({"rule": "rank-need-narrower"})
    return 1


def _distance(f: Facts, origin: Point, places, served: dict[str, int], areas: dict[str, float]
              ) -> tuple[float, str | None, str] | None:
    """The distance from ``origin``, the area it was measured from (None: the service's own
    coordinates) and how (``own``, ``serves``, ``area``), in the order of the module's
    docstring; None when none of them applies. ``served`` is the place ``near`` names and the
    places containing it, each with its steps up (empty for a point given as coordinates);
    ``areas`` keeps each area's distance from ``origin`` measured so far, since thousands of
    services share a few hundred areas."""
    here = (origin.lat, origin.lon)
    if f.geo is not None:
        return distance_km(here, f.geo), None, "own"
    if served:
        serving = min(((served[a], a) for a in f.areas if a in served), default=None)
        if serving is not None:
            return 0.0, serving[1], "serves"
    measured = None
    for area in f.areas:
        km = areas.get(area)
        if km is None:
            if area not in places:
                continue
            km = areas[area] = distance_km(here, places[area])
        if measured is None or (km, area) < measured:
            measured = (km, area)
    return (*measured, "area") if measured else None


def _nearness(measured, origin: Point | None, said) -> tuple[int, float]:
    if origin is None:
        return (0, 0.0)
    if measured is None:
        said.append({"rule": "rank-distance-unknown"})
        return (1, 0.0)
    km, area, how = measured
    if how == "own":
        said.append({"rule": "rank-distance-own", "km": round(km, 1)})
    elif how == "serves":
        said.append({"rule": "rank-distance-serves", "area": area, "region": origin.place})
    else:
        said.append({"rule": "rank-distance-area", "km": round(km, 1), "area": area})
    return (0, km)


@functools.lru_cache(maxsize=4096)
def _day(verified: str | None) -> date | None:
    """The day of a verification date; remembered, since a search from a point orders
    thousands of services verified on a few hundred days."""
    try:
        return date.fromisoformat(verified[:10]) if verified else None
    except ValueError:
        return None


def _verified_key(verified: str | None) -> tuple[int, int]:
    day = _day(verified)
    return (1, 0) if day is None else (0, -day.toordinal())


def _verified(f: Facts, said) -> None:
    day = _day(f.verified)
    if day is None:
        said.append({"rule": "rank-not-verified"})
    else:
        said.append({"rule": "rank-verified", "date": day.isoformat()})
