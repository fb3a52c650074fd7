"""Shapes of data a write may not take, because they cost far more than they say.

- A concept hierarchy: the store keeps its closure (``pas:broaderOrSelf``, see
  ``Store.refresh_inferences``), one triple for each concept and each of its broader concepts.
  A chain of N concepts, a few bytes each, has a closure of N²/2 triples: 1,500 concepts in
  90 KB would be over a million. So a write is refused, before anything is stored, when a
  concept would have more broader concepts than ``PASSERELLE_HIERARCHY_MAX_DEPTH`` or the closure
  would pass ``PASSERELLE_HIERARCHY_MAX_CLOSURE`` triples. Only the concepts whose ancestry the
  write changes (those it names and everything below them) are computed.
- Nested blank nodes: the validator follows them recursively, so a few thousand levels hold a
  write for minutes. The depth is measured over the parsed triples, in one pass, before
  validation, against ``PASSERELLE_WRITE_MAX_BLANK_DEPTH`` (an RDF list counts one level for
  each member: the ontology's longest, an ``owl:unionOf`` of four classes, is five deep).
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from passerelle.errors import PasserelleError
from passerelle.graph.rdf.namespaces import RDF_TYPE, SKOS

BROADER = SKOS + "broader"
CONCEPT = SKOS + "Concept"
IN_SCHEME = SKOS + "inScheme"


class LimitExceeded(PasserelleError):
    """The write is refused: its data passes a limit; nothing was stored."""


def configured() -> tuple[int, int, int]:
    """The hierarchy depth, closure size and blank-node depth limits of the settings."""
    from passerelle.settings import get_settings

    settings = get_settings()
    return (settings.hierarchy_max_depth, settings.hierarchy_max_closure,
            settings.write_max_blank_depth)


class Hierarchy:
    """Concepts and their ``skos:broader`` links, as read from the store and then changed."""

    def __init__(self, concepts: Iterable[str], edges: Iterable[tuple[str, str]]):
        self.concepts = set(concepts)
        self.parents: dict[str, set[str]] = {}
        self.children: dict[str, set[str]] = {}
        for child, parent in edges:
            self.link(child, parent)

    def link(self, child: str, parent: str) -> None:
        self.parents.setdefault(child, set()).add(parent)
        self.children.setdefault(parent, set()).add(child)

    def unlink(self, child: str, parent: str) -> None:
        self.parents.get(child, set()).discard(parent)
        self.children.get(parent, set()).discard(child)

    def apply(self, added: Iterable[ox.Triple], removed: Iterable[ox.Triple]) -> set[str]:
        """Change the links as a write would; the concepts it names (whose ancestry changes).

        A concept losing its type may keep it from another graph, so concepts are only added:
        the closure of a concept that is no longer one is harmless, and the next full rebuild
        drops it.
        """
        named = set()
        for triple in removed:
            if _is_link(triple):
                self.unlink(triple.subject.value, triple.object.value)
                named.add(triple.subject.value)
        for triple in added:
            if _is_link(triple):
                self.link(triple.subject.value, triple.object.value)
                named.add(triple.subject.value)
            elif _is_concept(triple):
                self.concepts.add(triple.subject.value)
                named.add(triple.subject.value)
        return named

    def below(self, concepts: Iterable[str]) -> set[str]:
        """The concepts and everything narrower than them."""
        seen, todo = set(concepts), list(concepts)
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def ancestry(self, concept: str, limit: int | None = None) -> set[str]:
        """The concept and everything broader than it; stops once past ``limit`` ancestors."""
        seen, todo = {concept}, [concept]
        while todo:
            for parent in self.parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
                    if limit is not None and len(seen) > limit + 1:
                        return seen
        return seen


def named(triples: Iterable[ox.Triple]) -> set[str]:
    """The concepts whose ancestry these added or removed triples change (the predicate read
    first: a bulk load passes millions of triples, few of them about concepts)."""
    kept = {BROADER, IN_SCHEME, RDF_TYPE}
    return {t.subject.value for t in triples
            if t.predicate.value in kept and (_is_link(t) or _is_concept(t))}


def _is_link(triple: ox.Triple) -> bool:
    return (triple.predicate.value == BROADER and isinstance(triple.subject, ox.NamedNode)
            and isinstance(triple.object, ox.NamedNode))


def _is_concept(triple: ox.Triple) -> bool:
    return isinstance(triple.subject, ox.NamedNode) and (
        triple.predicate.value == IN_SCHEME
        or (triple.predicate.value == RDF_TYPE and triple.object.value == CONCEPT))


def closure_of(hierarchy: Hierarchy, concepts: Iterable[str], *, max_depth: int,
               max_size: int, kept: int = 0) -> dict[str, set[str]]:
    """Each concept's ancestry (itself included); ``LimitExceeded`` when one has more than
    ``max_depth`` broader concepts or the closure, with ``kept`` triples of other concepts,
    would pass ``max_size`` triples."""
    out: dict[str, set[str]] = {}
    size = kept
    for concept in sorted(concepts):
        if concept not in hierarchy.concepts:
            continue
        ancestry = hierarchy.ancestry(concept, max_depth)
        if len(ancestry) > max_depth + 1:
            raise LimitExceeded(
                f"<{concept}> would have more than {max_depth} broader concepts "
                f"(PASSERELLE_HIERARCHY_MAX_DEPTH): a concept hierarchy this deep is refused; "
                "nothing was stored")
        size += len(ancestry)
        if size > max_size:
            raise LimitExceeded(
                f"the concept hierarchy would need more than {max_size} closure triples "
                "(PASSERELLE_HIERARCHY_MAX_CLOSURE); nothing was stored")
        out[concept] = ancestry
    return out


def check_blank_depth(graphs: dict[str, list[ox.Triple]], max_depth: int) -> None:
    """Refuse blank nodes nested more than ``max_depth`` deep (``[ :p [ :p [ ... ] ] ]``)."""
    holder: dict[ox.BlankNode, object] = {}
    for triples in graphs.values():
        for t in triples:
            if isinstance(t.object, ox.BlankNode):
                holder.setdefault(t.object, t.subject)
    depth: dict[object, int] = {}
    for start in holder:
        path, on_path, node = [], set(), start
        while isinstance(node, ox.BlankNode) and node not in depth and node not in on_path:
            path.append(node)
            on_path.add(node)
            node = holder.get(node)
        level = depth.get(node, 0)
        for node in reversed(path):
            level += 1
            depth[node] = level
            if level > max_depth:
                raise LimitExceeded(
                    f"blank nodes are nested more than {max_depth} deep "
                    "(PASSERELLE_WRITE_MAX_BLANK_DEPTH); give deep structures IRIs; nothing "
                    "was stored")
