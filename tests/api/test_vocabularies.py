"""Reference vocabularies over HTTP: trees by skos:broader, one concept with its hierarchy."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import rdflib
from rdflib import URIRef

from passerelle.settings import Settings

ID = "https://w3id.org/passerelle/id/"
SKOS = "http://www.w3.org/2004/02/skos/core#"


def tree(server, path: str, **params) -> list[dict]:
    response = server.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def walk(nodes: list[dict], trail: tuple[str, ...] = ()):
    """Every node with the notations of its ancestors (root first)."""
    for node in nodes:
        yield node, trail
        yield from walk(node["children"], (*trail, node["code"]))


def by_notation(nodes: list[dict]) -> dict[str, tuple[dict, tuple[str, ...]]]:
    return {node["code"]: (node, trail) for node, trail in walk(nodes)}


def test_refugee_sits_under_international_protection(server):
    found = by_notation(tree(server, "/api/statuses"))
    assert found["refugee"][1] == ("international-protection",)
    assert found["subsidiary-protection"][1] == ("international-protection",)
    assert found["asylum-seeker"][1] == ()
    assert {"asylum-seeker", "international-protection", "refugee", "subsidiary-protection",
            "temporary-protection", "stateless", "undocumented",
            "third-country-national"} <= found.keys()


def test_nodes_carry_id_labels_in_every_language_and_definition(server):
    node, _ = by_notation(tree(server, "/api/statuses"))["refugee"]
    assert node["id"] == ID + "status/refugee"
    assert set(node["labels"]) == set(Settings.languages.codes)
    assert all(node["labels"].values())
    assert node["label"] == node["labels"]["en"]
    assert node["definition"]


def test_lang_chooses_labels(server):
    node, _ = by_notation(tree(server, "/api/statuses", lang="fr"))["refugee"]
    assert node["label"] == node["labels"]["fr"] != node["labels"]["en"]


def test_lauris_sits_under_vaucluse_under_its_nuts_parents_under_france(server):
    roots = tree(server, "/api/regions")
    assert {"FR", "ES", "PL", "EL"} <= {r["code"] for r in roots}
    assert all(len(r["code"]) == 2 for r in roots)
    found = by_notation(roots)
    assert found["lauris"][1] == ("FR", "FRL", "FRL0", "FRL06")
    assert found["FRL06"][0]["label"] == "Vaucluse"


def test_vocational_training_sits_under_employment(server):
    found = by_notation(tree(server, "/api/service-types"))
    assert found["vocational-training"][1] == ("employment",)
    assert found["mental-health"][1] == ("health",)


def test_concept_by_code_has_broader_chain_and_narrower_list(server):
    body = server.get("/api/regions/lauris").json()
    assert body["id"] == ID + "region/lauris"
    assert [b["code"] for b in body["broader"]] == ["FRL06", "FRL0", "FRL", "FR"]
    assert body["narrower"] == []
    vaucluse = server.get("/api/regions/FRL06").json()
    assert {"lauris", "cavaillon", "avignon"} <= {n["code"] for n in vaucluse["narrower"]}


def test_concept_by_full_iri(server):
    body = server.get(f"/api/statuses/{ID}status/international-protection").json()
    assert body["code"] == "international-protection"
    assert body["broader"] == []
    assert {n["code"] for n in body["narrower"]} == {"refugee", "subsidiary-protection"}


def test_a_code_of_another_scheme_is_unknown_here(server):
    assert server.get("/api/statuses/employment").status_code == 404
    assert server.get(f"/api/regions/{ID}status/refugee").status_code == 404


def test_json_ld_reads_as_skos(server):
    response = server.get("/api/statuses", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    graph = rdflib.Graph().parse(data=response.text, format="json-ld")
    assert (URIRef(ID + "status/refugee"), URIRef(SKOS + "broader"),
            URIRef(ID + "status/international-protection")) in graph


@pytest.mark.parametrize("path", ["/api/statuses", "/api/regions/FR", "/api/service-types"])
@pytest.mark.parametrize("lang", ["not a tag", "e", "en_GB", "x" * 40])
def test_a_malformed_lang_is_422_naming_it(server, path, lang):
    response = server.get(path, params={"lang": lang})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "lang"]


def test_a_declared_language_gets_its_labels_and_another_falls_back(server):
    """One ``lang`` parameter everywhere: Spanish labels for ``es``, and for ``de`` (well formed,
    not declared) the default language's chain, English."""
    english, _ = by_notation(tree(server, "/api/statuses", lang="en"))["refugee"]
    spanish, _ = by_notation(tree(server, "/api/statuses", lang="es"))["refugee"]
    german, _ = by_notation(tree(server, "/api/statuses", lang="de"))["refugee"]
    assert spanish["label"] == english["labels"]["es"] != english["label"]
    assert german["label"] == english["label"]
    regional = server.get("/api/statuses/refugee", params={"lang": "fr-CA"}).json()
    assert regional["label"] == english["labels"]["fr"]


@pytest.mark.parametrize("code", [
    "no-such-status", "refugee' } ; DROP ALL ; #", '" } UNION { ?s ?p ?o } #', "<script>",
    "../../etc/passwd", "https://w3id.org/passerelle/id/status/refugee> ?p ?o", "x" * 300,
])
def test_unknown_and_hostile_codes_are_404(server, code):
    response = server.get("/api/statuses/" + quote(code, safe=""))
    assert response.status_code == 404, response.text
