"""Binding values into SPARQL without letting them change the query.

User values never become query text directly: they become RDF terms (an IRI checked against the
vocabularies, or a literal), serialised by Oxigraph's N-Triples escaping, and are placed only in
``VALUES`` blocks that the ``.rq`` files reserve with a ``# values: ?var`` marker line. No term
can close the block, start a comment or add a clause.

A ``.rq`` file may also mark optional parts with ``#if name`` / ``#endif`` lines; the code (never a
user value) chooses which parts a question needs, so the query's shape comes from the file.
"""

from __future__ import annotations

import pyoxigraph as ox

Term = ox.NamedNode | ox.Literal


def values(sparql: str, bindings: dict[str, list[Term]], enabled: frozenset[str] = frozenset()
           ) -> str:
    """Replace each ``# values: ?var`` line with ``VALUES ?var { terms }``.

    A marker with no binding given is removed, leaving the variable unconstrained; a marker bound
    to an empty list gives ``VALUES ?var { }``, which matches nothing. Parts between ``#if name``
    and ``#endif`` stay only when ``name`` is in ``enabled``.
    """
    lines: list[str] = []
    skipping: list[bool] = []
    for line in sparql.splitlines():
        stripped = line.strip()
        if stripped.startswith("#if "):
            skipping.append(stripped.removeprefix("#if ").strip() not in enabled)
            continue
        if stripped == "#endif":
            skipping.pop()
            continue
        if any(skipping):
            continue
        if stripped.startswith("# values: ?"):
            var = stripped.removeprefix("# values: ?").strip()
            if var in bindings:
                terms = " ".join(str(_checked(t)) for t in bindings[var])
                lines.append(f"VALUES ?{var} {{ {terms} }}")
            continue
        lines.append(line)
    return "\n".join(lines)


def _checked(term: Term) -> Term:
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise TypeError(f"only IRIs and literals can be bound, not {type(term).__name__}")
    return term
