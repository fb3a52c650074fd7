"""The interface's words in every language: gettext catalogues (Babel), keyed by the English text.

The English text of every message is written once, in ``messages/en.json``, under a stable key
(nested objects group keys: ``properties`` -> ``properties/rdf:type``; a list of two strings is a
message with plural forms, singular then plural). Every other language is a gettext catalogue,
``translations/{lang}/LC_MESSAGES/messages.po``: each entry has the key as its context
(``msgctxt``) and the English text as its ``msgid``, so translators see the English they
translate, and a changed English text is marked for review by ``pybabel update``.

Pages and the API read messages through ``Messages``, a mapping by key (``t.search_title`` in a
template, ``t["why_open"]`` in Python): each lookup is a ``pgettext`` in the reader's catalogue,
and a message it lacks comes back in English. Templates may also use Jinja's i18n extension
(``{% trans %}``, ``_()``) for text with no key.

Each catalogue says in its ``Language-Team`` header whether a fluent speaker has reviewed it
(``review: none`` until one has); pages in an unreviewed catalogue carry a short notice.

``make messages`` runs the whole round: extract the template from en.json and the templates,
update every catalogue, move into them any ``messages/{lang}.json`` file (the conversion path for
keys written the old way), compile the ``.mo`` files. ``python -m passerelle.api.i18n import-json``
is the move alone.
"""

from __future__ import annotations

import gettext
import io
import json
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from passerelle.api import places

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"
HERE = Path(__file__).resolve().parent
SOURCE = HERE / "messages" / f"{SOURCE_LANGUAGE}.json"
TRANSLATIONS = HERE / "translations"
SEPARATOR = "/"
"""Joins a nested key to its group in a message's context (``properties/rdf:type``)."""

REVIEW = re.compile(r"review:\s*([^);]+)", re.IGNORECASE)
UNREVIEWED = "none"


def po_path(lang: str, root: Path = TRANSLATIONS) -> Path:
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def source() -> dict[str, Any]:
    """The English text of every message, by key, as written in ``messages/en.json``."""
    return json.loads(SOURCE.read_text(encoding="utf-8"))


def entries(tree: Mapping[str, Any] | None = None, prefix: str = "",
            forms: int = 2) -> Iterator[tuple[str, str | tuple[str, ...]]]:
    """Every message as (context, text); a plural message's text is a tuple of its first
    ``forms`` forms (the English source has two: singular, plural)."""
    for key, value in (source() if tree is None else tree).items():
        if isinstance(value, dict):
            yield from entries(value, prefix + key + SEPARATOR, forms)
        elif isinstance(value, list):
            yield prefix + key, tuple(value[:forms])
        else:
            yield prefix + key, value


def has_catalogue(lang: str) -> bool:
    return lang == SOURCE_LANGUAGE or po_path(lang).is_file()


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang``: its ``.mo`` file (built at install or by ``make
    messages``), or, in a checkout where the ``.po`` is newer, the ``.po`` compiled in memory, so
    an edited catalogue is never shadowed by a stale build."""
    po = po_path(lang)
    mo = po.with_suffix(".mo")
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if po.is_file():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        return gettext.GNUTranslations(compiled)
    return gettext.NullTranslations()


def review(lang: str) -> str:
    """Who reviewed the catalogue of ``lang``, as its ``Language-Team`` header says
    (``none`` when nobody has); the source language is its own reference."""
    if lang == SOURCE_LANGUAGE:
        return "source"
    found = REVIEW.search(translations(lang).info().get("language-team", ""))
    return found.group(1).strip() if found else UNREVIEWED


def reviewed(lang: str) -> bool:
    return review(lang).lower() != UNREVIEWED


@dataclass(frozen=True)
class Plural:
    """A message with plural forms: ``t.results_count.format(n=3)`` picks the form for 3 by the
    catalogue's ``Plural-Forms`` rule and fills it."""

    context: str
    singular: str
    plural: str
    catalogue: gettext.NullTranslations

    lang: str = SOURCE_LANGUAGE

    def format(self, n: int, **values: Any) -> str:
        text = self.catalogue.npgettext(self.context, self.singular, self.plural, n)
        return places.fill(text, self.lang, n=n, **values)

    __call__ = format


class Message(str):
    """One message of a catalogue: a string whose ``format`` also puts place names in the form
    its placeholders ask for in its language (``{area:in}``: see ``places``)."""

    lang: str

    def __new__(cls, text: str, lang: str) -> Message:
        made = super().__new__(cls, text)
        made.lang = lang
        return made

    def format(self, *args: Any, **values: Any) -> str:
        return places.fill(self, self.lang, *args, **values)


