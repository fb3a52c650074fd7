"""Organisations over HTTP: the list with its bounds, and what each one does."""

from __future__ import annotations

import pytest
import rdflib
from rdflib import URIRef

from tests.api.hostile import HOSTILE_IDS, path
from tests.api.http import get, ids

ID = "https://w3id.org/passerelle/id/"
PAS = "https://w3id.org/passerelle/ontology#"
EPV = ID + "organisation/entraide-pierre-valdo"


def test_list_items_have_the_summary_fields(server):
    body = get(server, "/api/organisations", limit=100)
    assert body["total"] == len(body["items"]) >= 30
    for item in body["items"]:
        assert {"id", "name", "types", "locality", "homepage"} <= item.keys()
    epv = next(i for i in body["items"] if i["id"] == EPV)
    assert epv["locality"] == "Saint-Étienne"
    assert [t["code"] for t in epv["types"]] == ["association"]


def test_pages_follow_each_other(server):
    whole = [i["id"] for i in get(server, "/api/organisations", limit=10)["items"]]
    first = [i["id"] for i in get(server, "/api/organisations", limit=4)["items"]]
    second = [i["id"] for i in get(server, "/api/organisations", limit=6, offset=4)["items"]]
    assert first + second == whole
    assert len(set(whole)) == 10


@pytest.mark.parametrize(("name", "value"), [
    ("limit", 0), ("limit", 101), ("limit", "ten"), ("offset", -1), ("offset", 10**9),
    ("lang", "not a tag"), ("lang", "fr_FR"),
])
def test_out_of_bounds_parameters_are_422_naming_them(server, name, value):
    response = server.get("/api/organisations", params={name: value})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", name]


def test_entraide_pierre_valdo_runs_the_four_french_platforms(server):
    body = get(server, "/api/organisations/entraide-pierre-valdo")
    assert ids(body["platforms"]) == {ID + f"platform/{p}" for p in
                                      ("vaucluse", "isere", "correze", "saone-et-loire")}
    assert ID + "project/share-sira" in ids(body["practices"]["partner_of"])
    # Each Vaucluse roundtable's own page names Entraide Pierre Valdo among its organisers.
    events = ids(body["events"])
    assert {ID + f"event/vaucluse-roundtable-{n}" for n in range(1, 5)} <= events
    assert body["alternate_names"] == ["EPV"]


def test_au_maquis_implements_the_pilot_and_provides_its_services(server):
    body = get(server, "/api/organisations/au-maquis")
    assert ids(body["practices"]["implements"]) == {ID + "practice/commune-ferme"}
    assert {ID + "service/commune-ferme-training",
            ID + "service/au-maquis-workshops-cavaillon"} <= ids(body["services"])
    assert [r["code"] for r in body["regions"]] == ["FRL06"]
    assert body["uncertainty_notes"]


def test_icmc_europe_coordinates_share_sira_and_leads_the_network(server):
    body = get(server, "/api/organisations/icmc-europe")
    assert ids(body["practices"]["coordinates"]) == {ID + "project/share-sira"}
    assert ids(body["leads"]) == {ID + "organisation/share-network"}
    assert ids(body["parent_organisations"]) == {ID + "organisation/icmc"}


def test_full_iri_names_the_same_organisation(server):
    assert get(server, f"/api/organisations/{EPV}") == \
        get(server, "/api/organisations/entraide-pierre-valdo")


def test_an_iri_of_another_kind_is_not_an_organisation(server):
    assert server.get("/api/organisations/share-sira").status_code == 404
    assert server.get(f"/api/organisations/{ID}event/vaucluse-roundtable-3").status_code == 404


def test_json_ld_reads_as_the_graph_says(server):
    response = server.get("/api/organisations/entraide-pierre-valdo",
                          headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    assert (URIRef(ID + "platform/vaucluse"), URIRef(PAS + "runBy"), URIRef(EPV)) in graph
    assert (URIRef(EPV), URIRef("http://schema.org/alternateName"), rdflib.Literal("EPV")) \
        in graph


def test_unacceptable_media_type_is_406(server):
    response = server.get("/api/organisations", headers={"Accept": "text/turtle"})
    assert response.status_code == 406


@pytest.mark.parametrize("ident", HOSTILE_IDS)
def test_hostile_ids_are_404_never_500(server, ident):
    response = server.get(path("/api/organisations", ident))
    assert response.status_code in (404, 422), response.text


@pytest.mark.parametrize("endpoint", ["/api/organisations", "/api/services", "/api/practices",
                                      "/api/events", "/api/statuses"])
def test_one_lang_parameter_on_every_endpoint(server, endpoint):
    """A well-formed tag the data has no text in (``de``) falls back along the default
    language's chain, on entities as on services and vocabularies: the same answer as ``en``."""
    assert get(server, endpoint, lang="de") == get(server, endpoint, lang="en")


def test_a_declared_language_names_the_types_in_it(server):
    english = get(server, "/api/organisations/entraide-pierre-valdo", lang="en")["types"]
    spanish = get(server, "/api/organisations/entraide-pierre-valdo", lang="es")["types"]
    assert [t["code"] for t in spanish] == [t["code"] for t in english] == ["association"]
    assert spanish[0]["label"] != english[0]["label"]
