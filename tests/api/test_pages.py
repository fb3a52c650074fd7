"""The pages for people, checked on the server's HTML: labelled fields, language, advice."""

from __future__ import annotations

import html
import re

import pytest

FIELDS = ("need", "status", "region", "language", "q")
SEARCH = {"need": "employment", "status": "asylum-seeker", "region": "FRL06"}


def test_every_form_field_has_a_visible_label_and_the_api_name(server):
    page = server.get("/").text
    for name in FIELDS:
        assert re.search(rf'<(select|input) id="{name}" name="{name}"', page), name
        assert f'<label for="{name}">' in page, name
    assert '<html lang="en">' in page
    for landmark in ("<header", "<nav", "<main", "<footer", "<h1>"):
        assert landmark in page


def test_select_lists_show_the_hierarchy(server):
    page = server.get("/").text
    assert re.search(r'<optgroup label="France">', page)
    # Vaucluse sits below its NUTS 1 and 2 parents, so it is indented under France.
    assert re.search(r'<option value="FRL06">(\u00a0){6,}– Vaucluse</option>', page)
    assert re.search(r'<option value="vocational-training">(\u00a0){3}– Vocational training', page)


def test_search_results_say_who_may_use_a_service_and_why(server):
    page = server.get("/", params=SEARCH).text
    assert "La Commune Ferme" in page
    assert "AGIR" not in page.split('id="results-heading"')[1]
    assert "Open to all, whatever the status" in page
    assert "Provides Vocational training, a kind of Employment." in page
    assert 'href="/id/service/commune-ferme-training"' in page
    assert 'href="/id/organisation/au-maquis"' in page


def test_restricted_and_unstated_eligibility_are_worded(server):
    page = server.get("/", params={"need": "employment", "include_unknown": "true",
                                   "status": "refugee"}).text
    assert "For beneficiary of international protection" in page or "For refugee" in page
    assert "Eligibility not stated" in page


@pytest.mark.parametrize("how", ["query", "header"])
def test_french_by_parameter_or_accept_language(server, how):
    response = (server.get("/", params={**SEARCH, "lang": "fr"}) if how == "query" else
                server.get("/", params=SEARCH, headers={"Accept-Language": "fr-FR,fr;q=0.9"}))
    page = response.text
    assert '<html lang="fr">' in page
    assert response.headers["content-language"] == "fr"
    assert '<label for="need">Besoin</label>' in page
    assert "Ouvert à tous, quel que soit le statut" in page
    assert "Formation professionnelle" in page  # a label from the graph, in French
    assert "Find a service" not in page


def test_language_parameter_wins_over_the_header(server):
    page = server.get("/", params={"lang": "en"}, headers={"Accept-Language": "fr"}).text
    assert '<html lang="en">' in page
    assert 'hreflang="fr"' in page  # the switch


def test_empty_result_suggests_only_changes_that_find_something(server):
    """Each suggestion shows its count, and following it gives a page with that many."""
    page = server.get("/", params={"need": "childcare", "region": "lauris",
                                   "status": "stateless", "q": "zzz"}).text
    assert "No service found." in page
    assert "Nothing matches every choice" in page
    found = re.findall(r'<li><a href="([^"]+)">([^<]+)</a> <span class="count">(\d+) found',
                       page)
    assert found
    assert any("remove the words “zzz”" in text for _, text, _ in found)
    for href, text, count in found:
        followed = server.get(html.unescape(href)).text
        assert f'data-total="{count}"' in followed, text


def test_form_offers_every_search_parameter_with_counts(server):
    page = server.get("/", params={"need": "employment", "region": "FRL06"}).text
    for name in ("open_to_all", "include_unknown", "language", "near", "within_km"):
        assert f'name="{name}"' in page, name
    counts = re.findall(r'<option value="([^"]+)"[^>]*data-count="(\d+)"', page)
    assert len(counts) > 60
    empty = re.findall(r'<option value="[^"]+" disabled class="empty" data-count="0"', page)
    assert empty and len(empty) == sum(1 for _, n in counts if n == "0")


