"""Fixtures the page tests share."""

from __future__ import annotations

import pytest

from tests import servers


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright, for one test module."""
    with servers.chromium() as browser:
        yield browser


@pytest.fixture
def page(browser):
    """A fresh English page of the module's browser, closed after the test."""
    context = browser.new_context(locale="en-GB")
    yield context.new_page()
    context.close()
