"""The next search sees every accepted write, whichever way it came, through the search index.

Why: the server answers searches from an index it keeps in memory beside the graph; a write path
that did not keep it in step would leave a new service unfindable, or a deleted one findable,
until the server restarts. Each write path (the JSON API, SPARQL Update, the Graph Store
Protocol) is followed by searches by words and by filters over HTTP, and the same searches on a
server started with ``--no-index`` (SPARQL alone) give the same answers.
"""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import start_server, stop_server, writing_server

ID = "https://w3id.org/passerelle/id/"
GRAPH = "https://w3id.org/passerelle/graph/"
TOKEN = {"Authorization": "Bearer s3cret-token"}
SLUG = "jardin-partage-lauris"
SERVICE = ID + "service/" + SLUG
SEARCHES = [{"q": "jardinage"}, {"q": "potager"}, {"q": "gardening workshops"},
            {"need": "language", "region": "FRL06", "limit": 100},
            {"status": "refugee", "q": "jardin", "limit": 100}]


@pytest.fixture(scope="module")
def writer(seeded_store, tmp_path_factory):
    live = writing_server(seeded_store, tmp_path_factory.mktemp("follows"))
    yield live
    stop_server(live)


def found(server, params: dict) -> set[str]:
    response = server.get("/api/services", params=params)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def test_each_write_path_is_seen_by_the_next_search(writer):
    assert all(SERVICE not in found(writer, p) for p in SEARCHES)
    created = writer.post("/api/services", headers=TOKEN, json={
        "id": SLUG, "lang": "fr", "name": {"fr": "Jardin partagé", "en": "Shared garden"},
        "description": {"fr": "Ateliers de jardinage et de conversation",
                        "en": "Gardening workshops with conversation"},
        "provider": "au-maquis", "service_types": ["language"],
        "eligibility": {"state": "open-to-all"}, "areas": ["lauris"], "languages": ["fr"]})
    assert created.status_code == 201, created.text
    assert SERVICE in found(writer, {"q": "jardinage"})
    assert SERVICE in found(writer, {"q": "GARDENING workshop"})
    assert SERVICE in found(writer, {"need": "language", "region": "FRL06", "limit": 100})
    assert SERVICE in found(writer, {"status": "refugee", "q": "jardin", "limit": 100})
    assert SERVICE not in found(writer, {"q": "potager"})

    updated = writer.post("/sparql/update", headers={**TOKEN,
                                                     "Content-Type": "application/sparql-update"},
                          content=f'INSERT DATA {{ GRAPH <{GRAPH}service/{SLUG}> {{ <{SERVICE}> '
                                  f'<http://schema.org/description> "Un potager collectif"@fr '
                                  f'}} }}')
    assert updated.status_code in (200, 204), updated.text
    assert SERVICE in found(writer, {"q": "Potagers"})

    dropped = writer.request("DELETE", "/store", params={"graph": f"{GRAPH}service/{SLUG}"},
                             headers=TOKEN)
    assert dropped.status_code in (200, 204), dropped.text
    assert all(SERVICE not in found(writer, p) for p in SEARCHES)


def test_the_sparql_path_gives_the_same_answers(writer, seeded_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(seeded_store, store)
    plain = start_server(None, backend=["--store", str(store), "--no-index"])
    try:
        for params in [*SEARCHES, {"q": "cours de français"}, {"status": "asylum-seeker",
                                                                "include_unknown": "true"}]:
            indexed = writer.get("/api/services", params=params).json()
            alone = plain.get("/api/services", params=params).json()
            assert (indexed["total"], indexed["items"]) == (alone["total"], alone["items"])
    finally:
        stop_server(plain)