def test_cards_show_uncertainty_distance_and_the_criteria(server):
    page = server.get("/", params={"status": "refugee", "region": "FRL06",
                                   "near": "cavaillon"}).text
    assert "What is not certain" in page and "subsidiary protection" in page
    assert "Search criteria" in page and "Place: Vaucluse" in page
    assert "Near Cavaillon" in page
    assert 'class="distance"' in page
    assert "Why it is here in the list" in page


@pytest.mark.parametrize("near,message", [
    ("FRL0", "No distance can be measured from FRL0"),
    ("95,10", "latitude must be between -90 and 90"),
    ("atlantis", "Unknown Near"),
])
def test_a_place_with_no_point_is_explained(server, near, message):
    response = server.get("/", params={"near": near})
    assert response.status_code == 422 and message in response.text


def test_unknown_code_is_explained_not_a_crash(server):
    response = server.get("/", params={"need": "no-such-need"})
    assert response.status_code == 422
    assert "Unknown Need: no-such-need" in response.text


def test_stylesheet_is_served_with_print_and_phone_rules(server):
    css = server.get("/static/site.css")
    assert css.status_code == 200
    for rule in ("@media print", "@media (max-width", ":focus-visible"):
        assert rule in css.text


def test_resource_page_in_words_with_links_both_ways_and_provenance(server):
    page = server.get("/id/organisation/au-maquis", params={"lang": "fr"},
                      headers={"Accept": "text/html"}).text
    assert '<html lang="fr">' in page
    assert "Services proposés" in page
    assert 'href="/id/service/commune-ferme-training?lang=fr"' in page
    assert "vérifié pour la dernière fois le 2026-12-03" in page
    assert 'href="?format=ttl"' in page and 'href="?format=jsonld"' in page


def test_query_page_lists_examples_and_loads_one_without_javascript(server):
    page = server.get("/query").text
    names = re.findall(r'href="/query\?example=([a-z0-9-]+)', page)
    assert len(names) == 12, names
    loaded = server.get("/query", params={"example": "services-by-need"}).text
    assert re.search(r'<textarea id="query" name="query"[^>]*># title: Services by need', loaded)


def test_query_page_runs_a_query_into_a_table_and_offers_downloads(server):
    query = "SELECT ?s WHERE { ?s a <https://w3id.org/passerelle/ontology#Service> } LIMIT 2"
    page = server.get("/query", params={"query": query}).text
    assert "2 rows." in page
    assert re.search(r'<td><a href="/id/service/[^"]+">', page)
    csv = server.get("/query", params={"query": query, "download": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "s" and len(lines) == 3
    js = server.get("/query", params={"query": query, "download": "json"}).json()
    assert len(js["results"]["bindings"]) == 2


def test_query_errors_are_in_words(server):
    response = server.get("/query", params={"query": "SELEC nothing", "lang": "fr"})
    assert response.status_code == 400
    assert "La requête n&#39;est pas du SPARQL valide" in response.text


def test_query_page_runs_hostile_queries_in_the_endpoints_workers(server):
    """A visitor's query text never runs in the server process: deep nesting, which aborts an
    Oxigraph process, is refused in words and the server keeps answering."""
    deep = "ASK " + "{" * 5000 + "}" * 5000
    response = server.get("/query", params={"query": deep, "lang": "en"})
    assert response.status_code == 400
    assert "<textarea" in response.text
    assert server.get("/healthz").status_code == 200
    csv = server.get("/query", params={"query": "SELECT ?n WHERE { ?c "
                                       "<http://www.w3.org/2004/02/skos/core#notation> ?n "
                                       "FILTER(?n = 'refugee') }", "download": "csv"})
    assert csv.status_code == 200 and csv.content.decode("utf-8-sig").split() == ["n", "refugee"]
