"""The one way to choose a text among its languages: pages, the API, exports and validation
messages all show the text this picks.

The order, first found wins:
1. the language asked (``fr-CA``), then its primary language (``fr``);
2. its fallback chain, as the language setting declares it (``Settings.languages``);
3. the default language (English), the one every vocabulary and shape is written in;
4. every other language alphabetically, the untagged text first, so an export made twice from
   the same graph shows the same text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from passerelle.settings import Settings


def order(lang: str, chain: Iterable[str] | None = None) -> tuple[str, ...]:
    """The languages ``pick`` tries before the alphabetical rest, without repeats; the chain is
    the language setting's for ``lang`` unless the caller gives one."""
    if chain is None:
        languages = Settings.languages
        kept = _orders.get(lang)
        if kept is None or kept[0] is not languages:
            if len(_orders) > 1024:
                _orders.clear()
            kept = _orders[lang] = (languages, tuple(dict.fromkeys(
                (lang, lang.split("-")[0], *languages.chain(lang), languages.default))))
        return kept[1]
    return tuple(dict.fromkeys((lang, lang.split("-")[0], *chain, Settings.languages.default)))


_orders: dict[str, tuple[object, tuple[str, ...]]] = {}
"""``order`` with the setting's chain, worked out once per tag (while the setting is the same
object): a page of services picks among languages several hundred times."""


def variant(lang: str, languages) -> tuple[str, ...]:
    """The languages among ``languages`` that ``pick`` tries for ``lang``, in its order: where
    texts come only in ``languages``, two tags with the same variant pick the same text (what is
    kept per reader's language is kept per variant, so a tag nobody writes in adds nothing)."""
    return tuple(tag for tag in order(lang) if tag in languages)


def pick(texts: Mapping[str, str], lang: str, chain: Iterable[str] | None = None) -> str | None:
    """The text of ``texts`` (language tag, '' for none -> text) to show a reader of ``lang``,
    or None when there is none."""
    return pick_tagged(texts, lang, chain)[0]


def pick_tagged(texts: Mapping[str, str], lang: str,
                chain: Iterable[str] | None = None) -> tuple[str | None, str]:
    """What ``pick`` shows and the language tag it is in ('' when untagged or none), so a page
    can mark a text that fell back to another language with that language."""
    for candidate in order(lang, chain):
        if candidate in texts:
            return texts[candidate], candidate
    rest = sorted(texts)
    return (texts[rest[0]], rest[0]) if rest else (None, "")


def by_language(literals: Iterable) -> dict[str, str]:
    """Literals (pyoxigraph's or rdflib's) as language tag -> text, the smallest text of each
    language kept, so the choice does not depend on the order a store gives them in."""
    found: dict[str, str] = {}
    texts = ((getattr(o, "language", None) or "", o.value if isinstance(o, ox.Literal) else str(o))
             for o in literals)
    for language, text in sorted(texts, key=lambda pair: pair[1]):
        found.setdefault(language, text)
    return found
