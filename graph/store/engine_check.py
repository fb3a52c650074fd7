"""Is this store ready to answer Passerelle's questions? Checked when ``serve`` starts.

Two ways an engine can answer every search with nothing, and no error: its default graph is not
the union of the named graphs (an Oxigraph server started without ``--union-default-graph``), or
the derived closure that the searches read (``pas:broaderOrSelf`` in the inferred graph) is absent
or out of date, as after restoring a whole-graph dump with the engine's own loader. The findings
carry kinds; the command line words them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.store.base import Store

NOT_UNION = "default-graph-not-union"
NO_VOCABULARY = "no-vocabulary"
CLOSURE_MISSING = "closure-missing"
CLOSURE_STALE = "closure-stale"


@dataclass(frozen=True)
class Finding:
    kind: str
    count: int = 0


def _true(term) -> bool:
    return isinstance(term, ox.Literal) and term.value in ("true", "1")


def _number(term) -> int:
    return int(float(term.value)) if isinstance(term, ox.Literal) else 0


def union_default_graph(store: Store) -> Finding | None:
    row = next(iter(store.query(queries.text("engine-sees-named-graphs"))))
    if not _true(row["named"]):
        return Finding(NO_VOCABULARY)
    return None if _true(row["default"]) else Finding(NOT_UNION)


def closure(store: Store) -> Finding | None:
    row = next(iter(store.query(queries.text("closure-gaps"))))
    concepts, unreflexive = _number(row["concepts"]), _number(row["unreflexive"])
    gaps = unreflexive + _number(row["uncovered"]) + _number(row["untransitive"])
    if concepts and unreflexive == concepts:
        return Finding(CLOSURE_MISSING, concepts)
    return Finding(CLOSURE_STALE, gaps) if gaps else None


def check(store: Store) -> list[Finding]:
    """What stands between this store and correct answers; empty when it is ready. The closure
    is not judged on an engine whose default graph hides the named graphs."""
    found = union_default_graph(store)
    if found is not None:
        return [found]
    found = closure(store)
    return [found] if found is not None else []
