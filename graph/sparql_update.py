"""SPARQL Update, validated before anything is stored.

An update cannot run on the store itself: Oxigraph would commit it at once and readers could see
data that breaks the shapes before it is checked. Nor can the store be copied for each update (a
million triples take seconds to copy). So the update runs on a scratch in-memory store holding
only the graphs it can touch, and its effect comes back as the new content of the graphs it
changed, which ``writes.commit`` validates and stores in one transaction with the audit record.

Which graphs it can touch is read from the update's text: a small scanner (not a parser: Oxigraph
parses) finds every graph named after GRAPH, WITH, USING, and the graph operations (ADD, MOVE,
COPY, DROP, CLEAR, CREATE), with prefixes expanded. Those graphs, and the writable default graph,
are copied to the scratch store. When a graph is a variable (``GRAPH ?g``) any graph can be read
or written, so every graph but the audit record is copied: correct, and as slow as the store is
large. Named graphs keep the update exact: it reads and writes the same data it would on the
store. Refused before anything runs: LOAD and SERVICE (the server fetches nothing on a client's
behalf), DROP/CLEAR ALL or NAMED (they would wipe the vocabularies); after running, an update
that changed the derived graph or the audit graph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pyoxigraph as ox

from passerelle.graph import audit
from passerelle.graph.store import Store
from passerelle.graph.writes import (
    DEFAULT_GRAPH,
    READ_ONLY,
    WRITE_LOCK,
    BadRequest,
    Outcome,
    commit,
)

_TOKEN = re.compile(r"""
    (?P<space>\s+) | (?P<comment>\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\" | '''(?:[^'\\]|\\.|'(?!''))*'''
              | "(?:[^"\\\n\r]|\\.)*" | '(?:[^'\\\n\r]|\\.)*')
  | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<var>[?$]\w+)
  | (?P<blank>_:[\w.-]*)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w:%-]|\\.)*(?:\.(?:[\w:%-]|\\.)+)*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)

NAMING = frozenset({"GRAPH", "WITH", "USING", "NAMED", "ADD", "MOVE", "COPY", "TO", "SILENT"})
"""Keywords an IRI after which names a graph (``COPY SILENT <a> TO <b>``, ``USING NAMED <g>``)."""


@dataclass
class Plan:
    """What the scanner found: the graphs named, and whether a graph is a variable."""

    graphs: set[str] = field(default_factory=set)
    any_graph: bool = False


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup, m.group()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("space", "comment")]


def plan(text: str) -> Plan:
    """Scan the update for the graphs it names; refuse what is never allowed."""
    tokens = _tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    found = Plan()

    def iri_of(kind: str, value: str) -> str | None:
        if kind == "iri":
            return urljoin(base, value[1:-1]) if base else value[1:-1]
        if kind == "pname":
            prefix, _, local = value.partition(":")
            if prefix in prefixes:
                return prefixes[prefix] + local.replace("\\", "")
        return None

    for i, (kind, value) in enumerate(tokens):
        word = value.upper() if kind == "word" else ""
        after = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
        if word in ("LOAD", "SERVICE"):
            raise BadRequest(f"{word} is not allowed: the server fetches no data on a client's "
                             "behalf; send the data itself (INSERT DATA or the Graph Store "
                             "Protocol)")
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
            prefixes[after[1].rstrip(":")] = iri_of("iri", tokens[i + 2][1]) or ""
        elif word == "BASE" and after[0] == "iri":
            base = after[1][1:-1]
        elif word in ("DROP", "CLEAR"):
            target = tokens[i + 2] if after[1].upper() == "SILENT" and i + 2 < len(tokens) \
                else after
            if target[1].upper() in ("ALL", "NAMED"):
                raise BadRequest(f"{word} {target[1].upper()} is not allowed: it would remove "
                                 "the vocabularies too; name the graphs to drop")
        elif word == "GRAPH" and after[0] == "var":
            found.any_graph = True
        elif word in NAMING:
            graph = iri_of(*after)
            if graph is not None:
                found.graphs.add(graph)
    if DEFAULT_GRAPH in found.graphs:
        raise BadRequest(f"<{DEFAULT_GRAPH}> is the update's default graph: write to it "
                         "without naming it")
    return found


def _snapshot(store: Store, graphs: set[str]) -> dict[str, set[ox.Triple]]:
    return {g: {q.triple for q in store.quads(g)} for g in graphs}


def evaluate(store: Store, text: str) -> dict[str, list[ox.Triple]]:
    """The new content of every graph the update changes (empty: the graph is dropped)."""
    found = plan(text)
    if found.any_graph:
        graphs = (store.graphs() - {audit.AUDIT_GRAPH}) | found.graphs
    else:
        graphs = found.graphs
    graphs.discard(DEFAULT_GRAPH)
    before = _snapshot(store, graphs | {DEFAULT_GRAPH})
    scratch = ox.Store()
    scratch.extend(
        ox.Quad(t.subject, t.predicate, t.object,
                ox.DefaultGraph() if g == DEFAULT_GRAPH else ox.NamedNode(g))
        for g, triples in before.items() for t in triples
    )
    try:
        scratch.update(text)
    except SyntaxError as error:
        raise BadRequest(f"the update does not parse: {error}") from None
    except (OSError, ValueError, RuntimeError) as error:
        raise BadRequest(f"the update failed: {error}") from None
    after: dict[str, set[ox.Triple]] = {}
    for quad in scratch:
        g = DEFAULT_GRAPH if isinstance(quad.graph_name, ox.DefaultGraph) \
            else quad.graph_name.value
        after.setdefault(g, set()).add(quad.triple)
    changed = {g: sorted(after.get(g, set()), key=str)
               for g in set(before) | set(after)
               if after.get(g, set()) != before.get(g, set())}
    unplanned = sorted(g for g in changed if g not in before and store_has(store, g))
    if unplanned:
        raise BadRequest("the update writes to graphs it does not name: "
                         + ", ".join(f"<{g}>" for g in unplanned) + "; name them with GRAPH <iri>")
    locked = sorted(set(changed) & READ_ONLY)
    if locked:
        raise BadRequest("the update changes " + ", ".join(f"<{g}>" for g in locked)
                         + ", which Passerelle maintains itself (the derived closure, the audit "
                           "record)")
    return changed


def store_has(store: Store, graph: str) -> bool:
    return bool(store.query(f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}"))


def run(store: Store, text: str, *, author: str, base: str,
        may_change_vocabularies: bool = False) -> tuple[list[str], Outcome | None]:
    """Apply the update: validated, audited, one transaction. Returns the graphs changed."""
    started = audit.now()
    with WRITE_LOCK:
        changed = evaluate(store, text)
        if not changed:
            return [], None
        outcome = commit(store, changed, replace=True, author=author, kind="update", base=base,
                         started=started, what="the update",
                         may_change_vocabularies=may_change_vocabularies)
    return sorted(changed), outcome
