"""Service and organisation details over HTTP: every detail a caseworker acts on (contact,
address, coordinates, hours, cost, documents, ages, interpretation, accessibility) goes in
through the write API and comes back the same; a malformed one is refused with a 422 that names
it, and the store is left exactly as it was.
"""

from __future__ import annotations

import re

import pytest

from passerelle.api.web import telephone
from tests.api.hostile import refused
from tests.api.test_writes import TOKEN, Bad, service_json
from tests.conftest import stop_server, writing_server

ID = "https://w3id.org/passerelle/id/"

DETAILS = {
    "contact": {"telephone": "+33490000000", "email": "accueil@example.org",
                "url": "https://example.org/contact", "contact_type": "reception"},
    "address": {"street": "1 place de la Mairie", "postal_code": "84360", "locality": "Lauris",
                "region": "FRL06", "country": "FR"},
    "geo": {"lat": 43.747, "lon": 5.313},
    "opening_hours": "Tuesdays and Thursdays, 9:00 to 12:00; Friday afternoons",
    "hours": [{"days": ["tu", "th"], "opens": "09:00", "closes": "12:00"},
              {"days": ["fr"], "opens": "14:00", "closes": "17:30"}],
    "cost": "free", "free": True,
    "how_to_apply": "Come to the reception with your documents.",
    "documents": ["proof of address", "residence permit"],
    "age": {"min": 16, "max": 25},
    "interpretation": False,
    "accessibility": "Ground floor, step-free access.",
    "status": "temporarily-closed", "last_verified": "2026-11-30",
    "url": "https://example.org/service",
}
"""Every detail of DESIGN.md "Service details", as the read model gives it back."""


@pytest.fixture(scope="module")
def writer(seeded_store, tmp_path_factory):
    live = writing_server(seeded_store, tmp_path_factory.mktemp("details"))
    yield live
    stop_server(live)


def test_every_detail_round_trips_through_the_json_api(writer):
    created = writer.post("/api/services", headers=TOKEN,
                          json=service_json("details", **DETAILS))
    assert created.status_code == 201, created.text
    item = writer.get("/api/services/details").json()
    assert {key: item.get(key) for key in DETAILS} == DETAILS
    again = writer.request("PUT", "/api/services/details", headers=TOKEN,
                           json={**item, "lang": "en"})
    assert again.status_code == 200, again.text
    back = writer.get("/api/services/details").json()
    assert {key: back.get(key) for key in DETAILS} == DETAILS
    assert writer.request("DELETE", "/api/services/details", headers=TOKEN).status_code == 204


def test_a_national_number_is_stored_in_e164_with_the_address_country(writer):
    body = service_json("national-phone", contact={"telephone": "04 90 00 00 00"},
                        address={"locality": "Lauris", "country": "FR"})
    assert writer.post("/api/services", headers=TOKEN, json=body).status_code == 201
    item = writer.get("/api/services/national-phone").json()
    assert item["contact"]["telephone"] == "+33490000000"
    assert writer.request("DELETE", "/api/services/national-phone",
                          headers=TOKEN).status_code == 204


def test_false_and_zero_are_details_not_absences(writer):
    body = service_json("zero-age", free=False, interpretation=False, age={"min": 0})
    assert writer.post("/api/services", headers=TOKEN, json=body).status_code == 201
    item = writer.get("/api/services/zero-age").json()
    assert (item["free"], item["interpretation"], item["age"]) == \
        (False, False, {"min": 0, "max": None})
    assert writer.request("DELETE", "/api/services/zero-age", headers=TOKEN).status_code == 204


