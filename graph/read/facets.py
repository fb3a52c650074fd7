"""How many services each value of a filter would find, and which changes rescue an empty search.

Both are asked of the search itself (``search.search``), never recounted by a second rule set: a
facet's count is the total of the same search with that one parameter set to that value, and a
suggestion's total is the total of the changed search, so a caseworker who follows either finds
exactly that many services. Totals are asked with an empty page (``limit=0``), which costs the
match and the ranking's filters but describes no service; the count of the value the search
already asks for is the search's own total, when the caller passes its answer, not asked again.

Suggestions carry a rule code and the values they change; ``api/`` words them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from passerelle.graph.read import concepts, ranking, search_index
from passerelle.graph.read.codes import SCHEMES
from passerelle.graph.read.search import SearchParams, SearchResult, bind, search
from passerelle.graph.store.base import Store

FACETS = ("need", "status", "region", "language")
"""The parameters that get counts, in the order the API lists them."""
WIDER_DISTANCES = (2, 4)
"""A search within a distance that found nothing is tried at these multiples of it."""


def counting(params: SearchParams) -> SearchParams:
    """The search that counts what ``params`` finds: the same filters, an empty page."""
    return replace(params, limit=0, offset=0, explain=False)


def total(store: Store, params: SearchParams) -> int:
    """How many services ``params`` finds (its page is not described)."""
    return search(store, counting(params)).total


def facets(store: Store, params: SearchParams, result: SearchResult | None = None
           ) -> dict[str, list[dict]]:
    """For each of ``FACETS``, every concept of its scheme as ``code``, ``label`` (in
    ``params.lang``) and ``count``: the total of ``params`` with that parameter set to it.
    ``result``, the answer to ``params`` when the caller has it, gives the count of a value
    ``params`` already asks for alone."""
    out: dict[str, list[dict]] = {}
    own = counting(params) if result is not None else None
    trees = {name: ranking.tree(store, name) for name in FACETS}
    counted = _indexed(store, params, trees)
    for name in FACETS:
        listed = _listed(trees[name], params.lang)
        if counted is not None:
            count = counted[name].__getitem__
            out[name] = [{"code": code, "label": label, "count": count(iri)}
                         for iri, code, label in listed]
            continue
        rows = []
        for _, code, label in listed:
            changed = counting(replace(params, **{name: (code,)}))
            count = result.total if changed == own else search(store, changed).total
            rows.append({"code": code, "label": label, "count": count})
        out[name] = rows
    return out


_LISTED_KEPT = 32
"""Lists of a scheme's concepts in one language kept (``_listed``)."""
_listed_kept: OrderedDict[tuple[int, str], tuple[dict, list[tuple[str, str, str]]]] = \
    OrderedDict()
_listed_lock = threading.Lock()


def _listed(tree: dict[str, concepts.Concept], lang: str) -> list[tuple[str, str, str]]:
    """The concepts of ``tree`` as IRI, code and label in ``lang``, in the order the facet
    lists them (by label, then code). Kept while the tree is (``ranking.tree`` reads a scheme
    again after a write): choosing labels for two thousand regions costs more than counting."""
    key = (id(tree), lang)
    with _listed_lock:
        kept = _listed_kept.get(key)
        if kept is not None and kept[0] is tree:
            _listed_kept.move_to_end(key)
            return kept[1]
    listed = sorted(((c.iri, c.notation or c.iri, concepts.label(c, lang))
                     for c in tree.values()), key=lambda r: (r[2].casefold(), r[1]))
    with _listed_lock:
        _listed_kept[key] = (tree, listed)  # the tree held, so its id is not reused meanwhile
        while len(_listed_kept) > _LISTED_KEPT:
            _listed_kept.popitem(last=False)
    return listed


def _indexed(store: Store, params: SearchParams, trees: dict[str, dict]
             ) -> dict[str, dict[str, int]] | None:
    """For each facet and each concept of its tree, what the concept's search finds, counted
    from the search index (``SearchIndex.facet_counts``: the same sets ``match`` combines);
    None where the counts are asked of the search (the index off or following a write).

    A search from a point within a distance keeps only the services close enough, whatever
    else it asks: those are measured once (``ranking.within``, the ranking's own distances)
    and every count is taken among them."""
    if not search_index.enabled(store):
        return None
    index = search_index.current(store, wait=bool(params.q))
    if index is None:
        return None
    bound = bind(store, params, [])
    resolved = {name: [t.value for t in bound.bindings.get(name, ())] for name in FACETS}
    within = ranking.within(store, params.near, params.within_km, index.services()) \
        if params.near and params.within_km is not None else None
    return index.facet_counts({name: list(trees[name]) for name in FACETS}, **resolved,
                              open_to_all=params.open_to_all,
                              include_unknown=params.include_unknown, q=params.q or None,
                              within=within)


