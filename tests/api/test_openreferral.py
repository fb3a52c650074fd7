"""The Open Referral API at /openreferral/ on a real server, against the official HSDS 3.1
schemas of ../shared/standards made strict (see tests/hsds_schemas.py).

Every answer is checked against the compiled schema of its object; the lists read the same
search as /api/services; a property test over the parameters of openapi.json finds no 5xx and
no 200 outside its schema.
"""

from __future__ import annotations

import json
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.http import get
from tests.hsds_schemas import errors, folder, page_errors

LISTS = {"/openreferral/services": "service_list",
         "/openreferral/organizations": "organization_list",
         "/openreferral/service_at_locations": "service_at_location_list",
         "/openreferral/taxonomies": "taxonomy",
         "/openreferral/taxonomy_terms": "taxonomy_term"}
FULL = {"/openreferral/services": "service", "/openreferral/organizations": "organization",
        "/openreferral/service_at_locations": "service_at_location"}
ONE = {"/openreferral/services": "service", "/openreferral/organizations": "organization",
       "/openreferral/service_at_locations": "service_at_location",
       "/openreferral/taxonomies": "taxonomy", "/openreferral/taxonomy_terms": "taxonomy_term"}


def test_the_paths_are_those_of_the_official_openapi(server):
    official = json.loads((folder() / "schema" / "openapi.json").read_text(encoding="utf-8"))
    ours = {p.removeprefix("/openreferral") or "/" for p in server.get(
        "/openapi.json").json()["paths"] if p.startswith("/openreferral/")}
    assert set(official["paths"]) == ours


def test_root_says_which_hsds(server):
    body = get(server, "/openreferral/")
    assert body["version"] == "3.1"
    assert body["openapi_url"].startswith("http")


@pytest.mark.parametrize("path", LISTS)
def test_every_list_and_item_passes_the_strict_schema(server, path):
    body = get(server, path, per_page=100)
    assert body["total_items"] == len(body["contents"]) > 0
    assert page_errors(LISTS[path], body) == []
    if path in FULL:
        assert page_errors(FULL[path], get(server, path, per_page=100, full="true")) == []
    for item in body["contents"]:
        assert errors(ONE[path], get(server, f"{path}/{item['id']}")) == []


def test_pages_follow_each_other(server):
    whole = get(server, "/openreferral/services", per_page=100)
    first = get(server, "/openreferral/services", per_page=4)
    second = get(server, "/openreferral/services", per_page=4, page=2)
    assert [s["id"] for s in first["contents"] + second["contents"]] == \
        [s["id"] for s in whole["contents"][:8]]
    assert first["first_page"] and not first["last_page"] and not second["first_page"]
    assert first["total_pages"] == -(-whole["total_items"] // 4)
    last = get(server, "/openreferral/services", per_page=4, page=first["total_pages"])
    assert last["last_page"] and last["size"] == len(last["contents"]) > 0
    beyond = get(server, "/openreferral/services", per_page=4, page=first["total_pages"] + 1)
    assert beyond["contents"] == [] and beyond["size"] == 0 and not beyond["empty"]


def stated(server, **params) -> set[str]:
    """The names /api/services finds for the same question, among services with a status."""
    body = get(server, "/api/services", limit=100, **params)
    return {i["name"] for i in body["items"] if i.get("status")}


@pytest.mark.parametrize(("ours", "theirs"), [
    ({}, {}), ({"search": "refugees"}, {"q": "refugees"}),
    ({"taxonomy_term_id": "housing"}, {"need": "housing"}),
    ({"taxonomy_term_id": "health"}, {"need": "health"}),
])
def test_lists_read_the_same_search_as_the_api(server, ours, theirs):
    body = get(server, "/openreferral/services", per_page=100, **ours)
    assert {s["name"] for s in body["contents"]} == stated(server, **theirs)
    assert body["total_items"] == len(body["contents"])


def test_a_term_is_found_by_its_hsds_id_as_by_its_code(server):
    terms = get(server, "/openreferral/taxonomy_terms", per_page=100)["contents"]
    housing = next(t for t in terms if t["code"] == "housing")
    by_id = get(server, "/openreferral/services", taxonomy_term_id=housing["id"])
    assert by_id == get(server, "/openreferral/services", taxonomy_term_id="housing")
    assert by_id["total_items"] > 0
    assert get(server, f"/openreferral/taxonomy_terms/{housing['id']}") == housing


def test_organization_filter_keeps_its_services_only(server):
    services = get(server, "/openreferral/services", per_page=100)["contents"]
    provider = next(s["organization_id"] for s in services if s.get("organization_id"))
    found = get(server, "/openreferral/services", organization_id=provider)["contents"]
    assert found and {s["organization_id"] for s in found} == {provider}
    organization = get(server, f"/openreferral/organizations/{provider}")
    assert {s["id"] for s in organization["services"]} == {s["id"] for s in found}


def test_minimal_gives_ids_names_and_statuses(server):
    body = get(server, "/openreferral/services", minimal="true", per_page=100)
    assert body["contents"] and all(set(s) <= {"id", "name", "status", "last_modified"}
                                    for s in body["contents"])


def test_a_taxonomy_other_than_ours_has_no_terms_nor_services(server):
    other = "00000000-0000-4000-8000-000000000000"
    assert get(server, "/openreferral/taxonomy_terms", taxonomy_id=other)["empty"]
    assert get(server, "/openreferral/services", taxonomy_id=other)["empty"]
    taxonomy = get(server, "/openreferral/taxonomies")["contents"][0]
    assert not get(server, "/openreferral/taxonomy_terms", taxonomy_id=taxonomy["id"])["empty"]


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/openreferral/services/00000000-0000-4000-8000-000000000000", {}, 404),
    ("/openreferral/organizations/not-an-id", {}, 404),
    ("/openreferral/taxonomy_terms/juggling", {}, 404),
    ("/openreferral/services", {"per_page": 0}, 422),
    ("/openreferral/services", {"per_page": 101}, 422),
    ("/openreferral/services", {"page": 0}, 422),
    ("/openreferral/services", {"modified_after": "yesterday"}, 422),
    ("/openreferral/services", {"modified_after": "2026-01-01T00:00:00"}, 422),
    ("/openreferral/services", {"format": "ndjson"}, 422),
    ("/openreferral/services", {"minimal": "perhaps"}, 422),
])
def test_bad_requests_are_4xx_naming_the_problem(server, path, params, status):
    response = server.get(path, params=params)
    assert response.status_code == status, response.text
    assert response.json()["detail"]


