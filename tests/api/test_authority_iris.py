"""Codes, our IRIs and the EU authorities' IRIs (data.europa.eu NUTS codes, the Publications
Office language table) name the same concepts in searches and in writes."""

from __future__ import annotations

import pytest

from tests.conftest import start_server, stop_server

NUTS = "http://data.europa.eu/nuts/code/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
OURS = "https://w3id.org/passerelle/id/region/"


def _ids(server, **params) -> list[str]:
    response = server.get("/api/services", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize("code", ["FRL06", "FRL", "FR", "ES"])
def test_nuts_iri_finds_what_the_code_finds(server, code):
    by_code = _ids(server, region=code)
    assert by_code
    assert _ids(server, region=NUTS + code) == by_code
    assert _ids(server, region=OURS + code) == by_code


def test_language_authority_iri_finds_what_the_code_finds(server):
    by_code = _ids(server, language="fr")
    assert by_code
    assert _ids(server, language=LANGUAGE + "FRA") == by_code


def test_the_search_page_takes_them_too(server):
    assert server.get("/", params={"region": NUTS + "FRL06"}).status_code == 200


def test_unknown_authority_iri_is_a_422_naming_the_parameter(server):
    response = server.get("/api/services", params={"region": NUTS + "XX99"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "region"]
    assert server.get("/api/services", params={"language": LANGUAGE + "XXX"}).status_code == 422


def test_a_write_may_name_areas_and_languages_by_authority_iri(store_copy):
    live = start_server(store_copy, env={"PASSERELLE_API_TOKENS": "tester:s3cret-token"})
    try:
        body = {"id": "authority-iri-cafe", "lang": "en", "name": {"en": "Authority café"},
                "provider": "au-maquis", "service_types": ["language"],
                "eligibility": {"state": "open-to-all"}, "areas": [NUTS + "FRL06"],
                "languages": [LANGUAGE + "FRA"], "cost": "free"}
        created = live.post("/api/services", json=body,
                            headers={"Authorization": "Bearer s3cret-token"})
        assert created.status_code == 201, created.text
        item = live.get("/api/services/authority-iri-cafe").json()
        assert [a["code"] for a in item["areas"]] == ["FRL06"]
        assert [lang["code"] for lang in item["languages"]] == ["fr"]
    finally:
        stop_server(live)
