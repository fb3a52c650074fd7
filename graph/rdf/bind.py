"""Binding values into SPARQL without letting them change the query.

User values never become query text directly: they become RDF terms (an IRI checked against the
vocabularies, or a literal), serialised by Oxigraph's N-Triples escaping, and are placed only in
``VALUES`` blocks that the ``.rq`` files reserve with a ``# values: ?var`` marker line. No term
can close the block, start a comment or add a clause.

Updates that carry data mark it the same way: a ``# data`` line becomes ``GRAPH <g> { ... }``
blocks of triples serialised by Oxigraph, and a ``# for each ?g: ...`` line is written once for
each IRI given for ``?g`` (the operations a SPARQL Update cannot take from ``VALUES``, such as
dropping a graph).

A ``.rq`` file may also mark optional parts with ``#if name`` / ``#endif`` lines; the code (never a
user value) chooses which parts a question needs, so the query's shape comes from the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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


def prebound(sparql: str, bindings: dict[str, Term]) -> str:
    """Replace each ``$name`` with its term, as SHACL-SPARQL pre-binds a shape's parameters.

    For questions built from the shapes files (``validation.compiled``), whose parameters are
    IRIs and literals the shapes state: each is written by Oxigraph's N-Triples serialiser, so
    no term can end a pattern or add a clause, and an unbound ``$name`` is refused.
    """
    def term(match: re.Match) -> str:
        name = match.group(1)
        if name not in bindings:
            raise KeyError(f"${name} is not bound")
        return str(_checked(bindings[name]))

    return re.sub(r"\$(\w+)", term, sparql)


def _checked(term: Term) -> Term:
    if not isinstance(term, ox.NamedNode | ox.Literal):
        raise TypeError(f"only IRIs and literals can be bound, not {type(term).__name__}")
    return term


def data(sparql: str, graphs: Iterable[tuple[str, list[ox.Triple]]],
         each: dict[str, list[ox.NamedNode]] | None = None) -> str:
    """Replace the ``# data`` line with one ``GRAPH <g> { triples }`` block a graph that has
    triples (the part between ``#if data`` and ``#endif`` stays only if there are any), and
    each ``# for each ?var: operation`` line with the operation once for each IRI bound to
    ``var`` in ``each`` (none when unbound), the IRI in the variable's place. A separator left
    last, when no operation follows, is dropped: some engines refuse it.

    Graph names and IRIs are checked IRIs and triples are written by Oxigraph's N-Triples
    serialiser, so no value can end a block or add an operation.
    """
    blocks = "\n".join(
        f"GRAPH {ox.NamedNode(g)} {{ {_n_triples(triples)} }}" for g, triples in graphs if triples)
    lines = []
    for line in values(sparql, {}, frozenset({"data"} if blocks else ())).splitlines():
        stripped = line.strip()
        if stripped == "# data":
            lines.append(blocks)
        elif stripped.startswith("# for each ?"):
            var, _, operation = stripped.removeprefix("# for each ?").partition(":")
            pattern = re.compile(rf"\?{re.escape(var)}\b")
            lines.extend(pattern.sub(lambda _, iri=iri: str(iri), operation.strip())
                         for iri in map(_iri, (each or {}).get(var, ())))
        else:
            lines.append(line)
    return "\n".join(lines).rstrip().removesuffix(";")


def _iri(term: ox.NamedNode) -> ox.NamedNode:
    if not isinstance(term, ox.NamedNode):
        raise TypeError(f"only IRIs can name an operation's target, not {type(term).__name__}")
    return term


def _n_triples(triples: list[ox.Triple]) -> str:
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode()
