"""SPARQL text read the way a SPARQL engine reads it: codepoint escapes, tokens, and what the
text asks of the engine (query or update, ``SERVICE``, ``LOAD``, a dataset, how deep it nests).

Every check Passerelle makes on a client's SPARQL text before an engine parses it goes through
this one tokenizer, so that a trick that hides a clause from one check hides it from none.

Codepoint escapes (``\\u0041``, ``\\U00000041``) are decoded before anything else by the SPARQL
grammar's own rule, everywhere in the text; Oxigraph 0.5 decodes them only inside IRIs and
strings (``\\u0053ERVICE`` is a syntax error there, ``<http://h/\\u0078>`` an IRI). The two
readings can tokenize the same text differently (``"\\u0022"`` is one string for Oxigraph and an
empty string then an opening quote for the grammar), so a text with escapes is read both ways and
the verdicts are merged towards refusing (see ``readings``).

The tokenizer is a lexer with just enough context to decide what an engine's parser would: ``<``
is "less than" after an operand inside an expression and starts an IRI everywhere else, so the
tokenizer keeps a stack of the brackets it is inside and knows which ``(`` opens an expression.
Oxigraph's parser also matches keywords without a word boundary (``trueSERVICE``,
``SERVICESILENT<x>``, ``SERVICE:x {`` with ``:`` a prefix), so a bare word is taken for
``SERVICE`` or ``LOAD`` whenever it contains one.

Depth is what makes an engine recurse: every bracket (``{ ( [ << <<( {|``) is one level, and
every link of a chain the parser or the algebra builds as a nested tree (binary and unary
operators, property-path steps, triple patterns joined by ``. ; ,``, the elements of a
collection, ``OPTIONAL``, ``MINUS``, ``UNION``, ``FILTER``, ``BIND``...) is one more level in the
bracket it is written in. Brackets that nest RDF terms (``<< [ (`` collections, ``<<( {|``) are
also counted on their own: Oxigraph's parser backtracks through them in time that grows faster
than the cube of their depth. Reading is linear in the text's length and stops as soon as the
depth passes the limit asked for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)", re.DOTALL)
_HAS_ESCAPE = re.compile(r"\\[uU]")

_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = r"[^\W\d_](?:[\w.\-]*[\w\-])?"
_PN_LOCAL = rf"(?:[\w:]|{_PLX})(?:(?:[\w.:\-]|{_PLX})*(?:[\w:\-]|{_PLX}))?"
_TOKEN = re.compile(
    rf"""[ \t\r\n]*(?:
      (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)|\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
                |'(?:[^'\\\r\n]|\\.)*'?|"(?:[^"\\\r\n]|\\.)*"?)
    | (?P<var>[?$]\w+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<blank>_:[\w.\-]*[\w\-]|_:\w?)
    | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
    | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<word>[A-Za-z]+)
    | (?P<open><<\(|<<|\{{\||[{{(\[])
    | (?P<close>\)>>|>>|\|}}|[}})\]])
    | (?P<op>&&|\|\||!=|<=|>=|\^\^|[.,;*/+\-!=<>|^?&])
    | (?P<other>.)
    | (?P<end>\Z)
    )""",
    re.VERBOSE | re.DOTALL,
)
_IRI = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")

UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD",
                   "WITH")
PROLOGUE = ("PREFIX", "BASE", "VERSION")
_OPERAND = frozenset({"var", "iri", "pname", "string", "number", "lang", "blank"})
_OPERAND_WORDS = frozenset({"TRUE", "FALSE"})
_EXPRESSION_CLAUSES = frozenset(
    {"FILTER", "BIND", "HAVING", "BY", "ASC", "DESC", "SELECT", "DISTINCT", "REDUCED"})
"""Keywords after which the next ``(`` opens an expression, even behind a function IRI."""
_CLAUSE_ENDS = frozenset({"WHERE", "LIMIT", "OFFSET", "VALUES", "OPTIONAL", "MINUS", "UNION",
                          "GRAPH", "SERVICE", "FROM"})
_NOT_CALLS = frozenset({"VALUES", "A", "TRUE", "FALSE", "UNDEF"})
"""Words a ``(`` can follow without being a call: data blocks and collections."""
_LINKS = frozenset({"UNION", "OPTIONAL", "MINUS", "FILTER", "BIND", "GRAPH", "SERVICE", "VALUES",
                    "IN", "NOT", "EXISTS"})
_TERM_BRACKETS = frozenset({"[", "<<", "<<(", "{|", "list"})


def decode_escapes(text: str) -> str:
    """The text with its ``\\uXXXX`` and ``\\UXXXXXXXX`` escapes decoded, in one pass as the
    SPARQL grammar says: a backslash that is itself escaped (``\\\\u0041``) starts no escape, and
    an escape that names no character (a surrogate) is left as written."""
    if not _HAS_ESCAPE.search(text):
        return text

    def decode(match: re.Match) -> str:
        digits = match.group(1) or match.group(2)
        if digits is None:
            return match.group()
        code = int(digits, 16)
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            return match.group()
        return chr(code)

    return _ESCAPE.sub(decode, text)


@dataclass(frozen=True)
class Token:
    kind: str
    """comment, string, var, lang, blank, pname, number, word, iri, open, close, op, other."""
    text: str
    start: int


@dataclass
class Reading:
    """What one reading of a text asks of the engine."""

    first_keyword: str | None = None
    """The first keyword after the prologue, upper-cased (``SELECT``, ``INSERT``...)."""
    service: bool = False
    load: bool = False
    dataset: bool = False
    depth: int = 0
    """The deepest nesting met, brackets and chain links together (see the module's story)."""
    term_depth: int = 0
    """The deepest nesting of brackets that hold RDF terms (``<< [ <<( {|`` and collections)."""
    prologue_end: int = 0
    """Where the prologue (``PREFIX``, ``BASE``, comments) ends in the text read."""
    stopped: bool = False
    """Reading stopped early: the depth or term depth passed the limit asked for."""
    tokens: list[Token] = field(default_factory=list)
    """The tokens read, comments left out, when asked for (``collect``)."""


@dataclass
class _Frame:
    kind: str
    links: int = 0


@dataclass
class _State:
    stack: list[_Frame] = field(default_factory=list)
    total: int = 0
    terms: int = 0
    links_outside: int = 0
    previous: Token | None = None
    clause: bool = False


def _is_operand(token: Token | None) -> bool:
    if token is None:
        return False
    if token.kind in _OPERAND:
        return True
    if token.kind == "word":
        return token.text.upper() in _OPERAND_WORDS
    return token.kind == "close"


def _paren_kind(state: _State) -> str:
    """Whether a ``(`` opens an expression ("expr") or a collection, path group or data row."""
    top = state.stack[-1].kind if state.stack else None
    previous = state.previous
    if top == "expr":
        return "expr"
    if top in ("list", "<<("):
        return "list"
    if state.clause:
        return "expr"
    if previous is not None and previous.kind == "word":
        return "list" if previous.text.upper() in _NOT_CALLS else "expr"
    return "expr" if top is None else "list"  # projections, GROUP BY, ORDER BY, HAVING


def tokens(text: str, state: _State | None = None) -> Iterator[Token]:
    """The tokens of ``text`` (comments included; whitespace skipped), ``<`` read in context:
    "less than" after an operand inside an expression, an IRI's start everywhere else."""
    state = state if state is not None else _State()
    position = 0
    while True:
        match = _TOKEN.match(text, position)
        kind = match.lastgroup
        if kind == "end":
            return
        start, value, position = match.start(kind), match.group(kind), match.end()
        if value in ("<", "<=", "<<", "<<("):
            comparing = bool(state.stack) and state.stack[-1].kind == "expr" \
                and _is_operand(state.previous)
            if comparing and kind == "open":
                kind, value, position = "op", "<", start + 1
            elif not comparing and kind == "op":
                iri = _IRI.match(text, start)
                if iri is not None:
                    kind, value, position = "iri", iri.group(), iri.end()
        yield Token(kind, value, start)


def _link(state: _State) -> None:
    if state.stack:
        state.stack[-1].links += 1
    else:
        state.links_outside += 1
    state.total += 1


def _open(state: _State, token: Token) -> None:
    kind = _paren_kind(state) if token.text == "(" else token.text
    if token.text == "{" and (_in_data(state) or (
            state.previous is not None and state.previous.text.upper() == "DATA")):
        kind = "data"
    if token.text == "{" and state.previous is not None and state.previous.text == "}":
        _link(state)  # sibling groups are joined
    if state.stack and state.stack[-1].kind == "list" or kind in ("[", "<<", "{|"):
        _link(state)  # an element of a collection; the triple patterns a term brings
    state.stack.append(_Frame(kind))
    state.total += 1
    if kind in _TERM_BRACKETS:
        state.terms += 1
    if token.text in ("(", "{"):
        state.clause = False


def _close(state: _State, token: Token) -> None:
    top = state.stack[-1].kind if state.stack else None
    if token.text == ")>>" and top != "<<(":
        _pop(state)  # a ")" then ">>"
        top = state.stack[-1].kind if state.stack else None
        if top != "<<":
            _link(state)
            return
    if token.text == ">>" and top != "<<":
        _link(state)  # two "greater than"
        return
    _pop(state)


def _in_data(state: _State) -> bool:
    """Whether the reader is inside an ``INSERT DATA`` / ``DELETE DATA`` block, whose triples
    the parser reads as a flat list (no planner joins them), so they are not chain links."""
    return bool(state.stack) and state.stack[-1].kind == "data"


def _pop(state: _State) -> None:
    if not state.stack:
        return
    frame = state.stack.pop()
    state.total -= 1 + frame.links
    if frame.kind in _TERM_BRACKETS:
        state.terms -= 1


def read(text: str, *, max_depth: int | None = None, max_term_depth: int | None = None,
         head: bool = False, collect: bool = False) -> Reading:
    """Read ``text`` once; stop early when the depth passes ``max_depth`` (or the term depth
    ``max_term_depth``). ``head``: stop where the query's WHERE clause opens (its form and
    dataset are known by then: a subquery declares no dataset). ``collect``: keep the tokens,
    each read in its context."""
    state = _State()
    groups = 0
    found = Reading()
    in_prologue, operations = True, 0
    prologue_pending = 0
    for token in tokens(text, state):
        kind, value = token.kind, token.text
        if kind == "comment":
            continue
        upper = value.upper() if kind in ("word", "pname") else ""
        operation_start = state.previous is not None and state.previous.text == ";"
        if in_prologue:
            if kind == "word" and upper in PROLOGUE:
                prologue_pending = 1 if upper == "BASE" else 2
            elif prologue_pending and kind in ("pname", "iri", "string"):
                prologue_pending -= 1
                if upper.startswith(PROLOGUE) and kind == "pname":
                    prologue_pending = 1
            elif kind == "pname" and upper.startswith(PROLOGUE):
                prologue_pending = 1
            else:
                in_prologue, operation_start = False, True
                operations += 1
                if operations == 1:
                    found.prologue_end = token.start
                    found.first_keyword = upper or None  # "LOAD:x" is LOAD to the parser
            if in_prologue and not operations:
                found.prologue_end = token.start + len(value)
        if kind == "word":
            if "SERVICE" in upper:
                found.service = True
            if "LOAD" in upper:
                found.load = True
            if upper.startswith("FROM"):
                found.dataset = True
            if upper in _EXPRESSION_CLAUSES:
                state.clause = True
            elif upper in _CLAUSE_ENDS:
                state.clause = False
            if upper in _LINKS:
                _link(state)
            elif state.stack and state.stack[-1].kind == "list":
                _link(state)
        elif kind == "pname":
            # the parser reads "SERVICE:x {" as SERVICE and the IRI ":x"; FROM likewise
            if upper.startswith("SERVICE"):
                found.service = True
            if upper.startswith("FROM") and not state.stack:
                found.dataset = True
            if upper.startswith("LOAD") and operation_start:  # "LOAD:x" is LOAD <:x>
                found.load = True
            if state.stack and state.stack[-1].kind == "list":
                _link(state)
        elif kind == "open":
            if head and not state.stack and value == "{":
                groups += 1
                after_where = state.previous is not None and state.previous.text.upper() == "WHERE"
                if after_where or groups > 1 or found.first_keyword != "CONSTRUCT":
                    return found
            _open(state, token)
        elif kind == "close":
            _close(state, token)
        elif kind == "op":
            top = state.stack[-1].kind if state.stack else None
            if (value == "," and top == "expr") or (value == ";" and top is None) or \
                    (value in ".;," and top == "data"):
                pass  # a call's arguments, an update's operations, data triples: flat lists
            elif value != "*" or _is_operand(state.previous):  # not SELECT * nor COUNT(*)
                _link(state)
            if value in (".", ";") and top in ("{", "data", None):
                state.clause = False
            if value == ";" and top is None:  # the next operation of an update, its prologue
                in_prologue, prologue_pending = True, 0
        elif kind in _OPERAND and state.stack and state.stack[-1].kind == "list":
            _link(state)
        state.previous = token
        if collect:
            found.tokens.append(token)
        found.depth = max(found.depth, state.total)
        found.term_depth = max(found.term_depth, state.terms)
        if (max_depth is not None and found.depth > max_depth) or \
                (max_term_depth is not None and found.term_depth > max_term_depth):
            found.stopped = True
            return found
    if in_prologue and not operations:
        found.prologue_end = len(text)
    return found


def has_escapes(text: str) -> bool:
    return _HAS_ESCAPE.search(text) is not None


def readings(text: str, *, max_depth: int | None = None,
             max_term_depth: int | None = None) -> list[Reading]:
    """The engine's reading of ``text`` and, when it holds codepoint escapes, the grammar's
    reading of the decoded text too; a check refuses what either reading asks for."""
    found = [read(text, max_depth=max_depth, max_term_depth=max_term_depth)]
    if has_escapes(text) and not found[0].stopped:
        found.append(read(decode_escapes(text), max_depth=max_depth,
                          max_term_depth=max_term_depth))
    return found
