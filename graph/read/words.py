"""Word search: what a caseworker types in ``q``, matched against a full-text index.

A service is found by the words of its names and descriptions and of the labels (preferred and
alternative, in every language of the vocabularies) of its service types and of every broader
type, since a search by a need finds the narrower types too: "santé" finds a mental-health
service. Matching is accent- and case-insensitive and stemmed: "cours de français", "French
lessons" and "clases de español" find the language services.

How words become tokens, the same way for the indexed text and for the query:
1. folded: Unicode compatibility decomposition, combining marks dropped (accents, Greek tonos,
   Arabic short vowels), then case-folded;
2. split into runs of letters and digits, so no character the user types is syntax: punctuation,
   quotes, ``*``, ``OR`` or ``NEAR(`` are word separators or plain words, never operators;
3. stemmed with the Snowball stemmer of the text's language tag (untagged text with those of the
   default language's chain). Languages with no Snowball stemmer (Ukrainian, Pashto) are matched
   by folded word only.
A query word cannot know its language, so it matches a document when its folded form is one of
the document's folded words, or its stem in some language L is a stem of the document's text in
L (or that stem stemmed again, since a Snowball stem is not always its own stem): "lessons" is
stemmed as English and finds "lesson"; "français" as French finds "française".
Every query word must match (AND); short function words ("de", "the", "για") are left out of a
query unless it has nothing else.

Why SQLite FTS5 with Snowball stemming done here: SQLite and its FTS5 module ship with Python
(nothing to build or download), an in-memory FTS5 table keeps its posting lists compressed (a
few tens of MB at a million triples, where Python sets of every word would take several hundred)
and answers a query in C; FTS5 has no stemmer but Porter's English one, so the tokens are made
here, one column per stemming language plus one of folded words, and FTS5 only matches them.
``snowballstemmer`` has stemmers for eight of the ten languages Passerelle speaks; it runs them
through ``PyStemmer`` (the same Snowball algorithms compiled, about ten times faster, which is what
makes building the index at a million triples take seconds rather than a minute) when installed.
tantivy's Python binding stems fewer of these languages and adds a compiled search engine beside
the one SQLite already is.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import orjson
import snowballstemmer

from passerelle.settings import Settings

SNOWBALL = {"en": "english", "fr": "french", "es": "spanish", "pl": "polish", "el": "greek",
            "ar": "arabic", "ru": "russian", "fa": "persian", "uk": None, "ps": None}
"""The Snowball algorithm of each language Passerelle speaks (None: no stemmer exists)."""

STEMMED = tuple(code for code in Settings.languages.codes if SNOWBALL.get(code))
"""The languages whose text is stemmed, each with its own column in the index."""

UNTAGGED = tuple(code for code in Settings.languages.chain(Settings.languages.default)
                 if code in STEMMED)
"""The languages untagged text is stemmed in: the default language's chain."""

RAW = "raw"
"""The column of folded, unstemmed words of every text."""

MAX_WORDS = 32
"""Query words kept; a caseworker's search is a few words, and each costs a posting list."""

STOP_WORDS = frozenset("""
    a an the and or of for in on to with at by from
    de la le les des du un une et en pour avec au aux d l sur par
    el los las y para con del por una al
    i w z na do dla o od po oraz sie
    και το τα η ο οι της του των για σε στο στη στην με απο
    и в на с для по к о из
    та у з до від
    في من على الى عن مع
    و در به از با برای که را
""".split())
"""Function words, folded, left out of a query that has other words."""

