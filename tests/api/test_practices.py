"""Practices, projects and pilot actions over HTTP: funding, partners, places, dates, parts."""

from __future__ import annotations

import pytest

from tests.api.hostile import HOSTILE_IDS, path
from tests.api.http import get, ids

ID = "https://w3id.org/passerelle/id/"


def test_list_holds_practices_projects_and_pilot_actions(server):
    body = get(server, "/api/practices", limit=100)
    kinds = {i["id"]: i["kind"] for i in body["items"]}
    assert kinds[ID + "project/share-sira"] == "project"
    assert kinds[ID + "practice/commune-ferme"] == "pilot-action"
    assert kinds[ID + "practice/numa"] == "practice"
    assert body["total"] == len(body["items"])


def test_share_sira_has_funding_coordinator_partners_and_uncertain_dates(server):
    body = get(server, "/api/practices/share-sira")
    assert body["kind"] == "project"
    assert ids(body["funded_by"]) == {ID + "funding/amif"}
    assert ids(body["coordinator"]) == {ID + "organisation/icmc-europe"}
    assert len(body["partners"]) == 7
    assert ID + "organisation/entraide-pierre-valdo" in ids(body["partners"])
    assert (body["start_date"], body["end_date"]) == ("2021-01", "2022-12")
    assert any("February 2023" in note for note in body["uncertainty_notes"])
    assert {ID + "practice/commune-ferme", ID + "platform/vaucluse",
            ID + "event/vaucluse-roundtable-3"} <= ids(body["parts"])


def test_commune_ferme_pilot(server):
    body = get(server, "/api/practices/commune-ferme")
    assert ids(body["implemented_by"]) == {ID + "organisation/au-maquis"}
    assert [r["code"] for r in body["regions"]] == ["lauris"]
    assert ids(body["part_of"]) == {ID + "project/share-sira"}
    assert body["duration_months"] == 10
    assert {ID + "event/vaucluse-roundtable-3", ID + "event/vaucluse-roundtable-4"} \
        == ids(body["presented_at"])
    assert ID + "service/commune-ferme-training" in ids(body["services"])


def test_lang_chooses_the_description(server):
    en = get(server, "/api/practices/commune-ferme", lang="en")["description"]
    fr = get(server, "/api/practices/commune-ferme", lang="fr")["description"]
    assert en.startswith("The SHARE SIRA pilot action")
    assert fr.startswith("L'action pilote")


def test_full_iri_names_the_same_practice(server):
    assert get(server, f"/api/practices/{ID}project/share-sira")["id"] == ID + "project/share-sira"


def test_an_organisation_is_not_a_practice(server):
    assert server.get("/api/practices/au-maquis").status_code == 404


@pytest.mark.parametrize("ident", HOSTILE_IDS)
def test_hostile_ids_are_404_never_500(server, ident):
    response = server.get(path("/api/practices", ident))
    assert response.status_code in (404, 422), response.text