def test_an_organisation_shares_contact_address_and_coordinates(writer):
    body = {"id": "example-details-org", "lang": "en", "name": "Example details",
            "contact": {"telephone": "+48 726 379 438", "email": "biuro@example.org"},
            "address": {"street": "ul. Ruska 46a", "postal_code": "50-079",
                        "locality": "Wrocław", "region": "PL514", "country": "PL"},
            "geo": {"lat": 51.11, "lon": 17.02}}
    assert writer.post("/api/organisations", headers=TOKEN, json=body).status_code == 201
    org = writer.get("/api/organisations/example-details-org").json()
    assert org["contact"] == {"telephone": "+48726379438", "email": "biuro@example.org"}
    assert org["address"]["region"] == "PL514" and org["address"]["country"] == "PL"
    assert org["geo"] == {"lat": 51.11, "lon": 17.02}
    assert writer.request("DELETE", "/api/organisations/example-details-org",
                          headers=TOKEN).status_code == 204


def _bad(case: str, names: tuple[str, ...], **details) -> Bad:
    return Bad(case, "POST", "/api/services", 422, names, json=service_json("bad", **details))


BAD_DETAILS = [
    _bad("phone-national-without-country", ("schema:telephone", "international form"),
         contact={"telephone": "04 90 00 00 00"}),
    _bad("phone-too-short", ("schema:telephone", "+33"), contact={"telephone": "+3312"}),
    _bad("phone-words", ("schema:telephone",), contact={"telephone": "call the town hall"},
         address={"country": "FR"}),
    _bad("email-without-at", ("schema:email", "contact@example.org"),
         contact={"email": "accueil.example.org"}),
    _bad("email-domain-without-dot", ("schema:email",), contact={"email": "accueil@localhost"}),
    _bad("email-mailto", ("schema:email",), contact={"email": "mailto:accueil@example.org"}),
    _bad("url-javascript", ("url", "http"), url="javascript:alert(1)"),
    _bad("contact-url-ftp", ("contact.url", "http"), contact={"url": "ftp://example.org/x"}),
    _bad("closes-before-opens", ("schema:closes", "not after the opening time"),
         hours=[{"days": ["mo"], "opens": "14:00", "closes": "09:00"}]),
    _bad("unknown-day", ("hours[0].days", "'monday'"),
         hours=[{"days": ["monday"], "opens": "09:00", "closes": "12:00"}]),
    _bad("time-not-a-time", ("schema:opens",),
         hours=[{"days": ["mo"], "opens": "morning", "closes": "12:00"}]),
    _bad("hours-not-a-list", ("hours",), hours={"days": ["mo"]}),
    _bad("hours-unknown-field", ("hours[0].until", "unknown field"),
         hours=[{"days": ["mo"], "opens": "09:00", "until": "12:00"}]),
    _bad("min-age-above-max", ("pas:minimumAge", "above the maximum"),
         age={"min": 18, "max": 16}),
    _bad("age-negative", ("pas:minimumAge",), age={"min": -1}),
    _bad("age-not-a-number", ("age.max", "whole number"), age={"max": "adult"}),
    _bad("age-unknown-field", ("age.from", "unknown field"), age={"from": 3}),
    _bad("latitude-out-of-range", ("schema:latitude", "-90 and 90"),
         geo={"lat": 95, "lon": 5.3}),
    _bad("longitude-out-of-range", ("schema:longitude", "-180 and 180"),
         geo={"lat": 43.7, "lon": 190}),
    _bad("latitude-not-a-number", ("geo.lat", "not a number"), geo={"lat": "north", "lon": 5}),
    _bad("free-not-a-boolean", ("free", "true or false"), free="maybe"),
    _bad("interpretation-not-a-boolean", ("interpretation", "true or false"),
         interpretation=3),
    _bad("country-as-name", ("schema:addressCountry", "two-letter"),
         address={"country": "France"}),
    _bad("region-not-text", ("address.region", "text"), address={"region": 84}),
    _bad("documents-without-language", ("documents", "lang"), documents=["passport"],
         lang=None, name={"en": "x"}, cost={"en": "free"}),
    _bad("unknown-status", ("status", "service status"), status="open-soon"),
]


def test_collected_bad_details():
    assert len(BAD_DETAILS) == 26


@pytest.mark.parametrize("bad", BAD_DETAILS, ids=lambda b: b.name)
def test_a_malformed_detail_is_refused_and_changes_nothing(writer, bad):
    before = writer.triple_count()
    refused(writer, bad)
    assert writer.triple_count() == before


