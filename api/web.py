"""What every HTML page shares: the reader's language, the message catalogue, the templates.

Pages speak the interface languages: the languages of the setting (``Settings.languages``) that
have a catalogue (``i18n``: the English source, a gettext catalogue for the others). The language
is the ``lang`` query parameter when it names one of them, else the cookie the language switch
sets, else the best of them in ``Accept-Language`` (by q-value), else the default language. Every
link a page makes to this site keeps the language. Names of things come from the graph's
language-tagged literals, picked along the language's fallback chain.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import jinja2
import phonenumbers
from babel import Locale, UnknownLocaleError
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from passerelle.api import i18n
from passerelle.api.i18n import messages
from passerelle.graph.validation.functions import e164
from passerelle.settings import Language, Settings

INTERFACE: tuple[Language, ...] = tuple(language for language in Settings.languages.declared
                                        if i18n.has_catalogue(language.code))
"""The languages pages speak: the declared ones that have a message catalogue."""
INTERFACE_CODES = frozenset(language.code for language in INTERFACE)
DEFAULT = Settings.languages.default
COOKIE = "lang"
"""The cookie the language switch sets (``/language``): a year, this site only, not secret."""
COOKIE_AGE = 365 * 24 * 3600

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


def language_name(tag: str, reader: str) -> str:
    """The name of the language of ``tag`` in the reader's language (CLDR, through Babel), or
    its own name as the settings write it."""
    primary = tag.split("-")[0].lower()
    try:
        name = Locale.parse(reader).languages.get(primary)
    except (ValueError, UnknownLocaleError):
        name = None
    own = Settings.languages.get(primary)
    return name or (own.name if own else tag)


@jinja2.pass_context
def fallback_note(context, tag: str | None) -> Markup:
    """A short note saying which language a text is in, when it is not the page's (its
    translation is missing, so it fell back along the language's chain); nothing otherwise."""
    page_lang = context.get("lang") or DEFAULT
    if not tag or tag.split("-")[0].lower() == page_lang:
        return Markup("")
    note = messages(page_lang)["in_language"].format(language=language_name(tag, page_lang))
    return Markup(' <span class="fallback-lang">({})</span>').format(note)


@jinja2.pass_context
def in_language(context, text: object, tag: str | None) -> object:
    """``text`` in its language: ``lang`` on it (so it is read out in that language), its own
    direction (English in an Arabic page still reads left to right) and the fallback note when
    that is not the page's. Untagged text (names, codes) is left as is."""
    if text is None or not tag or tag.split("-")[0].lower() == (context.get("lang") or DEFAULT):
        return text
    return Markup('<span lang="{}" dir="auto">{}</span>').format(tag, text) \
        + fallback_note(context, tag)


def telephone(number: object) -> Markup:
    """A telephone number to call: the ``tel:`` link keeps the E.164 form the graph stores
    (``+33400000000``), the text is grouped for reading in the international format
    (``+33 4 00 00 00 00``) inside ``<bdi dir="ltr">``, so a right-to-left page keeps its digits
    and the ``+`` in order. A number that cannot be read as one is shown as written."""
    if not isinstance(number, str) or not number.strip():
        return Markup("")
    dialled = e164(number)
    if dialled is None:
        return Markup('<bdi dir="ltr">{}</bdi>').format(number)
    grouped = phonenumbers.format_number(phonenumbers.parse(dialled),
                                         phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return Markup('<a href="tel:{}"><bdi dir="ltr">{}</bdi></a>').format(dialled, grouped)


LINK_FILTERS = {"href": href_attribute, "in_language": in_language, "telephone": telephone}
LINK_TESTS = {"linkable": linkable}
"""Registered on every Jinja environment the pages use; every href built from data goes through
``href`` (an attribute) or is guarded by ``is linkable``."""
LANGUAGE_GLOBALS = {"fallback_note": fallback_note}


def environment(**options) -> jinja2.Environment:
    """The one way pages get a Jinja environment: with the link filters and tests."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("passerelle.api", "templates"),
                             autoescape=True, **options)
    env.filters.update(LINK_FILTERS)
    env.tests.update(LINK_TESTS)
    env.globals.update(LANGUAGE_GLOBALS)
    i18n.install(env)
    return env


templates = environment(trim_blocks=True, lstrip_blocks=True)


def interface_code(tag: object) -> str | None:
    """The interface language a ``lang`` parameter or cookie names (any case, a region or
    script subtag allowed), or None."""
    if not isinstance(tag, str):
        return None
    primary = tag.strip().split("-")[0].lower()
    return primary if primary in INTERFACE_CODES else None


def choose_language(request: Request, use_query: bool = True) -> str:
    """``?lang=`` if it is an interface language, else the switch's cookie, else the preferred
    of them in Accept-Language (highest q-value, then first written), else the default. Without
    ``use_query`` the parameter is not read (a page whose ``lang`` chooses the language of its
    content, not of its interface)."""
    asked = interface_code(request.query_params.get("lang")) if use_query else None
    return asked or implied_language(request)


def implied_language(request: Request) -> str:
    """The language a request gets without ``?lang=``: the cookie's, else Accept-Language's,
    else the default. Links need to carry ``lang`` only where the page's language differs."""
    if interface_code(request.cookies.get(COOKIE)):
        return interface_code(request.cookies.get(COOKIE))
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


def switch_href(request: Request, code: str) -> str:
    """The language switch's link to ``code``: through ``/language``, which sets the cookie and
    comes back to this page in that language."""
    return "/language?" + urlencode({"lang": code, "next": url_with(request, lang=code)})


_LOCAL_HREF = re.compile(
    r'href="(/(?!/|static/|docs|redoc|openapi\.json|catalog)[^"#]*)(#[^"]*)?"')
"""A link to a page of this site that speaks the reader's language (assets and the API's own
documentation do not)."""


def keep_language(html: str, lang: str) -> str:
    """Every link of ``html`` to a page of this site (``href="/..."``) with ``lang`` added when
    it names none, so following any link keeps the reader's language."""
    def add(match: re.Match) -> str:
        target, fragment = match.group(1), match.group(2) or ""
        if re.search(r"[?&;]lang=", target):
            return match.group(0)
        joiner = "&amp;" if "?" in target else "?"
        return f'href="{target}{joiner}lang={lang}{fragment}"'

    return _LOCAL_HREF.sub(add, html)


def language_headers(lang: str) -> dict[str, str]:
    """What an answer in the reader's language says about it: the language it is in, and every
    request header that chose it, so a cache keeps one answer per language."""
    return {"Content-Language": lang, "Vary": "Accept, Accept-Language, Cookie"}


def page(request: Request, template: str, lang: str, status_code: int = 200,
         **context) -> HTMLResponse:
    """Render a page with what the layout needs: language and direction, catalogue, whether a
    fluent speaker reviewed it, and the language switch."""
    switch = [(language, switch_href(request, language.code)) for language in INTERFACE]
    html = templates.get_template(template).render(
        lang=lang, direction=Settings.languages.get(lang).direction, t=messages(lang),
        reviewed=i18n.reviewed(lang), switch=switch, path=request.url.path, **context)
    if lang != implied_language(request):
        html = keep_language(html, lang)
    return HTMLResponse(html, status_code=status_code,
                        headers=language_headers(lang))