class Messages(Mapping[str, Any]):
    """The messages of one language by key; a group (``t["properties"]``) is a ``Messages``
    too. Missing translations come back in English; an unknown key is a ``KeyError`` (and an
    undefined value in a template), as with a dictionary."""

    def __init__(self, lang: str, tree: Mapping[str, Any] | None = None, prefix: str = ""):
        self._lang = lang
        self._tree = source() if tree is None else tree
        self._prefix = prefix
        self._catalogue = translations(lang)

    def __getitem__(self, key: str) -> Any:
        value = self._tree[key]
        context = self._prefix + key
        if isinstance(value, dict):
            return Messages(self._lang, value, context + SEPARATOR)
        if isinstance(value, list):
            return Plural(context, value[0], value[1], self._catalogue, self._lang)
        return Message(self._catalogue.pgettext(context, value), self._lang)

    def __iter__(self) -> Iterator[str]:
        return iter(self._tree)

    def __len__(self) -> int:
        return len(self._tree)


@cache
def messages(lang: str) -> Messages:
    """The interface text of one language, by key."""
    return Messages(lang)


def _language(context) -> str:
    return context.get("lang") or SOURCE_LANGUAGE


@jinja2.pass_context
def _gettext(context, message: str) -> str:
    return translations(_language(context)).gettext(message)


@jinja2.pass_context
def _ngettext(context, singular: str, plural: str, n: int) -> str:
    return translations(_language(context)).ngettext(singular, plural, n)


@jinja2.pass_context
def _pgettext(context, ctx: str, message: str) -> str:
    return translations(_language(context)).pgettext(ctx, message)


@jinja2.pass_context
def _npgettext(context, ctx: str, singular: str, plural: str, n: int) -> str:
    return translations(_language(context)).npgettext(ctx, singular, plural, n)


def install(env: jinja2.Environment) -> None:
    """Jinja's i18n extension on ``env``, translating into the ``lang`` of each render."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True, pgettext=_pgettext,
                                  npgettext=_npgettext)


def extract_source(fileobj, keywords, comment_tags, options):
    """Babel extractor for ``messages/en.json``: each message as a ``pgettext`` (plural ones as
    ``npgettext``) with its key as context, at the line where the key is written."""
    text = fileobj.read().decode("utf-8")
    position = 0
    for context, message in entries(json.loads(text)):
        key = context.rsplit(SEPARATOR, 1)[-1]
        found = text.find(json.dumps(key, ensure_ascii=False) + ":", position)
        if found < 0:
            found = text.find(json.dumps(key) + ":", position)
        position = max(position, found)
        lineno = text.count("\n", 0, position) + 1
        if isinstance(message, tuple):
            yield lineno, "npgettext", (context, *message), []
        else:
            yield lineno, "pgettext", (context, message), []


def fill_source(root: Path = TRANSLATIONS) -> str:
    """The English catalogue repeats the source: each entry ``pybabel update`` left empty takes
    its English text, so English is complete like every other catalogue."""
    from babel.messages.pofile import read_po, write_po

    po = po_path(SOURCE_LANGUAGE, root)
    if not po.is_file():
        return f"no English catalogue {po}"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=SOURCE_LANGUAGE, domain=DOMAIN)
    filled = 0
    for entry in catalog:
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry.id and (entry.fuzzy or not any(forms)):
            entry.string = entry.id
            entry.flags.discard("fuzzy")
            filled += 1
    with po.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return f"{po.name} ({SOURCE_LANGUAGE}): {filled} English text(s) copied from en.json"


def import_json(folder: Path = HERE / "messages", root: Path = TRANSLATIONS) -> list[str]:
    """Move ``messages/{lang}.json`` files (keys written as before the catalogues) into the
    catalogues: each text fills its entry where the catalogue has no translation yet or only a
    fuzzy one (a catalogue's own translations are kept), then the file is deleted. Returns one
    line per language saying what was moved. Run it after ``pybabel update``, so every key of
    en.json has its entry."""
    from babel.messages.pofile import read_po, write_po

    english = dict(entries())
    report = [fill_source(root)]
    for path in sorted(folder.glob("*.json")):
        lang = path.stem
        if lang == SOURCE_LANGUAGE:
            continue
        po = po_path(lang, root)
        if not po.is_file():
            report.append(f"{path.name}: no catalogue {po}; run 'pybabel init -l {lang}' first")
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang, domain=DOMAIN)
        moved, unknown = 0, []
        written = json.loads(path.read_text(encoding="utf-8"))
        for context, text in entries(written, forms=catalog.num_plurals):
            if context not in english:
                unknown.append(context)
                continue
            msgid = english[context]
            entry = catalog.get(msgid, context=context)
            if entry is None:
                entry = catalog.add(msgid, context=context)
            forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if (entry.fuzzy or not any(forms)) and isinstance(text, tuple) == \
                    isinstance(msgid, tuple):
                entry.string = text
                entry.flags.discard("fuzzy")
                moved += 1
        with po.open("wb") as handle:
            write_po(handle, catalog, width=100)
        path.unlink()
        report.append(f"{path.name}: {moved} translation(s) moved into {po}"
                      + (f"; keys not in en.json, left out: {', '.join(unknown)}"
                         if unknown else ""))
    return report


def main(argv: list[str]) -> int:
    if argv[1:] == ["import-json"]:
        for line in import_json() or ["no messages/{lang}.json file to move"]:
            print(line)
        return 0
    print("usage: python -m passerelle.api.i18n import-json", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
