"""Fixtures the page tests share."""

from __future__ import annotations

import pytest

from tests import servers


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright, for one test module."""
    with servers.chromium() as browser:
        yield browser
