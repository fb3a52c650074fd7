"""SPARQL Update, validated before anything is stored.

An update cannot run on the store itself: Oxigraph would commit it at once and readers could see
data that breaks the shapes before it is checked. Nor can the store be copied for each update (a
copy grows with the whole store). So the update runs on a scratch in-memory store holding
only the graphs it can touch, in the isolated update worker (``sandbox.UpdateWorker``: no
network, a large stack, a time limit), and its effect comes back as the new content of the graphs
it changed, which ``commit`` validates and stores in one transaction with the audit record.

Which graphs it can touch is read from the update's tokens (``graph.sparql_text``, the reader
every SPARQL check shares): every graph named after GRAPH, WITH, USING, and the graph operations
(ADD, MOVE, COPY, DROP, CLEAR, CREATE), with prefixes expanded and escapes decoded. Those graphs,
and the writable default graph, are copied to the scratch store. When a graph is a variable
(``GRAPH ?g``) any graph can be read or written, so every graph but the audit record is copied:
correct, and as slow as the store is large. Named graphs keep the update exact: it reads and
writes the same data it would on the store. Refused before anything runs, by the same screen as
queries (``query_screen.screen_update``): LOAD and SERVICE (the server fetches nothing on a
client's behalf), nesting past the depth limit; then DROP/CLEAR ALL or NAMED (they would wipe
the vocabularies); after running, an update that changed the derived graph or the audit graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

import pyoxigraph as ox

from passerelle.graph.endpoint import sandbox
from passerelle.graph.endpoint.screen import Refused, screen_update
from passerelle.graph.rdf import sparql_text
from passerelle.graph.store.base import Store
from passerelle.graph.write import audit
from passerelle.graph.write.commit import (
    DEFAULT_GRAPH,
    READ_ONLY,
    WRITE_LOCK,
    Malformed,
    Outcome,
    commit,
)
from passerelle.graph.write.commit import plan as plan_write
from passerelle.graph.write.steps import graph_exists

NAMING = frozenset({"GRAPH", "WITH", "USING", "NAMED", "ADD", "MOVE", "COPY", "TO", "SILENT"})
"""Keywords an IRI after which names a graph (``COPY SILENT <a> TO <b>``, ``USING NAMED <g>``)."""
MAX_DEPTH = 100
"""The default nesting limit, the same as queries' (``query_max_depth``)."""
TIMEOUT_S = 60.0
"""How long the scratch evaluation of one update may take."""


@dataclass
class Plan:
    """What the scanner found: the graphs named, and whether a graph is a variable."""

    graphs: set[str] = field(default_factory=set)
    any_graph: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in sparql_text.read(text, collect=True).tokens]


def _wipes_all(tokens: list[tuple[str, str]], i: int, word: str) -> str | None:
    """``ALL`` or ``NAMED`` when the DROP or CLEAR at ``i`` targets them (keywords may be run
    together, as Oxigraph's parser allows: ``DROPSILENTALL``)."""
    rest = word[4 if word.startswith("DROP") else 5:]
    words = [rest] if rest else []
    words += [v.upper() for _, v in tokens[i + 1:i + 3]]
    target = "".join(w for w in words[:2] if w.isalpha())
    target = target[6:] if target.startswith("SILENT") else target
    return next((w for w in ("ALL", "NAMED") if target.startswith(w)), None)


def plan(text: str, *, max_depth: int = MAX_DEPTH) -> Plan:
    """Scan the update for the graphs it names; refuse what is never allowed."""
    try:
        screen_update(text, max_depth=max_depth)
    except Refused as error:
        raise Malformed(str(error)) from None
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    found = Plan()

    def iri_of(kind: str, value: str) -> str | None:
        if kind == "iri":
            iri = sparql_text.decode_escapes(value[1:-1])
            return urljoin(base, iri) if base else iri
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + local.replace("\\", "")
        return None

    for i, (kind, value) in enumerate(tokens):
        word = value.upper() if kind == "word" else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[after[1].rstrip(":")] = iri_of("iri", tokens[i + 2][1]) or ""
        elif word == "BASE" and after[0] == "iri":
            base = iri_of("iri", after[1]) or ""
        elif word.startswith(("DROP", "CLEAR")) and _wipes_all(tokens, i, word):
            operation = "DROP" if word.startswith("DROP") else "CLEAR"
            raise Malformed(f"{operation} {_wipes_all(tokens, i, word)} is not allowed: it would "
                             "remove the vocabularies too; name the graphs to drop")
        elif word == "GRAPH" and after[0] == "var":
            found.any_graph = True
        elif kind == "pname" and value.upper().startswith(tuple(NAMING)):
            found.any_graph = True  # "GRAPH:g" is GRAPH and ":g" to the parser
        elif word in NAMING:
            graph = iri_of(*after)
            if graph is not None:
                found.graphs.add(graph)
            elif after[0] == "var":
                found.any_graph = True
    if DEFAULT_GRAPH in found.graphs:
        raise Malformed(f"<{DEFAULT_GRAPH}> is the update's default graph: write to it "
                         "without naming it")
    return found


