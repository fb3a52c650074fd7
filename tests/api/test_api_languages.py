"""The JSON API speaks the reader's language, chosen as pages choose it: ``?lang=``, then the
language switch's cookie, then Accept-Language by q-value, then the default; a language
Passerelle does not speak is passed over. Each answer says its language (``Content-Language``)
and varies on the headers that chose it, so a cache never serves one reader's language to
another.
"""

from __future__ import annotations

import pytest

from passerelle.api import explanations, i18n

CASES = [
    # (query, cookie, Accept-Language, chosen)
    ({"lang": "el"}, "uk", "ar", "el"),
    ({"lang": "PL-pl"}, None, None, "pl"),
    ({}, "uk", "ar, en;q=0.9", "uk"),
    ({}, "es", None, "es"),
    ({}, None, "de-DE, ru;q=0.5, ar;q=0.8, es;q=0.8", "ar"),
    ({}, None, "fa-AF;q=0.2, ps", "ps"),
    ({}, None, "ru;q=0, de", "en"),
    ({"lang": "de"}, "xx", "pl;q=0.7", "pl"),
    ({"lang": "de"}, None, None, "en"),
    ({}, None, None, "en"),
]
REFUGEE = {"en": "refugee", "fr": "réfugié", "es": "refugiado", "pl": "uchodźca",
           "el": "πρόσφυγας", "ar": "لاجئ", "uk": "біженець", "fa": "پناهنده", "ps": "کډوال",
           "ru": "беженец"}
"""The status's label in each language, as ontology/statuses.ttl writes it."""
OPEN_SEARCH = {"status": "refugee", "region": "FRL06", "explain": "true", "limit": 3}


def headers(cookie: str | None, accept: str | None) -> dict:
    found = {"Accept-Language": accept} if accept else {}
    if cookie:
        found["Cookie"] = f"lang={cookie}"
    return found


def says_its_language(response, lang: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-language"] == lang
    assert {v.strip() for v in response.headers["vary"].split(",")} >= {
        "Accept", "Accept-Language", "Cookie"}


@pytest.mark.parametrize(("params", "cookie", "accept", "chosen"), CASES)
def test_labels_follow_parameter_cookie_then_accept_language(server, params, cookie, accept,
                                                             chosen):
    response = server.get("/api/statuses/refugee", params=params,
                          headers=headers(cookie, accept))
    says_its_language(response, chosen)
    assert response.json()["label"] == REFUGEE[chosen]


@pytest.mark.parametrize(("params", "cookie", "accept", "chosen"), CASES)
def test_explanations_follow_the_same_choice(server, params, cookie, accept, chosen):
    response = server.get("/api/services", params={**OPEN_SEARCH, **params},
                          headers=headers(cookie, accept))
    says_its_language(response, chosen)
    opened = [rule["text"] for item in response.json()["items"]
              for rule in explanations.rules(item["why"], ("eligibility",))
              if rule["rule"] == "open-to-all"]
    assert opened and set(opened) == {i18n.messages(chosen)["why_open"]}


def test_suggestions_follow_the_cookie(server):
    empty = {"need": "employment", "region": "FRL06", "q": "zzzqqq"}
    english = server.get("/api/services", params=empty).json()["suggestions"]
    french = server.get("/api/services", params=empty, headers={"Cookie": "lang=fr"})
    says_its_language(french, "fr")
    worded = french.json()["suggestions"]
    assert [s["change"] for s in worded] == [s["change"] for s in english] != []
    assert all(f["text"] != e["text"] for f, e in zip(worded, english, strict=True))


@pytest.mark.parametrize("path", ["/api/statuses", "/api/service-types/employment",
                                  "/api/regions/FRL06", "/api/organisations",
                                  "/api/organisations/entraide-pierre-valdo",
                                  "/api/services/agir-vaucluse",
                                  "/api/practices", "/api/events"])
def test_every_labelled_answer_says_its_language(server, path):
    response = server.get(path, headers={"Accept-Language": "uk, en;q=0.5"})
    if response.status_code == 404:
        pytest.fail(f"{path} is not in the seed: {response.text}")
    says_its_language(response, "uk")
    assert server.get(path, params={"lang": "uk"}).json() == response.json()


def test_json_ld_says_its_language_too(server):
    response = server.get("/api/statuses/refugee",
                          headers={"Accept": "application/ld+json", "Cookie": "lang=ar"})
    says_its_language(response, "ar")


def test_a_malformed_parameter_is_still_a_422_whatever_the_cookie(server):
    response = server.get("/api/statuses", params={"lang": "fr_FR"},
                          headers={"Cookie": "lang=fr"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "lang"]


def test_the_language_choice_is_documented_once(server):
    spec = server.get("/openapi.json").json()
    parameter = next(p for p in spec["paths"]["/api/services"]["get"]["parameters"]
                     if p["name"] == "lang")
    assert parameter["in"] == "query" and not parameter.get("required")
    assert "cookie" in parameter["description"] and "Accept-Language" in \
        parameter["description"]