@dataclass(frozen=True)
class Step:
    """One change: ``rule`` says what kind (``broader``, ``drop``, ``include-unknown``,
    ``wider-distance``), ``parameter``/``previous`` what it changes, ``change`` the parameters
    it sets (to a new value, or None to drop them)."""

    rule: str
    parameter: str
    previous: object
    change: dict


@dataclass(frozen=True)
class Suggestion:
    """A change to a search, made of one step or (when no single step finds anything) two, and
    the total the changed search finds."""

    change: dict
    total: int
    steps: tuple[Step, ...]


def suggestions(store: Store, params: SearchParams) -> list[Suggestion]:
    """Changes to ``params`` that find something, each with its real total (never 0): a broader
    need or a wider place (the nearest that finds something), services whose eligibility is not
    stated, a wider distance, then dropping one parameter at a time; when no single change
    finds anything, pairs of them."""
    steps = _steps(store, params)
    found = _try(store, params, [(step,) for step in steps])
    if not found:
        found = _try(store, params, [(a, b) for i, a in enumerate(steps) for b in steps[i + 1:]
                                     if not set(a.change) & set(b.change)])
    return found


def _steps(store: Store, params: SearchParams) -> list[Step]:
    """Every single change worth trying, in the order they are offered."""
    candidates: list[tuple[dict, str, str, object]] = []
    for name in ("need", "region"):
        codes = getattr(params, name)
        if len(codes) != 1:
            continue
        tree = concepts.concepts(store, SCHEMES[name])
        concept = concepts.find(tree, codes[0])
        for ancestor in _ancestors(tree, concept) if concept else []:
            candidates.append(({name: ancestor.notation or ancestor.iri}, "broader", name,
                               codes[0]))
    if params.status and not params.include_unknown:
        candidates.append(({"include_unknown": True}, "include-unknown", "include_unknown",
                           None))
    if params.near and params.within_km:
        for factor in WIDER_DISTANCES:
            candidates.append(({"within_km": params.within_km * factor}, "wider-distance",
                               "within_km", params.within_km))
    for name in FACETS:
        if getattr(params, name):
            candidates.append(({name: None}, "drop", name, ", ".join(getattr(params, name))))
    if params.q:
        candidates.append(({"q": None}, "drop", "q", params.q))
    if params.open_to_all:
        candidates.append(({"open_to_all": None}, "drop", "open_to_all", None))
    if params.near:
        candidates.append(({"near": None, "within_km": None}, "drop", "near", params.near))

    return [Step(rule, parameter, previous, change)
            for change, rule, parameter, previous in candidates]


def _try(store: Store, params: SearchParams, combinations) -> list[Suggestion]:
    """The combinations of steps that find something, with their totals; of the wider values
    of one parameter, only the nearest that finds something."""
    found: list[Suggestion] = []
    seen: set[SearchParams] = set()
    broadened: set[tuple] = set()
    for steps in combinations:
        key = tuple((s.parameter, s.rule) if s.rule in ("broader", "wider-distance")
                    else (s.parameter, s.rule, str(s.change)) for s in steps)
        if key in broadened:
            continue  # a nearer wider value already finds something
        change = {k: v for step in steps for k, v in step.change.items()}
        changed = _changed(params, change)
        if changed in seen:
            continue
        seen.add(changed)
        n = total(store, changed)
        if n > 0:
            found.append(Suggestion(change, n, tuple(steps)))
            broadened.add(key)
    return found


def _ancestors(tree: dict[str, concepts.Concept], concept: concepts.Concept):
    """The concepts above ``concept``, nearest first (breadth first, by IRI within a level)."""
    out, frontier, seen = [], [concept], {concept.iri}
    while frontier:
        following = []
        for current in frontier:
            for parent in sorted(current.broader - seen):
                seen.add(parent)
                out.append(tree[parent])
                following.append(tree[parent])
        frontier = following
    return out


def _changed(params: SearchParams, change: dict) -> SearchParams:
    """``params`` with ``change`` applied: a code for a list parameter, None to drop it."""
    fields = {}
    for name, value in change.items():
        if name in FACETS:
            fields[name] = () if value is None else (value,)
        elif name in ("open_to_all", "include_unknown"):
            fields[name] = bool(value)
        else:
            fields[name] = value
    return replace(params, offset=0, **fields)
