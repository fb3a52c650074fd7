"""Caseworker-grade search over HTTP: the order of the answers and why, doubt, facet counts,
suggestions for empty searches and distances, on the embedded store and an Oxigraph server.

The made-up services of tests/data/ranking differ pairwise in the one thing a ranking rule looks
at, and are loaded into this module's own server only, so the other search tests keep their data.
"""

from __future__ import annotations

import math
import os

import pytest

from tests.conftest import DATA, served

ID = "https://w3id.org/passerelle/id/"
TOKEN = {"Authorization": "Bearer s3cret-token"}
BACKENDS = [b for b in ("embedded", "oxigraph-server", "virtuoso")
            if b in os.environ.get("PASSERELLE_TEST_ENGINES", "embedded,oxigraph-server,virtuoso")]
DIGITAL = {"need": "digital-inclusion", "limit": "100"}
CAVAILLON = (43.8375, 5.0381)
VAUCLUSE = (44.0, 5.167)
"""Reference points of Cavaillon and Vaucluse as the regions vocabulary gives them."""


@pytest.fixture(scope="module", params=BACKENDS)
def ranked(request, seeded_store, tmp_path_factory):
    """A server on the seed, the valid examples and the ranking services."""
    env = {"PASSERELLE_API_TOKENS": "tester:s3cret-token"}
    folder = tmp_path_factory.mktemp(f"ranking-{request.param}")
    with served(request.param, seeded_store, folder, env) as live:
        body = (DATA / "ranking" / "services.ttl").read_bytes()
        loaded = live.request("POST", "/store", params={"graph": ID + "graph/ranking-tests"},
                              content=body, headers={**TOKEN, "Content-Type": "text/turtle"})
        assert loaded.status_code in (200, 201, 204), loaded.text
        yield live


