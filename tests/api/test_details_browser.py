"""A search card with every detail, in a real browser (Debian's Chromium driven by Playwright):
what a caseworker sees and follows, screen and print."""

from __future__ import annotations

from tests.api.test_pages_browser import shot


def test_a_card_shows_the_details_and_links_to_call_and_write(server, browser):
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(server.url + "/?need=childcare&region=lauris&lang=en")
    card = page.locator("article", has_text="Example French classes")
    text = card.inner_text()
    for words in ("Tuesday, Thursday: 09:00–12:00", "Documents to bring", "16 to 99 years old",
                  "free of charge", "1 place de la Mairie", "Ground floor, step-free access."):
        assert words in text, words
    assert card.get_by_role("link", name="+33 4 00 00 00 00").get_attribute("href") == \
        "tel:+33400000000"
    assert card.get_by_role("link", name="classes@example.org").get_attribute("href") == \
        "mailto:classes@example.org"
    shot(page, "search-card-details")
    page.emulate_media(media="print")
    assert card.locator("dd.hours").is_visible()
    assert card.locator("dd.documents").is_visible()
    context.close()
