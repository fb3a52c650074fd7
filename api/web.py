"""What every HTML page shares: the reader's language, the message catalogue, the templates.

Pages speak the interface languages: the languages of the setting (``Settings.languages``) that
have a catalogue (``messages/{lang}.json``). The language is the ``lang`` query parameter when it
names one of them, else the first of them in ``Accept-Language``, else the default language.
Names of things come from the graph's language-tagged literals, picked along the language's
fallback chain.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from passerelle.settings import Language, Settings


def _catalogued(language: Language) -> bool:
    return resources.files("passerelle.api").joinpath("messages", f"{language.code}.json") \
        .is_file()


INTERFACE: tuple[Language, ...] = tuple(filter(_catalogued, Settings.languages.declared))
"""The languages pages speak: the declared ones that have a message catalogue."""
INTERFACE_CODES = frozenset(language.code for language in INTERFACE)
DEFAULT = Settings.languages.default

LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
"""The only schemes a page turns into a link: a ``javascript:`` or ``data:`` IRI in the data (or
built by a query) would run in the reader's browser, so it is shown as text instead."""

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_IGNORED = re.compile(r"[\t\n\r]")


def linkable(href: object) -> bool:
    """Whether ``href`` may be a link: a relative reference to this site, or an absolute one in
    one of ``LINK_SCHEMES``. The scheme is read as a browser reads it (leading spaces and
    control characters dropped, tabs and line breaks removed anywhere), so ``" java\tscript:"``
    is still ``javascript``."""
    if not isinstance(href, str) or not href:
        return False
    text = _IGNORED.sub("", href.lstrip("".join(map(chr, range(0x21)))))
    if not text:
        return False
    scheme = _SCHEME.match(text)
    if scheme:
        return scheme.group(1).lower() in LINK_SCHEMES
    return text[0] in "/?#"


def href_attribute(href: object) -> Markup:
    """`` href="..."`` for a linkable target, nothing otherwise: ``<a{{ x | href }}>`` is then a
    link or, with no ``href``, plain text that cannot be followed."""
    if not linkable(href):
        return Markup("")
    return Markup(' href="{}"').format(href)


LINK_FILTERS = {"href": href_attribute}
LINK_TESTS = {"linkable": linkable}
"""Registered on every Jinja environment the pages use; every href built from data goes through
``href`` (an attribute) or is guarded by ``is linkable``."""


def environment(**options) -> jinja2.Environment:
    """The one way pages get a Jinja environment: with the link filters and tests."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("passerelle.api", "templates"),
                             autoescape=True, **options)
    env.filters.update(LINK_FILTERS)
    env.tests.update(LINK_TESTS)
    return env


templates = environment(trim_blocks=True, lstrip_blocks=True)


@cache
def messages(lang: str) -> dict[str, str]:
    """The interface text of one language, by key."""
    path = resources.files("passerelle.api").joinpath("messages", f"{lang}.json")
    return json.loads(path.read_text(encoding="utf-8"))


def choose_language(request: Request, use_query: bool = True) -> str:
    """``?lang=`` if it is an interface language, else the preferred of them in
    Accept-Language, else the default. Without ``use_query`` the header alone decides (a page
    whose ``lang`` chooses the language of its content, not of its interface)."""
    asked = request.query_params.get("lang", "").lower() if use_query else ""
    if asked in INTERFACE_CODES:
        return asked
    ranked = []
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if primary in INTERFACE_CODES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT


def url_with(request: Request, **changes) -> str:
    """The current path and query with some parameters replaced (None removes them)."""
    pairs = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        pairs.extend((key, v) for v in (value if isinstance(value, list | tuple) else [value]))
    query = urlencode(pairs)
    return request.url.path + ("?" + query if query else "")


def local_href(iri: str, base: str) -> str:
    """Links to our own resources stay on this server (``/id/...``); others go out."""
    return "/id/" + iri.removeprefix(base) if iri.startswith(base) else iri


def interface_language(tag: str) -> str:
    """The interface language a text asked for in ``tag`` is shown in: the first along its
    fallback chain that has a catalogue."""
    return next(code for code in (*Settings.languages.chain(tag), DEFAULT)
                if code in INTERFACE_CODES)


def page(request: Request, template: str, lang: str, status_code: int = 200,
         **context) -> HTMLResponse:
    """Render a page with what the layout needs: language, catalogue and the language switch."""
    switch = [(language, url_with(request, lang=language.code)) for language in INTERFACE]
    html = templates.get_template(template).render(
        lang=lang, direction=Settings.languages.get(lang).direction, t=messages(lang),
        switch=switch, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status_code,
                        headers={"Content-Language": lang, "Vary": "Accept, Accept-Language"})
