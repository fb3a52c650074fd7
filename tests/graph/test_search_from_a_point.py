"""A search from a point gives the same answer on the index path as on the SPARQL path, and
measures every service within reach.

Why: from a point (``near``), the index path measures only the matches within reach and orders
only the page (``ranking.near_page``), while the SPARQL path measures and orders every match
(``ranking.rank``); both look up what lies in reach through a grid of latitude and longitude
(``ranking._Spatial``). A rule read differently, a class keyed differently, or a cell of the grid
skipped near a pole or the antimeridian would silently move or hide a service a caseworker should
see. Random services (with and without their own coordinates) written through the write path,
then random searches from a point: both paths must give the same totals, items, distances and
reasons; and the services kept within a distance must be exactly those a direct measure of every
service finds.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.graph.rdf.namespaces import SCHEMA, XSD
from passerelle.graph.read import ranking, search_index
from passerelle.graph.read.search import SearchParams, compute
from passerelle.graph.store.bundle import open_store
from tests.graph.test_search_index import (
    POINTS,
    SERVICES,
    apply,
    commit,
    facts,
    graph_of,
    node,
    searches,
    service_iri,
    triples,
)

coordinates = st.tuples(st.floats(-89.9, 89.9), st.floats(-180, 180))
near_points = (43.84, 5.04), (41.0, -3.0), (43.9, 5.2)
"""Points near the test's places (cavaillon, lauris) and the Spanish one of ``POINTS``."""
located = st.one_of(
    st.tuples(st.sampled_from(near_points), st.floats(-0.5, 0.5), st.floats(-0.5, 0.5)).map(
        lambda found: (found[0][0] + found[1], found[0][1] + found[2])),
    coordinates)


def with_geo(number: int, written: dict, where: tuple[float, float] | None) -> list[ox.Triple]:
    out = triples(number, written)
    if where is not None:
        point = ox.BlankNode()
        decimal = node(XSD + "decimal")
        out += [ox.Triple(node(service_iri(number)), node(SCHEMA + "geo"), point),
                ox.Triple(point, node(SCHEMA + "latitude"), ox.Literal(f"{where[0]:.4f}",
                                                                       datatype=decimal)),
                ox.Triple(point, node(SCHEMA + "longitude"), ox.Literal(f"{where[1]:.4f}",
                                                                        datatype=decimal))]
    return out


def write_located(store, number: int, written: dict, where) -> None:
    commit(store, {graph_of(number): with_geo(number, written, where)}, replace=True)


from_a_point = st.builds(
    lambda params, near, within_km: replace(params, near=near, within_km=within_km),
    searches, st.sampled_from((*POINTS, "43.9,5.2", "44.0,4.8")),
    st.sampled_from((None, 1.0, 12.0, 30.0, 60.0, 800.0)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(services=st.lists(st.tuples(st.integers(0, SERVICES - 1), facts, st.none() | located),
                         min_size=1, max_size=SERVICES),
       more=st.lists(st.tuples(st.sampled_from(("delete", "merge")),
                               st.integers(0, SERVICES - 1), st.none() | facts), max_size=2),
       asked=st.lists(from_a_point, min_size=1, max_size=4))
def test_from_a_point_the_index_answers_as_sparql_does(services, more, asked):
    store = open_store(None)
    search_index.current(store)
    for number, written, where in services:
        write_located(store, number, {**written, "typed": True}, where)
    for kind, number, written in more:
        apply(store, (kind, number, None if kind == "delete" else written or {
            "typed": True, "needs": [], "regions": [], "statuses": [], "open": None,
            "languages": [], "names": []}))
    for params in asked:
        indexed = compute(store, params, index=True)
        alone = compute(store, params, index=False)
        assert (indexed.total, indexed.items, indexed.query) == (
            alone.total, alone.items, alone.query), params


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(places=st.lists(coordinates, min_size=1, max_size=12), origin=coordinates,
       near_one=st.booleans(),
       within_km=st.sampled_from((0.5, 5.0, 50.0, 150.0, 900.0, 2500.0, 9000.0)))
def test_the_services_kept_within_a_distance_are_all_those_measured_that_close(
        places, origin, near_one, within_km):
    """Anywhere on the globe (the poles, both sides of the antimeridian), at any distance."""
    store = open_store(None)
    empty = {"typed": True, "needs": [], "regions": [], "statuses": [], "open": None,
             "languages": [], "names": []}
    for number, where in enumerate(places):
        write_located(store, number, empty, where)
    if near_one:  # the first service about the distance due west, across the antimeridian
        lat = float(f"{places[0][0]:.4f}")
        across = math.sin((within_km - 0.05) / ranking.EARTH_RADIUS_KM / 2) / math.cos(
            math.radians(lat))
        if across < 1:
            lon = float(f"{places[0][1]:.4f}") - math.degrees(2 * math.asin(across))
            origin = (lat, (lon + 180) % 360 - 180)
    near = f"{origin[0]:.4f},{origin[1]:.4f}"
    here = ranking.point(store, near)
    services = [service_iri(n) for n in range(len(places))]
    wanted = set()
    for number, (lat, lon) in enumerate(places):
        geo = (float(f"{lat:.4f}"), float(f"{lon:.4f}"))
        if ranking.distance_km((here.lat, here.lon), geo) <= within_km:
            wanted.add(service_iri(number))
    assert ranking.within(store, near, within_km, services) == wanted, "measured one by one"
    found = compute(store, SearchParams(near=near, within_km=within_km, limit=50))
    assert {item["id"] for item in found.items} == wanted
    assert found.total == len(wanted)
    assert ranking.within(store, near, within_km, services) == wanted, "through the grid"


def test_a_search_from_a_point_orders_by_distance_and_says_how_far():
    store = open_store(None)
    empty = {"typed": True, "needs": [], "regions": [], "statuses": [], "open": None,
             "languages": [], "names": []}
    for number, where in enumerate([(43.9, 5.3), (43.85, 5.05), (45.0, 5.0), (40.0, 5.0)]):
        write_located(store, number, empty, where)
    found = compute(store, SearchParams(near="43.84,5.04", within_km=200, explain=True))
    assert [i["id"] for i in found.items] == [service_iri(1), service_iri(0), service_iri(2)]
    assert [i["distance_km"] for i in found.items] == sorted(i["distance_km"]
                                                             for i in found.items)
    assert found.total == 3
    assert all(any(rule["rule"] == "rank-distance-own" for rule in i["why"]["rank"])
               for i in found.items)
