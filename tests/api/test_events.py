"""Events over HTTP: dates, mode, participants, organisers and what was presented."""

from __future__ import annotations

import pytest

from tests.api.hostile import HOSTILE_IDS, path
from tests.api.http import get, ids

ID = "https://w3id.org/passerelle/id/"


def test_third_vaucluse_roundtable(server):
    body = get(server, "/api/events/vaucluse-roundtable-3")
    assert body["kind"] == "roundtable"
    assert body["start_date"] == "2021-10-06"
    assert body["mode"] == "online"
    assert body["participants"] == 16
    assert body["ordinal"] == 3
    assert body["platform"]["id"] == ID + "platform/vaucluse"
    assert ids(body["organisers"]) == {ID + "organisation/entraide-pierre-valdo",
                                       ID + "organisation/icmc-europe"}
    assert ids(body["presented"]) == {ID + "practice/numa", ID + "practice/agir-vaucluse",
                                      ID + "practice/commune-ferme"}
    assert len(body["topics"]) == 3


def test_topics_follow_lang(server):
    en = get(server, "/api/events/vaucluse-roundtable-3", lang="en")["topics"]
    fr = get(server, "/api/events/vaucluse-roundtable-3", lang="fr")["topics"]
    assert "Updates on the pilot actions" in en
    assert "Point sur les actions pilotes" in fr
    assert not set(en) & set(fr)


def test_conference_location(server):
    body = get(server, "/api/events/share-sira-transnational-conference")
    assert body["kind"] == "conference"
    assert body["location"]["address"]["locality"] == "Brussels"


def test_list_is_most_recent_first(server):
    items = get(server, "/api/events", limit=100)["items"]
    dates = [i["start_date"] for i in items if i["start_date"]]
    assert len(dates) >= 8
    assert dates == sorted(dates, reverse=True)
    participants = {i["id"]: i["participants"] for i in items}
    assert participants[ID + "event/vaucluse-roundtable-1"] == 24


def test_a_platform_is_not_an_event(server):
    assert server.get("/api/events/vaucluse").status_code == 404


@pytest.mark.parametrize("ident", HOSTILE_IDS)
def test_hostile_ids_are_404_never_500(server, ident):
    response = server.get(path("/api/events", ident))
    assert response.status_code in (404, 422), response.text