def get(server, **params):
    response = server.get("/api/services", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def slugs(body) -> list[str]:
    return [i["id"].removeprefix(ID + "service/") for i in body["items"]]


def before(order: list[str], *names: str) -> None:
    """``names`` appear in ``order`` in this order."""
    positions = [order.index(n) for n in names]
    assert positions == sorted(positions), (names, order)


def haversine(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# --- ranking rules ----------------------------------------------------------------------------

def test_eligibility_confirmed_before_not_stated(ranked):
    body = get(ranked, **DIGITAL, status="refugee", region="cavaillon", include_unknown="true",
               explain="true")
    order = slugs(body)
    before(order, "rank-refugee-local", "rank-unknown-local")
    before(order, "rank-closed", "rank-unknown-local")
    why = {s: i["why"]["rank"] for s, i in zip(order, body["items"], strict=True)}
    assert why["rank-refugee-local"][0]["rule"] == "rank-eligibility-confirmed"
    assert why["rank-unknown-local"][0]["rule"] == "rank-eligibility-not-stated"
    assert why["rank-unknown-local"][0]["text"].startswith("Eligibility not stated")


def test_without_a_status_open_to_all_comes_before_restricted_before_not_stated(ranked):
    order = slugs(get(ranked, **DIGITAL, region="cavaillon"))
    before(order, "rank-closed", "rank-refugee-local", "rank-unknown-local")


def test_the_place_searched_before_wider_areas_and_national_last(ranked):
    body = get(ranked, **DIGITAL, region="FRL06", open_to_all="true", explain="true",
               lang="fr")
    order = slugs(body)
    before(order, "rank-open-department", "rank-open-wider", "rank-open-national")
    before(order, "rank-verified-old", "rank-open-wider")  # Lauris is inside Vaucluse
    rules = {s: [r["rule"] for r in i["why"]["rank"]]
             for s, i in zip(order, body["items"], strict=True)}
    assert "rank-place-local" in rules["rank-open-department"]
    assert "rank-place-wider" in rules["rank-open-wider"]
    assert "rank-place-national" in rules["rank-open-national"]
    national = next(r for r in body["items"][order.index("rank-open-national")]["why"]["rank"]
                    if r["rule"] == "rank-place-national")
    assert national["text"].startswith("La France est un pays entier")


def test_the_same_need_before_a_narrower_one(ranked):
    body = get(ranked, need="health", region="valderrobres", explain="true", limit="100")
    order = slugs(body)
    before(order, "rank-health", "rank-mental-health")  # although "Alpha" sorts first by name
    rules = [r["rule"] for r in body["items"][order.index("rank-mental-health")]["why"]["rank"]]
    assert "rank-need-narrower" in rules


def test_recently_verified_before_stale_before_never(ranked):
    body = get(ranked, **DIGITAL, region="lauris", explain="true")
    order = slugs(body)
    before(order, "rank-verified-new", "rank-verified-old")  # "Alpha" would sort first by name
    old = body["items"][order.index("rank-verified-old")]["why"]["rank"]
    assert {"rule": "rank-verified", "date": "2020-01-15"}.items() <= old[-1].items()


def test_then_by_name(ranked):
    order = slugs(get(ranked, **DIGITAL, region="merindol"))
    before(order, "rank-name-alpha", "rank-name-beta")


def test_order_is_the_same_every_time_and_across_pages(ranked):
    whole = slugs(get(ranked, **DIGITAL, region="FRL06"))
    pages = []
    for offset in range(0, len(whole), 3):
        pages += slugs(get(ranked, need="digital-inclusion", region="FRL06", limit="3",
                           offset=str(offset)))
    assert pages == whole


def test_defunct_services_never_appear(ranked):
    for params in ({**DIGITAL}, {**DIGITAL, "region": "cavaillon"}, {"q": "defunct"},
                   {**DIGITAL, "near": "cavaillon"}):
        body = get(ranked, **params)
        assert "rank-defunct" not in slugs(body), params
    assert ranked.get("/api/services/rank-defunct").status_code == 200  # kept as a record


def test_temporarily_closed_services_are_marked(ranked):
    body = get(ranked, **DIGITAL, region="cavaillon", explain="true")
    item = body["items"][slugs(body).index("rank-closed")]
    assert item["status"] == "temporarily-closed"
    assert item["why"]["rank"][-1] == {"rule": "rank-temporarily-closed",
                                       "text": "Temporarily closed."}


# --- doubt ------------------------------------------------------------------------------------

def test_items_carry_their_uncertainty_notes(ranked):
    body = get(ranked, status="refugee", region="FRL06", limit="100")
    agir = next(i for i in body["items"] if i["id"] == ID + "service/agir")
    assert any("subsidiary protection" in note for note in agir["uncertainty"])
    assert all(isinstance(i["uncertainty"], list) for i in body["items"])


# --- proximity --------------------------------------------------------------------------------

def _rank_rule(item: dict, prefix: str = "rank-distance") -> dict:
    return next(r for r in item["why"]["rank"] if r["rule"].startswith(prefix))


def test_distance_from_a_municipality_orders_and_measures(ranked):
    body = get(ranked, **DIGITAL, region="FRL06", open_to_all="true", near="cavaillon",
               explain="true")
    order = slugs(body)
    items = dict(zip(order, body["items"], strict=True))
    expected = {"rank-geo-near": haversine(CAVAILLON, (43.84, 5.04)),  # its own point
                "rank-geo-far": haversine(CAVAILLON, (43.95, 4.81))}
    for slug, km in expected.items():
        assert items[slug]["distance_km"] == round(km, 1), slug
    # Vaucluse contains Cavaillon: it serves the place, 0 km, before any measured distance.
    assert items["rank-open-department"]["distance_km"] == 0
    before(order, "rank-open-department", *sorted(expected, key=expected.get))
    lauris = items["rank-verified-new"]
    assert lauris["distance_km"] == round(haversine(CAVAILLON, (43.7478, 5.3136)), 1)
    said = _rank_rule(lauris)
    assert said["rule"] == "rank-distance-area" and said["area"] == ID + "region/lauris"
    assert "Lauris" in said["text"]


@pytest.mark.parametrize(("slug", "area"), [
    ("rank-open-national", "FR"),          # a whole country: no reference point
    ("rank-open-wider", "FRL0"),           # a NUTS 1 region: no reference point
    ("rank-open-department", "FRL06"),     # a reference point of its own, 18 km away
    ("rank-refugee-local", "cavaillon"),   # the place itself
])
def test_an_area_that_is_or_contains_the_place_searched_serves_it(ranked, slug, area):
    body = get(ranked, **DIGITAL, near="cavaillon", explain="true", lang="fr")
    item = body["items"][slugs(body).index(slug)]
    assert item["distance_km"] == 0
    said = _rank_rule(item)
    assert {k: said[k] for k in ("rule", "area", "region")} == {
        "rule": "rank-distance-serves", "area": ID + "region/" + area,
        "region": ID + "region/cavaillon"}
    assert said["text"].startswith("Dessert Cavaillon") and "0 km" in said["text"]


def test_services_serving_the_place_come_first_and_stay_within_any_distance(ranked):
    body = get(ranked, **DIGITAL, open_to_all="true", near="cavaillon", explain="true")
    order = slugs(body)
    serving = [s for s, i in zip(order, body["items"], strict=True)
               if _rank_rule(i)["rule"] == "rank-distance-serves"]
    assert {"rank-open-department", "rank-open-national", "rank-open-wider",
            "rank-closed"} <= set(serving)
    assert order[:len(serving)] == serving  # 0 km: before every measured distance
    assert all(i["distance_km"] == 0 for i in body["items"][:len(serving)])
    before(order, serving[-1], "rank-geo-near", "rank-geo-far")
    measured = [i["distance_km"] for i in body["items"]]
    assert measured == sorted(measured)  # open to all, no place or need to tell them apart
    close = slugs(get(ranked, **DIGITAL, open_to_all="true", near="cavaillon", within_km="1"))
    assert set(serving) | {"rank-geo-near"} <= set(close)
    assert "rank-geo-far" not in close and "rank-verified-new" not in close


@pytest.mark.parametrize(("lang", "serves", "sentence"), [
    ("en", "serves this place", "Serves Cavaillon (its area: France): counted as 0 km away."),
    ("fr", "dessert ce lieu", "Dessert Cavaillon (zone : France) : compté comme à 0 km."),
])
def test_the_card_says_a_service_serves_the_place_rather_than_0_km(ranked, lang, serves,
                                                                   sentence):
    html = ranked.get("/", params={"need": "digital-inclusion", "near": "cavaillon",
                                   "lang": lang}).text
    start = html.index('href="/id/service/rank-open-national')
    card = html[html.rindex("<article", 0, start):html.index("</article>", start)]
    distance = card[card.index('<dd class="distance">'):]
    assert distance[:distance.index("</dd>")] == f'<dd class="distance">{serves}'
    assert sentence in card.replace("&#39;", "'")
    start = html.index('href="/id/service/rank-geo-near')
    card = html[html.rindex("<article", 0, start):html.index("</article>", start)]
    assert '<dd class="distance">0.3 km</dd>' in card


def test_from_coordinates_a_broad_area_has_no_distance_and_comes_after(ranked):
    body = get(ranked, **DIGITAL, open_to_all="true", near="43.8375,5.0381", explain="true")
    order = slugs(body)
    items = dict(zip(order, body["items"], strict=True))
    for slug in ("rank-open-national", "rank-open-wider"):
        assert "distance_km" not in items[slug], slug
        said = _rank_rule(items[slug])
        assert said["rule"] == "rank-distance-unknown"
        assert said["text"].startswith("Distance unknown")
        before(order, "rank-geo-far", slug)
    assert all("distance_km" in items[s] for s in order[:order.index("rank-geo-far") + 1])
    # Vaucluse's own reference point measures the department-wide service.
    assert items["rank-open-department"]["distance_km"] == round(
        haversine(CAVAILLON, VAUCLUSE), 1)
    # A maximum distance keeps only the services known to be that close.
    within = get(ranked, **DIGITAL, open_to_all="true", near="43.8375,5.0381",
                 within_km="1000")
    assert {"rank-open-national", "rank-open-wider"}.isdisjoint(slugs(within))
    assert within["total"] == len([i for i in body["items"] if "distance_km" in i])


WARSAW = (52.233, 21.017)
"""The City of Warsaw's reference point (PL911) as the regions vocabulary gives it."""


def test_warsaw_services_are_measured_and_poland_wide_ones_serve_warsaw(ranked):
    point = get(ranked, need="social-orientation", near="52.2297,21.0122", explain="true")
    items = dict(zip(slugs(point), point["items"], strict=True))
    assert items["ipi-warszawa"]["distance_km"] == round(
        haversine((52.2297, 21.0122), WARSAW), 1)
    assert _rank_rule(items["ipi-warszawa"])["area"] == ID + "region/PL911"
    assert "distance_km" not in items["ipi"]  # Poland: no point, and coordinates name no place
    before(slugs(point), "ipi-warszawa", "ipi")
    place = get(ranked, need="social-orientation", near="PL911", within_km="10",
                explain="true")
    items = dict(zip(slugs(place), place["items"], strict=True))
    assert items["ipi"]["distance_km"] == 0 and items["ipi-warszawa"]["distance_km"] == 0
    assert _rank_rule(items["ipi"])["area"] == ID + "region/PL"
    assert _rank_rule(items["ipi-warszawa"])["area"] == ID + "region/PL911"


def test_within_km_keeps_only_services_that_close(ranked):
    body = get(ranked, **DIGITAL, near="43.8375,5.0381", within_km="5")
    assert "rank-geo-near" in slugs(body)
    assert all(i["distance_km"] <= 5 for i in body["items"])
    assert "rank-geo-far" not in slugs(body)
    wider = get(ranked, **DIGITAL, near="43.8375,5.0381", within_km="30")
    assert {"rank-geo-near", "rank-geo-far"} <= set(slugs(wider))
    assert wider["total"] > body["total"]


@pytest.mark.parametrize("params,parameter", [
    ({"near": "FRL0"}, "near"),            # a region with no reference point
    ({"near": "atlantis"}, "near"),
    ({"near": "95,10"}, "near"),
    ({"near": "cavaillon", "within_km": "0"}, "within_km"),
    ({"within_km": "10"}, "within_km"),
])
def test_bad_proximity_is_422_naming_the_parameter(ranked, params, parameter):
    response = ranked.get("/api/services", params=params)
    assert response.status_code == 422, response.text
    assert parameter in {str(p) for d in response.json()["detail"] for p in d["loc"]}


# --- facet counts ----------------------------------------------------------------------------

FACET_SEARCHES = [{"need": "digital-inclusion", "region": "FRL06"},
                  {"status": "refugee", "include_unknown": "true"}]


@pytest.mark.parametrize("asked", FACET_SEARCHES)
def test_each_facet_count_is_the_total_of_that_search(ranked, asked):
    body = get(ranked, **asked, facets="true", lang="fr")
    facets = body["facets"]
    assert set(facets) == {"need", "status", "region", "language"}
    checked = 0
    for name, rows in facets.items():
        assert rows and all(r["label"] for r in rows)
        for row in rows:
            total = get(ranked, **{**asked, name: row["code"]}, limit="1")["total"]
            assert row["count"] == total, (name, row)
            checked += 1
    assert checked == sum(len(rows) for rows in facets.values()) > 60
    assert any(r["count"] > 0 for r in facets["region"])
    assert any(r["count"] == 0 for rows in facets.values() for r in rows)


# --- suggestions -----------------------------------------------------------------------------

EMPTY_SEARCHES = [
    {"need": "digital-inclusion", "region": "ES242"},
    {"need": "digital-inclusion", "status": "asylum-seeker", "region": "cavaillon",
     "open_to_all": "true", "q": "zzzz"},
    {"need": "digital-inclusion", "near": "trikala", "within_km": "50"},
]


def applied(asked: dict, change: dict) -> dict:
    out = dict(asked)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = "true" if value is True else str(value)
    return out


@pytest.mark.parametrize("asked", EMPTY_SEARCHES)
def test_an_empty_search_suggests_changes_each_with_its_real_total(ranked, asked):
    body = get(ranked, **asked)
    assert body["total"] == 0 and body["items"] == []
    found = body["suggestions"]
    assert found
    for suggestion in found:
        assert suggestion["total"] > 0 and suggestion["text"]
        changed = get(ranked, **applied(asked, suggestion["change"]))
        assert changed["total"] == suggestion["total"], suggestion


def test_a_wider_place_is_suggested_first(ranked):
    found = get(ranked, need="digital-inclusion", region="ES242")["suggestions"]
    assert found[0]["change"] == {"region": "ES"} or found[0]["change"] == {"need": None}
    assert {"region": None} in [s["change"] for s in found]


def test_a_search_that_finds_something_has_no_suggestions(ranked):
    assert "suggestions" not in get(ranked, **DIGITAL)
