"""The naive property-path query: the search as anyone would first write it in SPARQL.

Why: the search's own SPARQL starts from precomputed closures and intersects subqueries, and the
search index skips SPARQL for matching altogether; this baseline (``queries/naive-search.rq``)
walks ``skos:broader*`` from the bound concepts in one group of patterns, and reads words as
substrings of every name, description and need label. Its rows are counted on the same engine
(the embedded store), and the same text goes to rdflib. Proximity and facet counts have no naive
form (SPARQL 1.1 has no trigonometry; counts are one query per value), so only the faceted and
word searches get one.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from bench.workload import Search
from passerelle.graph.rdf.bind import prebound, values
from passerelle.graph.read.search import bind
from passerelle.graph.store.base import Store

QUERY = Path(__file__).with_name("queries") / "naive-search.rq"
KINDS = ("faceted", "words")
"""The kinds of search the naive query can ask."""
FILTERS = ("need", "status", "region", "language")


def query(store: Store, item: Search) -> str | None:
    """The naive SPARQL of ``item`` (its codes resolved on ``store``; one value a parameter, as
    the mix asks), or None for a kind it cannot ask."""
    if item.kind not in KINDS:
        return None
    params = item.params()
    bound = bind(store, params, [])
    terms = {name: bound.bindings[name][0] for name in FILTERS if bound.bindings.get(name)}
    enabled = set(terms)
    if params.open_to_all:
        enabled.add("open_to_all")
    if params.q:
        terms["words"] = ox.Literal(params.q)
        enabled.add("text")
    return prebound(values(QUERY.read_text(encoding="utf-8"), {}, frozenset(enabled)), terms)


def queries(store: Store, mix: list[Search]) -> dict[Search, str]:
    """The naive SPARQL of each search of ``mix`` that has one."""
    found = {item: query(store, item) for item in mix}
    return {item: text for item, text in found.items() if text is not None}


def rows(store: Store, sparql: str) -> int:
    return sum(1 for _ in store.query(sparql))