# --- pages ---------------------------------------------------------------------------------

EXAMPLE = "/?need=childcare&region=lauris&lang={lang}"
"""A search that finds the reference example (tests/data/valid/service-full.ttl), which carries
every detail."""


def _card(html: str, name: str) -> str:
    start = html.index(name)
    return html[html.rindex("<article", 0, start):html.index("</article>", start)]


def _words(html: str) -> str:
    """The text a reader sees: tags dropped, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" :", ":").replace(
        " ,", ",")


@pytest.mark.parametrize(("lang", "words"), [
    ("en", ("Tuesday, Thursday: 09:00–12:00", "Documents to bring", "free of charge: free",
            "16 to 99 years old", "no interpreter", "Ground floor, step-free access.",
            "2026-11-20")),
    ("fr", ("mardi, jeudi: 09:00–12:00", "Documents à apporter", "gratuit: gratuit",
            "de 16 à 99 ans", "pas d&#39;interprète", "titre de séjour")),
])
def test_a_search_card_shows_the_details(writer, lang, words):
    html = writer.get(EXAMPLE.format(lang=lang)).text
    card = _card(html, "Example French classes" if lang == "en" else "Cours de français")
    assert '<a href="tel:+33400000000"><bdi dir="ltr">+33 4 00 00 00 00</bdi></a>' in card
    assert 'href="mailto:classes@example.org"' in card
    assert "1 place de la Mairie" in card
    text = _words(card)
    for word in words:
        assert word in text, word


def test_a_temporarily_closed_service_is_marked_on_its_card(writer):
    body = service_json("paused-cafe", status="temporarily-closed")
    assert writer.post("/api/services", headers=TOKEN, json=body).status_code == 201
    html = writer.get("/", params={"q": "paused-cafe", "lang": "en"}).text
    card = _card(html, "Language café paused-cafe")
    heading = card[card.index("<h3"):card.index("</h3>")]
    assert '<span class="closed">Temporarily closed</span>' in heading
    assert _words(card).casefold().count("temporarily closed") == 1
    assert writer.request("DELETE", "/api/services/paused-cafe", headers=TOKEN).status_code == 204


def test_the_resource_page_links_phone_and_email(writer):
    html = writer.get("/id/service/example-french-classes",
                      headers={"Accept": "text/html"}).text
    assert '<a href="tel:+33400000000"><bdi dir="ltr">+33 4 00 00 00 00</bdi></a>' in html
    assert 'href="mailto:classes@example.org"' in html
    for words in ("Opening hours by day", "Tuesday", "09:00", "12:00", "Free of charge",
                  "Document to bring", "FRL06"):
        assert words in html, words


@pytest.mark.parametrize(("stored", "html"), [
    ("+33400000000", '<a href="tel:+33400000000"><bdi dir="ltr">+33 4 00 00 00 00</bdi></a>'),
    ("+48726379438", '<a href="tel:+48726379438"><bdi dir="ltr">+48 726 379 438</bdi></a>'),
    ("+302101234567",
     '<a href="tel:+302101234567"><bdi dir="ltr">+30 21 0123 4567</bdi></a>'),
    ("+33 4 90 00 00 00",
     '<a href="tel:+33490000000"><bdi dir="ltr">+33 4 90 00 00 00</bdi></a>'),
    ("call <b>us</b>", '<bdi dir="ltr">call &lt;b&gt;us&lt;/b&gt;</bdi>'),
    ("", ""),
    (None, ""),
])
def test_a_telephone_number_is_grouped_for_reading_and_dialled_in_e164(stored, html):
    assert str(telephone(stored)) == html


@pytest.mark.parametrize("lang", ["ar", "fa", "en"])
def test_the_number_reads_left_to_right_on_every_page(writer, lang):
    html = writer.get(EXAMPLE.format(lang=lang)).text
    assert (' dir="rtl"' in html[:html.index("<body")]) == (lang != "en")
    assert '<a href="tel:+33400000000"><bdi dir="ltr">+33 4 00 00 00 00</bdi></a>' in html
