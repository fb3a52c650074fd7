"""The referral card a caseworker prints for the client: the client's language, contacts and
access details, full links, the criteria and the date, and the client's status kept private."""

from __future__ import annotations

import re
from datetime import date

import pytest

from passerelle.api.web import INTERFACE

ID = "https://w3id.org/passerelle/id/"
CLASSES = "example-french-classes"
FARM = "commune-ferme-training"


def card(server, headers=None, **params):
    return server.get("/referral", params=params, headers=headers or {})


def test_card_in_the_clients_language_tools_in_the_caseworkers(server):
    response = card(server, {"Accept-Language": "en"}, service=[CLASSES, FARM], lang="fr")
    assert response.status_code == 200
    page = response.text
    assert '<html lang="fr">' in page and response.headers["content-language"] == "fr"
    assert "Des services pour vous" in page and "Cours de français (exemple)" in page
    assert 'class="card-tools" lang="en"' in page and "Print this card" in page


def test_card_carries_contacts_address_hours_cost_and_how_to_apply(server):
    page = card(server, service=CLASSES, lang="en").text
    assert '<a href="tel:+33400000000"><bdi dir="ltr">+33 4 00 00 00 00</bdi></a>' in page
    for text in ("classes@example.org", "1 place de la Mairie, 84360 Lauris",
                 "Tuesdays and Thursdays, 9:00 to 12:00", "free",
                 "Ask your caseworker to call the association.",
                 "https://example.org/french-classes"):
        assert text in page, text


def test_every_link_on_the_card_is_absolute(server):
    page = card(server, service=[CLASSES, FARM], lang="en").text
    main = page[page.index("<main"):]
    assert f"{server.url}/id/service/{CLASSES}" in main
    assert f"{server.url}/id/service/{FARM}" in main
    assert not re.search(r'href="/', main)


def test_criteria_and_date_printed_status_only_when_asked(server):
    asked = {"service": FARM, "lang": "en", "need": "employment", "region": "FRL06",
             "status": "asylum-seeker"}
    page = card(server, **asked).text
    printed = page[page.index("<main"):]
    assert "Need: Employment" in printed and "Place: Vaucluse" in printed
    assert date.today().isoformat() in printed
    assert "asylum" not in printed.lower() and "Status:" not in printed
    shown = card(server, **asked, show_status="true").text
    assert "Status: asylum seeker" in shown


@pytest.mark.parametrize("language", [language.code for language in INTERFACE])
def test_card_in_every_interface_language(server, language):
    response = card(server, service=FARM, lang=language)
    assert response.status_code == 200
    direction = ' dir="rtl"' if language in ("ar", "fa", "ps") else ""
    assert f'<html lang="{language}"{direction}>' in response.text
    assert "La Commune Ferme" in response.text


def test_unknown_service_and_bad_language_are_refused(server):
    response = card(server, service="no-such-service", lang="en")
    assert response.status_code == 404 and "Unknown service: no-such-service" in response.text
    assert card(server, service="../../etc", lang="en").status_code == 404
    assert card(server, service=FARM, lang="not a tag").status_code == 422
