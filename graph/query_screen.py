"""Checks on a query's text made before any SPARQL parser sees it.

Oxigraph's parser and evaluator recurse once per bracket level, so a few thousand nested ``{``
overflow the stack and abort the whole process; a ``SERVICE`` clause makes the engine fetch from
any URL the query names. Both are refused here, from the text alone, in time linear in its length.

Bracket depth is counted by a small lexer that skips strings, IRIs and comments. The ``SERVICE``
test reads the raw text instead: ``<`` is an IRI in one place and "less than" in another, and
Oxigraph reads ``1SERVICE`` as ``1 SERVICE``, so a lexer that guessed differently from the parser
could be led to hide a clause. The raw test can only err towards refusing (a literal such as
``"service <x> {"``), never towards letting a clause through.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<long>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z))
    | (?P<string>'(?:[^'\\\n\r]|\\[^\n\r])*'?|"(?:[^"\\\n\r]|\\[^\n\r])*"?)
    | (?P<variable>[?$]\w*)
    | (?P<language>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<word>(?:[\w.:%-]|\\[^\n\r])+)
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_GAP = r"(?:\s|\#[^\n\r]*)*"
_TARGET = r"""(?:<[^<>"{}|^`\\\x00-\x20]*(?:>|\Z)|[?$]\w+|[\w.%-]*:(?:[\w.:%-]|\\.)*)"""
_SERVICE = re.compile("service", re.IGNORECASE)
_AFTER_SERVICE = re.compile(
    rf"{_GAP}(?:SILENT{_GAP})?(?:{_TARGET}{_GAP}(?P<brace>\{{)?)?", re.IGNORECASE | re.DOTALL)
_LOOK_BACK = 64
_LOOK_AHEAD = 4096
_MAX_MENTIONS = 1000

_FROM = re.compile(
    r"""(?P<skipped>\#[^\n\r]*|<[^<>"{}|^`\\\x00-\x20]*>"""
    r"""|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)"""
    r"""|'(?:[^'\\\n\r]|\\[^\n\r])*'?|"(?:[^"\\\n\r]|\\[^\n\r])*"?)"""
    r"""|(?P<keyword>(?<![\w?$:@.%\\-])FROM(?![\w:]))""",
    re.IGNORECASE | re.DOTALL,
)

UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
_PROLOGUE = frozenset({"BASE", "PREFIX"})


class Refused(ValueError):
    """A query turned away before parsing; ``str(error)`` says why, for the client."""


def _keywords(text: str) -> Iterator[str]:
    """Bare words outside strings, IRIs and comments, upper-cased (keywords, and some noise)."""
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "word" and match.group().isalpha():
            yield match.group().upper()


def _inner_depth(iri: str) -> int:
    """Parentheses nested inside an IRI-looking token: after an operand ``<`` means "less than"
    and what follows is code, so ``?a<((((1))))>?b`` must not hide its depth."""
    depth = deepest = 0
    for char in iri:
        if char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest


def _check_depth(text: str, max_depth: int) -> None:
    depth = 0
    for match in _TOKEN.finditer(text):
        kind, reached = match.lastgroup, 0
        if kind == "open":
            depth += 1
            reached = depth
        elif kind == "close":
            depth = max(0, depth - 1)
        elif kind == "iri" and "(" in match.group():
            reached = depth + _inner_depth(match.group())
        if reached > max_depth:
            raise Refused(
                f"the query nests brackets more than {max_depth} deep; write it with less nesting")


def _part_of_a_name(text: str, start: int) -> bool | None:
    """Whether the word at ``start`` continues a variable, prefixed name or language tag;
    None when the run of name characters before it is too long to judge."""
    position = start
    while position > 0 and (text[position - 1].isalnum() or text[position - 1] in "_.:%-\\"):
        position -= 1
        if start - position > _LOOK_BACK:
            return None
    lead = text[position - 1] if position > 0 else ""
    return ":" in text[position:start] or lead in ("?", "$", "@")


def _calls_service(text: str) -> bool:
    """Whether ``SERVICE <target> {`` appears where a parser could read it as the keyword.

    Each look around a mention is bounded, so the test stays linear; running out of room
    (a very long target, comment or name) counts as a call.
    """
    mentions = 0
    for match in _SERVICE.finditer(text):
        named = _part_of_a_name(text, match.start())
        if named:
            continue
        mentions += 1
        if named is None or mentions > _MAX_MENTIONS:
            return True
        window = text[match.end(): match.end() + _LOOK_AHEAD]
        after = _AFTER_SERVICE.match(window)
        truncated = match.end() + _LOOK_AHEAD < len(text)
        if after.group("brace") or truncated and after.end() == len(window):
            return True
    return False


def screen(text: str, *, max_depth: int) -> None:
    """Raise ``Refused`` for an update, a ``SERVICE`` clause or nesting deeper than allowed."""
    first = next((k for k in _keywords(text) if k not in _PROLOGUE), None)
    if first in UPDATE_KEYWORDS:
        raise Refused(f"this is a SPARQL Update ({first}), not a query: updates go to "
                      "POST /sparql/update, with a token")
    if _calls_service(text):
        raise Refused("SERVICE is not allowed: this endpoint never fetches data from elsewhere")
    _check_depth(text, max_depth)


def declares_dataset(text: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``). Every query the
    embedded store runs asks this, so only strings, IRIs, comments and the word are matched."""
    if "from" not in text.lower():
        return False
    return any(m.lastgroup == "keyword" for m in _FROM.finditer(text))
