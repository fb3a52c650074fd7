"""``GET /api/coverage`` over HTTP: each cell's total is ``/api/services``' total for the same
need, status and region; CSV and Data Cube JSON-LD say the same numbers; several regions give a
matrix each; bad parameters are refused by name and change nothing; ``passerelle coverage``
prints the same matrix."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html import unescape

import pyoxigraph as ox
import pytest

from tests.conftest import run_cli, start_server, stop_server

QB = "http://purl.org/linked-data/cube#"
TOKEN = {"Authorization": "Bearer s3cret-token"}


def matrix(server, **params) -> dict:
    response = server.get("/api/coverage", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


def services_total(server, **params) -> int:
    response = server.get("/api/services", params={**params, "limit": 1})
    assert response.status_code == 200, response.text
    return response.json()["total"]


def test_every_cell_is_the_search_total(server):
    found = matrix(server, region="FRL06", depth=1)
    assert found["region"] == "FRL06"
    assert len(found["needs"]) == 15 and len(found["statuses"]) == 8
    assert len(found["cells"]) == 15 * 8
    for cell in found["cells"]:
        asked = {"need": cell["need"], "status": cell["status"], "region": "FRL06"}
        assert cell["total"] == services_total(server, **asked), cell
        assert cell["open_to_all"] + cell["restricted"] == cell["total"], cell
        assert cell["total"] + cell["not_stated"] == \
            services_total(server, **asked, include_unknown="true"), cell


def test_defaults_are_the_top_needs_and_statuses(server):
    found = matrix(server, region="FRL06")
    assert "employment" in found["needs"] and "vocational-training" not in found["needs"]
    assert "international-protection" in found["statuses"]
    assert "refugee" not in found["statuses"]
    cells = {(c["need"], c["status"]): c for c in found["cells"]}
    assert cells[("employment", "asylum-seeker")]["open_to_all"] >= 1  # La Commune Ferme


def test_chosen_needs_and_statuses_in_the_order_asked(server):
    found = matrix(server, region="FRL06", need=["mental-health", "language"],
                   status=["refugee", "asylum-seeker"])
    assert found["needs"] == ["mental-health", "language"]
    assert found["statuses"] == ["refugee", "asylum-seeker"]
    assert [(c["need"], c["status"]) for c in found["cells"]] == [
        ("mental-health", "refugee"), ("mental-health", "asylum-seeker"),
        ("language", "refugee"), ("language", "asylum-seeker")]


def test_repeated_region_gives_one_matrix_each(server):
    found = matrix(server, region=["FRL06", "ES242", "PL9"])
    assert [m["region"] for m in found["matrices"]] == ["FRL06", "ES242", "PL9"]
    single = matrix(server, region="ES242")
    assert found["matrices"][1] == single


def test_csv_is_one_long_table_with_the_same_numbers(server):
    response = server.get("/api/coverage", params={"region": ["FRL06", "ES242"]},
                          headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    both = matrix(server, region=["FRL06", "ES242"])["matrices"]
    assert len(rows) == sum(len(m["cells"]) for m in both)
    first = both[0]["cells"][0]
    assert rows[0] == {"region": "FRL06", **{k: str(v) for k, v in first.items()}}


def test_json_ld_is_a_data_cube_with_the_same_numbers(server):
    response = server.get("/api/coverage", params={"region": "FRL06"},
                          headers={"Accept": "application/ld+json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    graph = ox.Store()
    graph.load(response.content, format=ox.RdfFormat.JSON_LD)
    rows = list(graph.query(f"""
        SELECT ?need ?status ?total WHERE {{
          ?o a <{QB}Observation> ; <{QB}dataSet> ?d ;
             <http://purl.org/linked-data/sdmx/2009/dimension#refArea>
               <https://w3id.org/passerelle/id/region/FRL06> ;
             ?needProperty ?need ; ?statusProperty ?status ; ?totalProperty ?total .
          FILTER(STRENDS(STR(?needProperty), "/api/coverage/structure#need"))
          FILTER(STRENDS(STR(?statusProperty), "/api/coverage/structure#status"))
          FILTER(STRENDS(STR(?totalProperty), "/api/coverage/structure#total"))
          ?d a <{QB}DataSet> ; <{QB}structure> ?dsd }}"""))
    plain = matrix(server, region="FRL06")
    assert len(rows) == len(plain["cells"])
    totals = {(r["need"].value.rsplit("/", 1)[1], r["status"].value.rsplit("/", 1)[1]):
              int(r["total"].value) for r in rows}
    assert totals == {(c["need"], c["status"]): c["total"] for c in plain["cells"]}
    structure = server.get("/api/coverage/structure")
    assert structure.status_code == 200
    described = ox.Store()
    described.load(structure.content, format=ox.RdfFormat.JSON_LD)
    measures = list(described.query(
        f"SELECT ?m WHERE {{ ?dsd <{QB}component> [ <{QB}measure> ?m ] }}"))
    assert len(measures) == 4


@pytest.mark.parametrize("params, parameter", [
    ({"region": "nowhere"}, "region"),
    ({"region": ["FRL06", "XX9"]}, "region"),
    ({"region": "FRL06", "need": "flying"}, "need"),
    ({"region": "FRL06", "status": "tourist"}, "status"),
    ({"region": "FRL06", "depth": "9"}, "depth"),
    ({"region": "FRL06", "depth": "-1"}, "depth"),
    ({"region": "FRL06", "depth": "deep"}, "depth"),
    ({}, "region"),
    ({"region": ["FRL06"] * 21}, "region"),
])
def test_bad_parameters_are_refused_by_name_and_change_nothing(server, params, parameter):
    before = server.triple_count()
    response = server.get("/api/coverage", params=params)
    assert response.status_code == 422, response.text
    assert parameter in json.dumps(response.json()["detail"])
    assert server.triple_count() == before


def test_a_format_it_does_not_offer_is_a_406(server):
    response = server.get("/api/coverage", params={"region": "FRL06"},
                          headers={"Accept": "application/xml"})
    assert response.status_code == 406
    assert "text/csv" in response.json()["detail"]


def test_the_command_prints_the_same_matrix(server, store_copy):
    done = run_cli("coverage", "FRL06", "ES242", "--format", "json", "--store", str(store_copy))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == matrix(server, region=["FRL06", "ES242"])
    done = run_cli("coverage", "FRL06", "--need", "employment", "--depth", "1",
                   "--store", str(store_copy))
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    assert {r["need"] for r in rows} == {"employment", "vocational-training"}
    assert all(int(r["total"]) == int(r["open_to_all"]) + int(r["restricted"]) for r in rows)


@pytest.mark.parametrize("args, named", [
    (("nowhere",), "region"), (("FRL06", "--need", "flying"), "need"),
    (("FRL06", "--depth", "9"), "--depth"), (("FRL06", "--format", "xml"), "--format"),
])
def test_the_command_refuses_bad_input_in_one_line(store_copy, args, named):
    done = run_cli("coverage", *args, "--store", str(store_copy))
    assert done.returncode == 2
    lines = done.stderr.decode().strip().splitlines()
    assert named in lines[-1] and "Traceback" not in done.stderr.decode()


def test_gap_examples_on_the_query_page_spell_out_the_shared_rule(server):
    loaded = server.get("/query", params={"example": "gap-needs-closed-to-a-status"}).text
    text = unescape(re.search(r'<textarea id="query" name="query"[^>]*>(.*?)</textarea>',
                              loaded, re.DOTALL)[1])
    assert not re.search(r"^\s*#include ", text, re.MULTILINE)
    assert "?service pas:eligibleStatus ?matchedStatus" in text
    assert "?area pas:broaderOrSelf ?region" in text
    answer = server.get("/query", params={"query": text})
    assert answer.status_code == 200
    codes = set(re.findall(r"<td>([a-z-]+)</td>", answer.text))
    assert "childcare" in codes and "housing" not in codes


@pytest.fixture(scope="module", params=["index", "no-index"])
def writer(request, seeded_store, tmp_path_factory):
    """A server of its own on a copy of the seeded store, counting through the search index or
    (``--no-index``) through SPARQL."""
    store = tmp_path_factory.mktemp(f"coverage-{request.param}") / "store"
    shutil.copytree(seeded_store, store)
    live = start_server(None, env={"PASSERELLE_API_TOKENS": "tester:s3cret-token"},
                        backend=["--store", str(store),
                                 *(["--no-index"] if request.param == "no-index" else [])])
    yield live
    stop_server(live)


def test_a_defunct_service_is_in_no_cell_and_no_search(writer):
    asked = {"need": "language", "status": "asylum-seeker", "region": "FRL06"}
    before = matrix(writer, region="FRL06", need="language", status="asylum-seeker")["cells"]
    slugs = {"cours-ferme-lauris": {"state": "open-to-all"},
             "cours-ferme-cavaillon": {"state": "not-stated"}}
    for slug, eligibility in slugs.items():
        created = writer.post("/api/services", headers=TOKEN, json={
            "id": slug, "lang": "fr", "name": {"fr": "Cours de français fermés"},
            "provider": "au-maquis", "service_types": ["language"], "status": "defunct",
            "eligibility": eligibility, "areas": ["lauris"], "languages": ["fr"]})
        assert created.status_code == 201, created.text
        assert writer.get(f"/api/services/{slug}").status_code == 200  # kept as a record
    after = matrix(writer, region="FRL06", need="language", status="asylum-seeker")["cells"]
    assert after == before
    assert after[0]["total"] == services_total(writer, **asked)
    assert after[0]["not_stated"] == \
        services_total(writer, **asked, include_unknown="true") - after[0]["total"]
    for params in (asked, {**asked, "include_unknown": "true"}, {"q": "cours fermés"}, {}):
        found = writer.get("/api/services", params={**params, "limit": 100}).json()["items"]
        assert not any(item["id"].endswith(tuple(slugs)) for item in found), params