_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Accents and case removed: ``Français`` -> ``francais``, ``Μαθήματα`` -> ``μαθηματα``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=200_000)
def _folded(chunk: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(chunk)))


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order. The text is cut at spaces first, which never
    fall inside a word or its marks (an Arabic shadda, a decomposed accent), and each piece is
    folded once for all the texts it is in."""
    return [f for chunk in text.split() for f in _folded(chunk)]


_stemmers = threading.local()


@lru_cache(maxsize=500_000)
def stem(language: str, word: str) -> str:
    """``word`` (folded) stemmed by ``language``'s Snowball stemmer. Snowball stemmers keep
    state while they work, so each thread has its own."""
    found = getattr(_stemmers, language, None)
    if found is None:
        found = snowballstemmer.stemmer(SNOWBALL[language])
        setattr(_stemmers, language, found)
    return found.stemWord(word)


def tokens(texts: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """The index's columns for a document made of ``texts`` (text, language tag or None): the
    folded words of all of them, and in each stemming language the stems of its texts."""
    columns: dict[str, list[str]] = {RAW: []}
    for text, tag in texts:
        found = words(text)
        columns[RAW] += found
        primary = (tag or "").split("-")[0].lower()
        for language in (primary,) if primary in STEMMED else () if primary else UNTAGGED:
            columns.setdefault(language, []).extend(stem(language, w) for w in found)
    return {column: " ".join(found) for column, found in columns.items()}


def joined(*documents: dict[str, str]) -> dict[str, str]:
    """Documents' columns put end to end: a service's own texts and its types' labels."""
    out: dict[str, str] = {}
    for document in documents:
        for column, text in document.items():
            if text:
                out[column] = f"{out[column]} {text}" if column in out else text
    return out


def expression(q: str) -> str | None:
    """The FTS5 query for the words of ``q``, or None when ``q`` holds no word at all.

    Each word becomes a group of quoted tokens (its folded form in the raw column, its stem in
    each stemming language's column) joined by OR; the groups are joined by AND. The tokens hold
    only letters and digits, so the expression's syntax is always this one.
    """
    found = list(dict.fromkeys(words(q)))[:MAX_WORDS]
    kept = [w for w in found if w not in STOP_WORDS] or found
    if not kept:
        return None
    groups = []
    for word in kept:
        columns: dict[str, list[str]] = {word: [RAW]}
        for language in STEMMED:
            # A stem stemmed again as well: Snowball's French takes "potagers" to "potager"
            # but "potager" to "potag", so the plural alone would miss the singular.
            once = stem(language, word)
            for token in dict.fromkeys((once, stem(language, once))):
                columns.setdefault(token, []).append(language)
        groups.append("(" + " OR ".join(f'{{{" ".join(c)}}} : "{token}"'
                                        for token, c in columns.items()) + ")")
    return " AND ".join(groups)


class WordIndex:
    """The full-text index of the services' documents: one FTS5 row a service, its rowid the
    service's number in the search index. In memory, rebuilt when the search index is."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        columns = ", ".join((RAW, *STEMMED))
        self._columns = (RAW, *STEMMED)
        marks = ", ".join("?" * (len(self._columns) + 1))
        self._insert = "INSERT OR REPLACE INTO docs(rowid, " + columns + ") VALUES (" + marks + ")"
        # detail=column: a query token is one word, matched in some columns, so the index
        # keeps which columns hold each token but not where in them: less to read for a match,
        # and a smaller index.
        self._db.execute(f"CREATE VIRTUAL TABLE docs USING fts5({columns}, "
                         "tokenize = 'unicode61 remove_diacritics 0', detail = column)")

    def _row(self, number: int, document: dict[str, str]) -> tuple:
        return (number, *(document.get(c, "") for c in self._columns))

    def put(self, documents: Iterable[tuple[int, dict[str, str]]]) -> None:
        """Add or replace the documents of these service numbers."""
        with self._lock, self._db:
            self._db.executemany(self._insert, (self._row(n, d) for n, d in documents))

    def drop(self, numbers: Iterable[int]) -> None:
        with self._lock, self._db:
            self._db.executemany("DELETE FROM docs WHERE rowid = ?", ((n,) for n in numbers))

    def match(self, q: str) -> set[int]:
        """The numbers of the services whose document has every word of ``q``."""
        return set(self.numbers(q))

    def numbers(self, q: str) -> list[int]:
        """``match``'s numbers, as a list."""
        found = expression(q)
        if found is None:
            return []
        with self._lock:
            (joined,), = self._db.execute(
                "SELECT group_concat(rowid) FROM docs WHERE docs MATCH ?", (found,))
        # One string of every rowid, read as a JSON array: a row apiece cost more than the
        # match itself, and an int() apiece more than the JSON reader.
        return orjson.loads(f"[{joined}]") if joined else []

    def close(self) -> None:
        self._db.close()
