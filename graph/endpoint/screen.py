"""Checks on a client's SPARQL text made before any SPARQL parser sees it.

Oxigraph's parser and evaluator recurse once per level of nesting, so a deep enough text
overflows a thread's stack and aborts the whole process (a query engine behind ``--endpoint``,
or the server itself for an update); some nestings also take the parser time that grows with
the cube of their depth or faster. A ``SERVICE`` clause makes the engine fetch from any URL the
query names, ``LOAD`` does the same in an update. All are refused here, from the text alone, in
time linear in its length, by reading the text as ``graph.sparql_text`` does (escapes decoded,
tokens in context); each refusal carries a ``kind`` for the layers that render it.

The limits: ``max_depth`` (the ``query_max_depth`` setting) counts every bracket and every link
of a chain: Oxigraph's server (whose request threads have small stacks) dies on deep enough
nesting of function calls, braces, ``BIND`` clauses, collection members or chained operators, the
shallowest at a few hundred, so the default of 100 keeps a margin. ``MAX_TERM_DEPTH`` counts the
brackets that nest terms, whose parse time explodes long before the stack gives out.
"""

from __future__ import annotations

from passerelle.graph.rdf import sparql_text
from passerelle.graph.rdf.sparql_text import UPDATE_KEYWORDS

MAX_TERM_DEPTH = 16
"""Nesting of quoted triples, triple terms, blank-node property lists, annotations and
collections; real queries nest them two or three deep."""

__all__ = ["MAX_TERM_DEPTH", "UPDATE_KEYWORDS", "Refused", "declares_dataset", "screen",
           "screen_update"]


class Refused(ValueError):
    """A text turned away before parsing; ``str(error)`` says why, for the client, and
    ``kind`` says what was refused: update, service, load, depth or term-depth."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _check(readings: list[sparql_text.Reading], max_depth: int, what: str) -> None:
    if any(r.service for r in readings):
        raise Refused("service", "SERVICE is not allowed: this endpoint never fetches data "
                                 "from elsewhere")
    if any(r.depth > max_depth for r in readings):
        raise Refused("depth", f"the {what} nests brackets and chained operators more than "
                               f"{max_depth} deep; write it with less nesting")
    if any(r.term_depth > MAX_TERM_DEPTH for r in readings):
        raise Refused("term-depth", f"the {what} nests quoted triples, blank nodes or "
                                    f"collections more than {MAX_TERM_DEPTH} deep")


def screen(text: str, *, max_depth: int) -> None:
    """Raise ``Refused`` for an update, a ``SERVICE`` clause or nesting deeper than allowed."""
    readings = sparql_text.readings(text, max_depth=max_depth, max_term_depth=MAX_TERM_DEPTH)
    first = next((r.first_keyword for r in readings
                  if r.first_keyword and r.first_keyword.startswith(UPDATE_KEYWORDS)), None)
    if first is not None:
        keyword = next((k for k in UPDATE_KEYWORDS if first.startswith(k)), first)
        raise Refused("update", f"this is a SPARQL Update ({keyword}), not a query: updates go "
                                "to POST /sparql/update, with a token")
    _check(readings, max_depth, "query")


def screen_update(text: str, *, max_depth: int) -> None:
    """Raise ``Refused`` for ``LOAD``, a ``SERVICE`` clause or nesting deeper than allowed."""
    readings = sparql_text.readings(text, max_depth=max_depth, max_term_depth=MAX_TERM_DEPTH)
    if any(r.load for r in readings):
        raise Refused("load", "LOAD is not allowed: the server fetches no data on a client's "
                              "behalf; send the data itself (INSERT DATA or the Graph Store "
                              "Protocol)")
    if any(r.service for r in readings):
        raise Refused("service", "SERVICE is not allowed: the server fetches no data on a "
                                 "client's behalf; send the data itself (INSERT DATA or the "
                                 "Graph Store Protocol)")
    _check(readings, max_depth, "update")


def declares_dataset(text: str) -> bool:
    """Whether the query names its own dataset (``FROM`` or ``FROM NAMED``). Every query the
    embedded store runs asks this, so a text without the word is answered at once and the
    others are read only up to their WHERE clause."""
    if "from" not in text.lower() and not sparql_text.has_escapes(text):
        return False
    return any(sparql_text.read(t, head=True).dataset
               for t in {text, sparql_text.decode_escapes(text)})