def _snapshot(store: Store, graphs: set[str]) -> dict[str, set[ox.Triple]]:
    return {g: {q.triple for q in store.quads(g)} for g in graphs}


def evaluate(store: Store, text: str, *, max_depth: int = MAX_DEPTH,
             timeout_s: float = TIMEOUT_S) -> dict[str, list[ox.Triple]]:
    """The new content of every graph the update changes (empty: the graph is dropped)."""
    return _evaluate(store, text, max_depth=max_depth, timeout_s=timeout_s)[0]


def _evaluate(store: Store, text: str, *, max_depth: int, timeout_s: float
              ) -> tuple[dict[str, list[ox.Triple]], dict[str, list[ox.Triple]]]:
    """The new content of the graphs the update changes, and the old content of those of them
    that the scratch store was given (read once, for the write's plan)."""
    found = plan(text, max_depth=max_depth)
    if found.any_graph:
        graphs = (store.graphs() - {audit.AUDIT_GRAPH}) | found.graphs
    else:
        graphs = found.graphs
    graphs.discard(DEFAULT_GRAPH)
    before = _snapshot(store, graphs | {DEFAULT_GRAPH})
    quads = ox.serialize(
        (ox.Quad(t.subject, t.predicate, t.object,
                 ox.DefaultGraph() if g == DEFAULT_GRAPH else ox.NamedNode(g))
         for g, triples in before.items() for t in triples),
        format=ox.RdfFormat.N_QUADS)
    try:
        result = sandbox.update_worker().run(quads, text, timeout_s)
    except sandbox.UpdateFailed as error:
        raise Malformed(str(error)) from None
    after: dict[str, set[ox.Triple]] = {}
    for quad in ox.parse(result, format=ox.RdfFormat.N_QUADS):
        g = DEFAULT_GRAPH if isinstance(quad.graph_name, ox.DefaultGraph) \
            else quad.graph_name.value
        after.setdefault(g, set()).add(quad.triple)
    changed = {g: sorted(after.get(g, set()), key=str)
               for g in set(before) | set(after)
               if after.get(g, set()) != before.get(g, set())}
    unplanned = sorted(g for g in changed if g not in before and graph_exists(store, g))
    if unplanned:
        raise Malformed("the update writes to graphs it does not name: "
                         + ", ".join(f"<{g}>" for g in unplanned) + "; name them with GRAPH <iri>")
    locked = sorted(set(changed) & READ_ONLY)
    if locked:
        raise Malformed("the update changes " + ", ".join(f"<{g}>" for g in locked)
                         + ", which Passerelle maintains itself (the derived closure, the audit "
                           "record)")
    return changed, {g: list(before[g]) for g in changed if g in before}


def run(store: Store, text: str, *, author: str, base: str, max_depth: int = MAX_DEPTH,
        timeout_s: float = TIMEOUT_S,
        may_change_vocabularies: bool = False) -> tuple[list[str], Outcome | None]:
    """Apply the update: validated, audited, one transaction. Returns the graphs changed."""
    started = audit.now()
    with WRITE_LOCK:
        changed, before = _evaluate(store, text, max_depth=max_depth, timeout_s=timeout_s)
        if not changed:
            return [], None
        planned = plan_write(store, changed, replace=True, before=before)
        outcome = commit(store, planned, author=author, kind="update", base=base,
                         started=started, what="the update",
                         may_change_vocabularies=may_change_vocabularies)
    return sorted(changed), outcome