# --- a property test over the parameters of the official openapi.json --------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=220)
IDS = st.one_of(TEXT, st.uuids().map(str), st.sampled_from(["housing", "health", ""]))
MOMENTS = st.one_of(TEXT, st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()))
NUMBERS = st.one_of(st.integers(-3, 200_001), st.text(string.digits + "-x", max_size=8))
BOOLS = st.one_of(st.sampled_from(["true", "false"]), TEXT)
PARAMETERS = {"search": TEXT, "taxonomy_term_id": IDS, "taxonomy_id": IDS,
              "organization_id": IDS, "modified_after": MOMENTS, "minimal": BOOLS,
              "full": BOOLS, "page": NUMBERS, "per_page": NUMBERS, "format": TEXT}


@st.composite
def requests(draw):
    path = draw(st.sampled_from([*LISTS, *(f"{p}/{{id}}" for p in ONE), "/openreferral/"]))
    if "{id}" in path:
        return path.replace("{id}", quote(draw(IDS), safe="") or "x"), {}
    chosen = draw(st.sets(st.sampled_from(sorted(PARAMETERS)), max_size=5))
    return path, {name: draw(PARAMETERS[name]) for name in sorted(chosen)}


def schema_for(path: str, params: dict) -> tuple[str, bool]:
    if path == "/openreferral/":
        return "", False
    base = path.rsplit("/", 1)[0] if path.rsplit("/", 1)[0] in ONE else path
    if base != path:
        return ONE[base], False
    minimal = path.endswith("/services") and params.get("minimal") == "true"
    full = params.get("full") == "true" and not minimal
    return (FULL.get(path) if full else None) or LISTS[path], True


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=requests())
def test_no_parameters_give_a_5xx_or_an_answer_outside_the_schema(server, request):
    path, params = request
    response = server.get(path, params=params)
    assert response.status_code < 500, (path, params, response.text[:500])
    if response.status_code in (307, 308):
        # an empty last segment ("/services/%2F" reads as "/services//"): the slash is dropped,
        # on this site
        location = response.headers["location"]
        assert location.startswith("/openreferral/") and not location.startswith("//"), location
        return
    if response.status_code != 200:
        assert response.status_code in (404, 422), (path, params)
        assert response.json()["detail"]
        return
    name, paged = schema_for(path, params)
    body = response.json()
    if not name:
        assert body["version"] == "3.1"
    elif paged:
        assert page_errors(name, body) == [], (path, params)
    else:
        assert errors(name, body) == [], (path, params)
