"""The search index: what the search filters on, derived from the graph, in compact structures.

Why: the search query joins thousands of candidate services in SPARQL and checks their types row
by row; at a million triples a search asked for the first time took tens of milliseconds and a
word search (a substring scan of every literal) most of a second. The answer depends on a few
facts per service (its types, areas, eligible statuses, openness, languages, words), so those are
kept here as sets of small integers per concept, with the concept closure applied once when a
service is added: a need, a region or a status is a union of a few sets, a search an intersection
of them. The words go to a full-text index (``words``). The graph stays the source of truth: the
index is rebuilt from it, and ``search.compute`` can answer through SPARQL alone (``explain``'s
query, the ``--no-index`` option, the tests that compare both).

Semantics, the same as ``search-services.rq`` (a test compares them on random writes): a need
finds the services with a type whose stored closure (``pas:broaderOrSelf``) reaches it; a region
those with an area whose closure reaches it, or an area in the region's own closure; a status
those open to all (``pas:openToAllStatuses`` the engine reads as true) and those restricted to a
status in the client status's closure, plus, with ``include_unknown``, those with no eligible
status at all; a language those delivered in it; values of one parameter are alternatives and
parameters all apply. Only IRIs typed ``pas:Service`` are services, and defunct ones never match
(``service-running.rq``); ``coverage`` counts from the same sets, and ``facet_counts`` from
the same sets as bits (``bitset``), the regions from the services grouped by their areas
(``_Regions``).

Kept in step: each index carries the store generation it reflects (``dumps.fingerprint``: the
embedded store's write counter, else the quad count and graphs). Every write through the write
path (API records, Graph Store, SPARQL Update, imports, validated loads) runs inside
``following``: on an embedded store the index re-reads the services the change names (or is built
again when the change touches a concept hierarchy or labels) before the write is done, and is
then at the new generation; meanwhile searches answer through SPARQL. A generation the index did
not follow (an unvalidated load, a direct store update, another process) makes the next search
build the index again. On a remote engine other processes write too, so the index is never
patched there: any move of the fingerprint makes the next search rebuild it (a full read of the
services' facts; see the README's scaling notes for what that costs).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import logging
import operator
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from weakref import WeakKeyDictionary

import pyoxigraph as ox

from passerelle.graph.export.dumps import fingerprint
from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import DCT, ID, PAS, SCHEMA, SKOS
from passerelle.graph.read import words
from passerelle.graph.read.labels import variant
from passerelle.graph.read.services import columns
from passerelle.graph.store.base import Store
from passerelle.graph.store.embedded import EmbeddedStore

log = logging.getLogger(__name__)

SERVICE_TYPE, SERVICE_AREA, ELIGIBLE = PAS + "serviceType", PAS + "serviceArea", \
    PAS + "eligibleStatus"
LANGUAGE, NAME, DESCRIPTION = DCT + "language", SCHEMA + "name", SCHEMA + "description"
SERVICE_STATUS, LAST_VERIFIED = PAS + "serviceStatus", PAS + "lastVerified"
LABELS = frozenset({SKOS + "prefLabel", SKOS + "altLabel"})
DEFUNCT = ID + "service-status/defunct"
"""A service with this status never matches (as ``service-running.rq`` says for SPARQL)."""
CHUNK = 500
"""Services read in one query when the index follows a write."""
ORDERS_KEPT = 4
"""Orders of the services by name kept, one per variant of the readers' languages (each about
10 MB at a million triples); the oldest is dropped first."""
WORDS_KEPT = 4
"""Word searches whose matches an index keeps (``_words``)."""
ITEMS_KEPT = 5000
"""Services whose rendered read model an index keeps (the least recently shown are forgotten
first): the pages caseworkers are shown, at a few kB each."""


@dataclass(frozen=True)
class Facts:
    """What the index keeps of one service: the IRIs it links to and its texts. The service
    statuses (active, temporarily closed, defunct) and the latest date it was verified (its
    lexical form) are kept for ranking; no filter of the search reads them."""

    types: frozenset[str]
    areas: frozenset[str]
    statuses: frozenset[str]
    languages: frozenset[str]
    open: bool
    stated: bool
    texts: tuple[tuple[str, str | None], ...]
    service_statuses: frozenset[str] = frozenset()
    last_verified: str | None = None
    names: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class Matched:
    """The numbers of a search's matches (``SearchIndex.matched``), and, read while the index
    is held, each service's number, IRI, facts and order key (``SearchIndex._in_order``: the
    key ``ranking.order_key`` gives, with the number last), and the services open to all and
    those restricted to some statuses."""

    found: set[int] | frozenset[int]
    numbers: dict[str, int]
    iris: list[str]
    facts: dict[int, Facts]
    keys: dict[int, tuple]
    open: set[int]
    restricted: set[int]

    def __contains__(self, iri: object) -> bool:
        number = self.numbers.get(iri)
        return number is not None and number in self.found

    def __iter__(self) -> Iterator[str]:
        iris = self.iris
        return (iris[n] for n in self.found)

    def __len__(self) -> int:
        return len(self.found)


def bitset(numbers: Iterable[int]) -> int:
    """``numbers`` as one int whose bit n is set for each n.

    Why: the facet counts meet a search's matches with a few dozen sets, each of up to every
    service; on sets of ints each meeting walks its elements in Python's hash table (about a
    millisecond for ten thousand), on ints it is a few microseconds of machine words, and
    ``int.bit_count`` counts the result without making a set."""
    numbers = numbers if isinstance(numbers, (set, frozenset, list, tuple)) else list(numbers)
    if not numbers:
        return 0
    # One digit a number, set without a loop in Python, read as a binary numeral.
    digits = bytearray(b"0") * (max(numbers) + 1)
    deque(map(digits.__setitem__, numbers, itertools.repeat(ord("1"))), maxlen=0)
    digits.reverse()
    return int(digits, 2)


_ONES = bytes.maketrans(b"01", b"\x00\x01")


def numbers_of(bits: int) -> list[int]:
    """The numbers whose bits are set in ``bits``, in ascending order (``bitset`` undone), from
    the binary numeral read backwards: a few found one by one (``str.find``), many at once
    with each digit a flag, which costs the same however many there are."""
    digits = bin(bits)[:1:-1]
    if 8 * bits.bit_count() < len(digits):
        found, find = [], digits.find
        n = find("1")
        while n >= 0:
            found.append(n)
            n = find("1", n + 1)
        return found
    flags = digits.encode().translate(_ONES)
    return list(itertools.compress(range(len(flags)), flags))


class _Hierarchy:
    """The concepts of the closure numbered, each one's closure as numbers, and, when every
    closure is a chain (each concept's closure is itself plus its parent's), the parents in an
    order where a parent comes before its children: what the region facet adds its tallies
    along. Made once for an index (its closure does not change while it lives)."""

    __slots__ = ("number", "iris", "closure", "parent", "order")

    def __init__(self, closure: dict[str, set[str]]):
        iris = sorted({c for above in closure.values() for c in above} | set(closure))
        self.iris = iris
        self.number = {iri: n for n, iri in enumerate(iris)}
        self.closure = [tuple(sorted(self.number[c] for c in closure.get(iri, ())))
                        for iri in iris]
        parent: list[int] | None = []
        for iri in iris:
            above = closure.get(iri)
            if not above or iri not in above:
                parent = None
                break
            strict = above - {iri}
            found = [p for p in strict if closure.get(p) == strict]
            if strict and not found:
                parent = None
                break
            parent.append(self.number[found[0]] if found else -1)
        self.parent = parent
        self.order = sorted(range(len(iris)), key=lambda n: len(self.closure[n])) \
            if parent is not None else None

    def totals(self, up: list[int], down: list[int]) -> list[int]:
        """For each concept, ``up`` summed over the concepts whose closure reaches it, plus
        ``down`` summed over the concepts in its closure other than itself."""
        size = len(self.iris)
        if self.parent is not None:  # along the tree: each sum is its neighbour's plus one
            parent, order = self.parent, self.order
            below = list(up)
            for n in reversed(order):
                p = parent[n]
                if p >= 0:
                    below[p] += below[n]
            above = [0] * size
            for n in order:
                p = parent[n]
                if p >= 0:
                    above[n] = above[p] + down[p]
            return [a + b for a, b in zip(below, above, strict=True)]
        out = [0] * size
        for n, closure in enumerate(self.closure):
            if up[n]:
                for c in closure:
                    out[c] += up[n]
            out[n] += sum(down[c] for c in closure if c != n)
        return out


class _Regions:
    """The services grouped by their areas, for counting the region facet in one pass.

    A region's count is how many of the matches have an area its closure reaches or an area
    in its own closure (``_places`` of the areas): for a region facet of two thousand
    concepts, meeting each region's set with the matches costs a pass per region. Services
    with the same areas count alike, so the matches are tallied by group, each group a run of
    consecutive service numbers (the index numbers services by their areas when it is built):
    one ``str.count`` of the matches' bits per run. Each group's tally is then added to its
    areas (``up``, summed over the regions each area's closure reaches) and to the areas not
    inside another of its areas (``down``, summed over the regions inside them), both along
    the hierarchy in one walk (``_Hierarchy.totals``); a group that reaches a region twice
    that way, or once too often, carries the difference (``shape``)."""

    __slots__ = ("ids", "keys", "of", "shapes", "runs")

    def __init__(self) -> None:
        self.ids: dict[frozenset[str], int] = {}
        self.keys: list[frozenset[str]] = []
        self.of: list[int] = []
        """Each service number's group (a number no longer a service keeps its last group;
        the matches never hold it)."""
        self.shapes: dict[int, tuple] = {}
        self.runs: tuple | None = None

    def add(self, number: int, key: frozenset[str]) -> None:
        group = self.ids.get(key)
        if group is None:
            group = self.ids[key] = len(self.keys)
            self.keys.append(key)
        if number == len(self.of):
            self.of.append(group)
        elif self.of[number] != group:
            self.of[number] = group
        else:
            return
        self.runs = None

    def shape(self, group: int, index: SearchIndex, hierarchy: _Hierarchy) -> tuple:
        """What one service of ``group`` adds: (its area, when that is all: the same number
        up and down), its areas' numbers (up), those of its areas inside none of its others
        (down), and (concept number, difference) for the regions that this counts wrongly."""
        found = self.shapes.get(group)
        if found is not None:
            return found
        areas = self.keys[group]
        closure, number = index._closure, hierarchy.number
        roots = [a for a in areas
                 if not any(b != a and b in closure.get(a, ()) for b in areas)]
        if len(areas) == 1:  # off by one only where two concepts are in each other's closure
            (area,) = areas
            above = closure.get(area, ())
            fixes = [(number[c], -1) for c in above if c != area and area in closure.get(c, ())]
        else:
            fixes = []
            for c in index._places(areas):
                within = closure.get(c, ())
                times = sum(c in closure.get(a, ()) for a in areas) + \
                    sum(m != c and m in within for m in roots)
                if times != 1:
                    fixes.append((number[c], 1 - times))
        up = tuple(number[a] for a in areas if a in number)
        down = tuple(number[a] for a in roots if a in number)
        simple = up[0] if len(up) == 1 and up == down and not fixes else None
        found = self.shapes[group] = (simple, up, down, tuple(fixes))
        return found

    def _runs(self, index: SearchIndex, hierarchy: _Hierarchy) -> tuple:
        """The runs of consecutive numbers in one group, split into those of one area (start,
        end and area number) and the others (start, end and shape)."""
        if self.runs is None:
            of = self.of
            cuts = [0, *itertools.compress(range(1, len(of)), map(operator.ne, of[1:], of)),
                    len(of)] if of else []
            simple: tuple[list, list, list] = ([], [], [])
            other: tuple[list, list, list] = ([], [], [])
            for start, end in itertools.pairwise(cuts):
                shape = self.shape(of[start], index, hierarchy)
                if shape[0] is not None:
                    simple[0].append(start), simple[1].append(end), simple[2].append(shape[0])
                elif shape[1] or shape[2] or shape[3]:
                    other[0].append(start), other[1].append(end), other[2].append(shape)
            self.runs = (simple, other, len(set(simple[2])) == len(simple[2]))
        return self.runs

    def counts(self, found: int, index: SearchIndex, hierarchy: _Hierarchy) -> list[int]:
        """How many services of ``found`` (bits by service number) each concept of
        ``hierarchy`` counts as its region."""
        simple, other, one_run_each = self._runs(index, hierarchy)
        bits = bin(found)[:1:-1]  # bit n at position n
        up = [0] * len(hierarchy.iris)
        fixed = list(up)
        tallies = list(map(bits.count, itertools.repeat("1"), simple[0], simple[1]))
        if one_run_each:  # each area once: its tally set in place, without a loop in Python
            deque(map(up.__setitem__, simple[2], tallies), maxlen=0)
        else:
            for tally, area in zip(tallies, simple[2], strict=True):
                up[area] += tally
        down = list(up)
        tallies = list(map(bits.count, itertools.repeat("1"), other[0], other[1]))
        for tally, (_, ups, downs, fixes) in zip(itertools.compress(tallies, tallies),
                                                 itertools.compress(other[2], tallies),
                                                 strict=True):
            for n in ups:
                up[n] += tally
            for n in downs:
                down[n] += tally
            for n, times in fixes:
                fixed[n] += tally * times
        return [a + b for a, b in zip(hierarchy.totals(up, down), fixed, strict=True)]


def _union(sets: Iterable[set[int]]) -> set[int]:
    found: set[int] = set()
    for one in sets:
        found |= one
    return found


class SearchIndex:
    """The facts of every service of one store generation, and sets of services by concept."""

    def __init__(self, generation: object):
        self.generation = generation
        self._lock = threading.RLock()
        self._closure: dict[str, set[str]] = {}
        self._labels: dict[str, list[tuple[str, str | None]]] = {}
        self._numbers: dict[str, int] = {}
        self._iris: list[str] = []
        self._facts: dict[int, Facts] = {}
        self._services: set[int] = set()
        self._need: dict[str, set[int]] = {}
        self._type: dict[str, set[int]] = {}
        self._inside: dict[str, set[int]] = {}
        self._area: dict[str, set[int]] = {}
        self._status: dict[str, set[int]] = {}
        self._language: dict[str, set[int]] = {}
        self._open: set[int] = set()
        self._stated: set[int] = set()
        self._restricted: set[int] = set()
        self._defunct: set[int] = set()
        self._tables = {"need": self._need, "type": self._type, "inside": self._inside,
                        "area": self._area, "status": self._status, "language": self._language}
        self._flags = {"services": self._services, "open": self._open, "stated": self._stated,
                       "restricted": self._restricted, "defunct": self._defunct}
        self._bitsets: dict[tuple[str, str | None], int] = {}
        """Sets of ``_tables`` and ``_flags`` as bits (``bitset``), made when first asked
        and changed with the sets."""
        self._derived: dict[tuple, int] = {}
        """Unions of those bits (a status with the statuses it reaches, a region with its
        areas), made when first asked and forgotten when services change."""
        self._live_numbers: frozenset[int] | None = None
        """The numbers of every service but the defunct ones, what a search with no filter
        matches, made when first asked and forgotten when services change."""
        self._regions = _Regions()
        self._matched: dict[str, list] = {}
        self._hierarchy: _Hierarchy | None = None
        self._below: dict[str, set[str]] | None = None
        self._sorted: dict[tuple[str, ...], tuple[dict[int, tuple], list[tuple]]] = {}
        self._name_languages: set[str] = set()
        self._key_of: Callable[[str, Facts, str], tuple] | None = None
        self._order: tuple[list[int], dict[int, int]] | None = None
        self._type_words: dict[frozenset[str], dict[str, str]] = {}
        self.words = words.WordIndex()
        self._items: OrderedDict[str, tuple[frozenset[str], dict[tuple, dict]]] = \
            OrderedDict()
        self._reads: dict[str, set] = {}
        self._readers: dict[object, set[str]] = {}
        self._epoch = 0

    # --- building and following ----------------------------------------------------------

    @classmethod
    def build(cls, store: Store, generation: object) -> SearchIndex:
        """Read the closure, the labels and every service's facts from ``store``."""
        index = cls(generation)
        for row in store.query(queries.text("search-index-closure")):
            index._closure.setdefault(row[0].value, set()).add(row[1].value)
        for row in store.query(queries.text("search-index-labels")):
            label = row[1]
            if isinstance(label, ox.Literal):
                index._labels.setdefault(row[0].value, []).append((label.value, label.language))
        found = index._read(store, None)
        with index._lock:
            # Services of the same areas get consecutive numbers: runs the region facet counts
            # at once (``_Regions``).
            for iri, facts in sorted(found.items(), key=lambda item: (sorted(item[1].areas),
                                                                       item[0])):
                index._add(iri, facts)
            index.words.put((index._numbers[iri], index._document(facts))
                            for iri, facts in found.items())
        return index

    def _read(self, store: Store, services: list[str] | None) -> dict[str, Facts]:
        """The facts of ``services`` that are services (of every service when None)."""
        if services is None:
            return self._facts_of(store.query(queries.text("search-index-facts")))
        found: dict[str, Facts] = {}
        for start in range(0, len(services), CHUNK):
            chunk = [ox.NamedNode(s) for s in services[start:start + CHUNK]]
            found.update(self._facts_of(store.query(
                values(queries.text("search-index-facts"), {"service": chunk}))))
        return found

    @staticmethod
    def _facts_of(solutions) -> dict[str, Facts]:
        raw: dict[str, dict] = {}
        for service, p, o, open_ in map(columns(solutions, "service", "p", "o", "open"),
                                        solutions):
            entry = raw.get(service.value)
            if entry is None:
                entry = raw[service.value] = {SERVICE_TYPE: set(), SERVICE_AREA: set(),
                                              ELIGIBLE: set(), LANGUAGE: set(),
                                              SERVICE_STATUS: set(), "texts": [],
                                              "open": False, "stated": False, "verified": [],
                                              "names": []}
            if p is None:
                continue
            predicate = p.value
            if predicate in (NAME, DESCRIPTION):
                if isinstance(o, ox.Literal):
                    entry["texts"].append((o.value, o.language))
                    if predicate == NAME:
                        entry["names"].append((o.value, o.language))
                continue
            if predicate == LAST_VERIFIED:
                if isinstance(o, ox.Literal):
                    entry["verified"].append(o.value)
                continue
            if predicate == ELIGIBLE:
                entry["stated"] = True
            if predicate in entry:
                if isinstance(o, ox.NamedNode):
                    entry[predicate].add(o.value)
            elif open_ is not None and open_.value in ("true", "1"):  # Virtuoso answers 1
                entry["open"] = True
        return {iri: Facts(frozenset(e[SERVICE_TYPE]), frozenset(e[SERVICE_AREA]),
                           frozenset(e[ELIGIBLE]), frozenset(e[LANGUAGE]), e["open"],
                           e["stated"], tuple(sorted(set(e["texts"]), key=repr)),
                           frozenset(e[SERVICE_STATUS]), max(e["verified"], default=None),
                           tuple(sorted(set(e["names"]), key=repr)))
                for iri, e in raw.items()}

    def _document(self, facts: Facts) -> dict[str, str]:
        """The service's words: its texts and the labels of its types and their broader types
        (made once for each set of types, which many services share)."""
        labels = self._type_words.get(facts.types)
        if labels is None:
            concepts = sorted({c for t in facts.types for c in self._closure.get(t, ())})
            labels = self._type_words[facts.types] = words.tokens(
                [label for c in concepts for label in self._labels.get(c, ())])
        return words.joined(words.tokens(facts.texts), labels)

    def _postings(self, facts: Facts) -> Iterator[tuple[str, str]]:
        """Each set of services (a ``_tables`` name and key) the facts put a service in."""
        closure = self._closure
        for need in {c for t in facts.types for c in closure.get(t, ())}:
            yield "need", need
        for region in {c for a in facts.areas for c in closure.get(a, ())}:
            yield "inside", region
        for area in facts.areas:
            yield "area", area
        for type_ in facts.types:
            yield "type", type_
        for status in facts.statuses:
            yield "status", status
        for language in facts.languages:
            yield "language", language

    @staticmethod
    def _flagged(facts: Facts) -> Iterator[str]:
        """The ``_flags`` the facts put a service in."""
        yield "services"
        if facts.open:
            yield "open"
        if facts.stated:
            yield "stated"
        if facts.statuses:
            yield "restricted"
        if DEFUNCT in facts.service_statuses:
            yield "defunct"

    def _patch(self, number: int, facts: Facts, present: bool) -> None:
        """The bits of the sets the service is added to (``present``) or removed from."""
        self._derived.clear()
        self._live_numbers = None
        bitsets = self._bitsets
        if not bitsets:
            return
        bit = 1 << number
        for key in (*self._postings(facts), *((flag, None) for flag in self._flagged(facts))):
            bits = bitsets.get(key)
            if bits is not None:
                bitsets[key] = bits | bit if present else bits & ~bit

    def _bits(self, name: str, key: str | None = None) -> int:
        """The bits of a set of ``_tables`` (``key`` given) or of ``_flags``."""
        bits = self._bitsets.get((name, key))
        if bits is None:
            found = self._flags[name] if key is None else self._tables[name].get(key, ())
            bits = self._bitsets[name, key] = bitset(found)
        return bits

    def _add(self, iri: str, facts: Facts) -> int:
        number = self._numbers.get(iri)
        if number is None:
            number = self._numbers[iri] = len(self._iris)
            self._iris.append(iri)
        elif number in self._facts:
            self._remove(iri)
        self._facts[number] = facts
        self._regions.add(number, facts.areas)
        for name, key in self._postings(facts):
            self._tables[name].setdefault(key, set()).add(number)
        for flag in self._flagged(facts):
            self._flags[flag].add(number)
        self._patch(number, facts, True)
        self._order = None
        languages = {language or "" for _, language in facts.names}
        if not languages <= self._name_languages:
            self._name_languages |= languages
            self._sorted = {}  # which languages tell tags apart has changed
        for languages, (keys, ordered) in self._sorted.items():
            keys[number] = key = self._key(number, languages[0])
            bisect.insort(ordered, key)
        return number

    def _remove(self, iri: str) -> int | None:
        number = self._numbers.get(iri)
        facts = self._facts.pop(number, None) if number is not None else None
        if facts is None:
            return None
        for name, key in self._postings(facts):
            table = self._tables[name]
            table[key].discard(number)
            if not table[key]:
                del table[key]
        for flag in self._flagged(facts):
            self._flags[flag].discard(number)
        self._patch(number, facts, False)
        self._order = None
        for keys, ordered in self._sorted.values():
            key = keys.pop(number)
            del ordered[bisect.bisect_left(ordered, key)]
        return number

    def followed(self, store: Store, added: list[ox.Triple], removed: list[ox.Triple],
                 hierarchy: bool, generation: object) -> SearchIndex:
        """This index brought to ``generation`` after a write that added and removed these
        triples: the services they name read again, or a new index when the write changed a
        concept hierarchy (``hierarchy``) or a concept's labels, which many services share."""
        changed = [*added, *removed]
        if hierarchy or any(t.predicate.value in LABELS and t.subject.value in self._closure
                            for t in changed):
            return SearchIndex.build(store, generation)
        subjects = sorted({t.subject.value for t in changed
                           if isinstance(t.subject, ox.NamedNode)})
        found = self._read(store, subjects)
        with self._lock:
            self._epoch += 1
            for term in {t.subject for t in changed}:
                for iri in list(self._readers.get(term, ())):
                    self._forget(iri)
            gone = [n for iri in subjects if (n := self._remove(iri)) is not None]
            documents = [(self._add(iri, facts), facts) for iri, facts in found.items()]
            self.words.drop(n for n in gone if n not in self._services)
            self.words.put((n, self._document(facts)) for n, facts in documents)
            self._matched.clear()
            self.generation = generation
        return self

    # --- answering -----------------------------------------------------------------------

    def match(self, *, need: Iterable[str] = (), status: Iterable[str] = (),
              region: Iterable[str] = (), language: Iterable[str] = (),
              open_to_all: bool = False, include_unknown: bool = False,
              q: str | None = None) -> list[str]:
        """The IRIs of the services that match, sorted. Each argument is a list of concept IRIs
        (alternatives); an empty one does not filter."""
        with self._lock:
            found = self._found(need, status, region, language, open_to_all, include_unknown, q)
            ordered, rank = self._ranks()
            iris = self._iris
            if 8 * len(found) > len(ordered):  # a large share: one pass in order beats a sort
                return [iris[n] for n in ordered if n in found]
            return [iris[n] for n in sorted(found, key=rank.__getitem__)]

    def _found(self, need, status, region, language, open_to_all, include_unknown,
               q) -> set[int] | frozenset[int]:
        """The numbers of the services that match (``match``'s arguments)."""
        need, status, region, language = (list(x) for x in (need, status, region, language))
        chosen: list[set[int]] = []
        if need:
            chosen.append(_union(self._need.get(n, set()) for n in need))
        if region:
            chosen.append(self._in_regions(region))
        if language:
            chosen.append(_union(self._language.get(x, set()) for x in language))
        if status:
            eligible = self._open | self._eligible(status)
            if include_unknown:
                eligible |= self._services - self._stated
            chosen.append(eligible)
        if open_to_all:
            chosen.append(self._open)
        if q is not None:
            chosen.append(self._words(q)[0])
        chosen.sort(key=len)
        if not chosen:
            if self._live_numbers is None:
                self._live_numbers = frozenset(self._services - self._defunct)
            return self._live_numbers
        found = chosen[0].intersection(*chosen[1:], self._services)
        found -= self._defunct
        return found

    def _found_bits(self, need: list[str], status: list[str], region: list[str],
                    language: list[str], open_to_all: bool, include_unknown: bool,
                    q: str | None) -> int:
        """``_found`` as bits: the parameters' unions kept (``_chosen``), met in machine
        words rather than through sets of thousands of numbers."""
        found = self._live()
        for facet, concepts in (("need", need), ("region", region), ("language", language),
                                ("status", status)):
            if concepts:
                found &= self._chosen(facet, concepts, include_unknown)
        if open_to_all:
            found &= self._bits("open")
        if q is not None:
            found &= self._words(q, bits=True)[1]
        return found

    def facet_counts(self, facets: dict[str, Iterable[str]], *, need: Iterable[str] = (),
                     status: Iterable[str] = (), region: Iterable[str] = (),
                     language: Iterable[str] = (), open_to_all: bool = False,
                     include_unknown: bool = False, q: str | None = None,
                     within: Iterable[str] | None = None) -> dict[str, dict[str, int]]:
        """For each facet (need, status, region or language) and each of its concepts, how many
        services ``match`` finds (``match``'s arguments) with that parameter set to that concept
        alone; ``within``, when given, the services a search from a point keeps (those close
        enough, ``ranking.within``), which every count is taken among.

        Each parameter's matches are made once as bits (``bitset``), the matches of the
        others met for each facet, and a facet's counts are the sizes of those matches met with
        each concept's bits (need, status, language: a few dozen concepts) or, for the
        regions, tallied by group in one pass (``_Regions``)."""
        given = {"need": list(need), "status": list(status), "region": list(region),
                 "language": list(language)}
        with self._lock:
            common = self._live()
            if open_to_all:
                common &= self._bits("open")
            if q is not None:
                common &= self._words(q, bits=True)[1]
            if within is not None:
                numbers = self._numbers
                common &= bitset([n for iri in within if (n := numbers.get(iri)) is not None])
            chosen = {facet: self._chosen(facet, concepts, include_unknown)
                      for facet, concepts in given.items() if concepts}
            out: dict[str, dict[str, int]] = {}
            for facet, concepts in facets.items():
                base = common
                for other, bits in chosen.items():
                    if other != facet:
                        base &= bits
                out[facet] = self._counted(facet, concepts, base, include_unknown)
            return out

    def _words(self, q: str, bits: bool = False) -> list:
        """What the words of ``q`` match, as a set of numbers (without ``bits``) or as bits,
        each made when first asked, kept for the latest few ``q`` until the words change: a
        page and its facet counts ask the same words one after the other. A page asks for bits
        alone, made from the matches as the full-text index lists them, with no set between."""
        found = self._matched.get(q)
        if found is None:
            found = self._matched[q] = [None, None]
            while len(self._matched) > WORDS_KEPT:
                del self._matched[next(iter(self._matched))]
        if bits:
            if found[1] is None:
                found[1] = bitset(self.words.numbers(q) if found[0] is None else found[0])
        elif found[0] is None:
            found[0] = self.words.match(q) if found[1] is None else set(numbers_of(found[1]))
        return found

    def _live(self) -> int:
        """The bits of the services that can match: every service but the defunct ones."""
        found = self._derived.get(("live",))
        if found is None:
            found = self._derived["live",] = self._bits("services") & ~self._bits("defunct")
        return found

    def _union_bits(self, key: tuple, parts: Iterable[tuple[str, str]]) -> int:
        """The union of the bits of ``parts`` (``_bits`` arguments), kept as ``key`` until
        services change."""
        found = self._derived.get(key)
        if found is None:
            found = 0
            for name, part in parts:
                found |= self._bits(name, part)
            self._derived[key] = found
        return found

    def _eligible_bits(self, status: str) -> int:
        """The bits of ``_eligible([status])``."""
        return self._union_bits(("eligible", status),
                                (("status", m) for m in self._closure.get(status, ())))

    def _chosen(self, facet: str, concepts: list[str], include_unknown: bool) -> int:
        """The bits of the services that one parameter's values select (as ``_found``)."""
        found = 0
        if facet == "status":
            found = self._bits("open")
            if include_unknown:
                found |= self._bits("services") & ~self._bits("stated")
            for concept in concepts:
                found |= self._eligible_bits(concept)
        elif facet == "region":
            for concept in concepts:
                found |= self._union_bits(("region", concept), (
                    ("inside", concept),
                    *(("area", a) for a in self._closure.get(concept, ()))))
        else:
            for concept in concepts:
                found |= self._bits(facet, concept)
        return found

    def _counted(self, facet: str, concepts: Iterable[str], base: int,
                 include_unknown: bool) -> dict[str, int]:
        """Facet counts of ``concepts`` given ``base``, the bits of the matches of the other
        parameters.

        A status finds the services open to all, those restricted to it or a broader status,
        and with ``include_unknown`` those stating none; a region those with an area its
        closure reaches or an area in its own closure; a need those with a type whose closure
        reaches it; a language those delivered in it."""
        if facet == "region":
            if self._hierarchy is None:
                self._hierarchy = _Hierarchy(self._closure)
            hierarchy = self._hierarchy
            live = self._live()
            if 2 * base.bit_count() > live.bit_count():  # fewer left out than found: count those
                every = self._derived.get(("regions",))
                if every is None:
                    every = self._derived["regions",] = self._regions.counts(live, self,
                                                                             hierarchy)
                left = self._regions.counts(live & ~base, self, hierarchy)
                counted = [a - b for a, b in zip(every, left, strict=True)]
            else:
                counted = self._regions.counts(base, self, hierarchy)
            number = hierarchy.number
            return {c: counted[number[c]] if c in number else 0 for c in concepts}
        if facet == "status":
            rest = base & ~self._bits("open")
            always = base.bit_count() - rest.bit_count()
            if include_unknown:
                always += (rest & ~self._bits("stated")).bit_count()
            out = {}
            for c in concepts:
                eligible = self._eligible_bits(c)
                out[c] = always + (rest & eligible).bit_count() if eligible else always
            return out
        table = self._tables[facet]
        return {c: (base & self._bits(facet, c)).bit_count() if c in table else 0
                for c in concepts}

    def _broader(self, concepts: frozenset[str]) -> set[str]:
        """The concepts the closures of ``concepts`` reach."""
        closure = self._closure
        return {c for one in concepts for c in closure.get(one, ())}

    def _narrower(self, concepts: frozenset[str]) -> set[str]:
        """The concepts whose closure reaches one of ``concepts``."""
        if self._below is None:
            below: dict[str, set[str]] = {}
            for concept, above in self._closure.items():
                for one in above:
                    below.setdefault(one, set()).add(concept)
            self._below = below
        return {c for one in concepts for c in self._below.get(one, ())}

    def _places(self, areas: frozenset[str]) -> set[str]:
        """The regions a service of ``areas`` is found in: those an area's closure reaches,
        and those whose closure reaches an area (other than the area itself)."""
        return self._broader(areas) | {c for a in areas for c in self._narrower({a}) if c != a}

    def page(self, *, need: Iterable[str] = (), status: Iterable[str] = (),
             region: Iterable[str] = (), language: Iterable[str] = (),
             open_to_all: bool = False, include_unknown: bool = False, q: str | None = None,
             eligible: list[str] | None, wider: list[str], same_need: list[str],
             key: Callable[[str, Facts, str], tuple], lang: str, start: int, stop: int
             ) -> tuple[int, list[str]]:
        """How many services match (``match``'s arguments) and the IRIs of those at positions
        ``start`` to ``stop`` in the search's order, without ordering the others.

        The order (``ranking``) sorts first by three classes the sets here answer: eligibility
        (confirmed for the client's ``eligible`` statuses and their broader ones; or, with no
        status asked, open, restricted, not stated), place (an area inside the region searched,
        then an area of ``wider``, nearest first, then the rest) and need (a type of
        ``same_need``, then narrower ones); within a class, by ``key`` (what does not depend on
        the search: verification date, name in ``lang``, IRI), kept in order per language and
        patched as services change. Only the classes that reach into the page are split and
        sorted, so a page costs about the same whether a hundred or a hundred thousand services
        match."""
        need, status, region, language = (list(x) for x in (need, status, region, language))
        with self._lock:
            found = self._found_bits(need, status, region, language, open_to_all,
                                     include_unknown, q)
            classes: list[list[int]] = []
            if eligible is not None:
                classes.append([self._chosen("status", eligible, False)])
            else:
                classes.append([self._bits("open"), self._bits("restricted")])
            if region:
                classes.append([self._chosen("inside", region, False),
                                *(self._bits("area", a) for a in wider)])
            if same_need:
                classes.append([self._chosen("type", same_need, False)])
            keys, ordered = self._in_order(lang, key)
            page: list[int] = []
            position = 0

            def walk(group: int, depth: int) -> None:
                nonlocal position
                size = group.bit_count()
                if not size or position >= stop:
                    return
                if position + size <= start:
                    position += size
                    return
                if depth == len(classes):
                    wanted = stop - position
                    if size <= wanted:
                        first = sorted(numbers_of(group), key=keys.__getitem__)
                    elif size * size > wanted * len(ordered):
                        flags = bin(group)[:1:-1]
                        width = len(flags)
                        first = [k[-1] for k in itertools.islice(
                            (k for k in ordered if k[-1] < width and flags[k[-1]] == "1"),
                            wanted)]
                    else:
                        first = heapq.nsmallest(wanted, numbers_of(group),
                                                key=keys.__getitem__)
                    page.extend(first[max(0, start - position):])
                    position += size
                    return
                rest = group
                for part in classes[depth]:
                    inside = rest & part
                    if inside:
                        rest &= ~inside
                        walk(inside, depth + 1)
                walk(rest, depth + 1)

            walk(found, 0)
            return found.bit_count(), [self._iris[n] for n in page]

    def _in_order(self, lang: str, key: Callable[[str, Facts, str], tuple]
                  ) -> tuple[dict[int, tuple], list[tuple]]:
        """Each service's ``key`` in ``lang`` (with its number last), and the keys sorted: kept
        per variant of the names' languages (``labels.variant``), the first tag asked for it
        standing for the others."""
        languages = (lang, *variant(lang, self._name_languages))
        found = next((kept for tags, kept in self._sorted.items()
                      if tags[1:] == languages[1:]), None)
        if found is None:
            self._key_of = key
            if len(self._sorted) >= ORDERS_KEPT:
                del self._sorted[next(iter(self._sorted))]
            keys = {n: self._key(n, lang) for n in self._services}
            found = self._sorted[languages] = (keys, sorted(keys.values()))
        return found

    def _key(self, number: int, lang: str) -> tuple:
        return (*self._key_of(self._iris[number], self._facts[number], lang), number)

    def _in_regions(self, regions: list[str]) -> set[int]:
        """The services of any of ``regions``: an area whose closure reaches it, or an area in
        its own closure."""
        return _union([*(self._inside.get(r, set()) for r in regions),
                       *(self._area.get(a, set()) for r in regions
                         for a in self._closure.get(r, ()))])

    def _eligible(self, statuses: list[str]) -> set[int]:
        """The services restricted to any of ``statuses`` or to a broader status."""
        return _union(self._status.get(m, set()) for s in statuses
                      for m in self._closure.get(s, ()))

    def coverage(self, region: str, needs: Iterable[str], statuses: Iterable[str]
                 ) -> dict[tuple[str, str], tuple[int, int, int]]:
        """For each need and status, how many services of ``region`` meet the need and are open
        to all, restricted to the status (or a broader one), or state no eligibility: the
        three rules of ``service-eligibility.rq``, from the same sets ``match`` combines, so
        that open to all plus restricted is ``match``'s answer for that need, status and
        region, and the third what ``include_unknown`` adds."""
        needs, statuses = list(needs), list(statuses)
        with self._lock:
            here = self._in_regions([region]) - self._defunct
            everyone = here & self._open
            unstated = here - self._stated - self._open
            restricted = {s: self._eligible([s]) & here - self._open for s in statuses}
            found = {}
            for need in needs:
                serving = self._need.get(need, set())
                counts = (len(everyone & serving), len(unstated & serving))
                for status in statuses:
                    found[need, status] = (counts[0], len(restricted[status] & serving),
                                           counts[1])
            return found

    def _ranks(self) -> tuple[list[int], dict[int, int]]:
        """The services in IRI order, and each one's position in it, kept until services
        change."""
        if self._order is None:
            ordered = sorted(self._services, key=self._iris.__getitem__)
            self._order = (ordered, {n: rank for rank, n in enumerate(ordered)})
        return self._order

    def facts(self, iris: Iterable[str]) -> dict[str, Facts]:
        """What the index keeps of each of these services (those it does not know left out):
        what a ranking of the matches reads without asking the store."""
        with self._lock:
            return {iri: self._facts[n] for iri in iris
                    if (n := self._numbers.get(iri)) is not None and n in self._facts}

    @contextmanager
    def matched(self, *, need: Iterable[str] = (), status: Iterable[str] = (),
                region: Iterable[str] = (), language: Iterable[str] = (),
                open_to_all: bool = False, include_unknown: bool = False,
                q: str | None = None, key: Callable[[str, Facts, str], tuple], lang: str
                ) -> Iterator[Matched]:
        """The services that match (``match``'s arguments), unlisted, with what orders them,
        for as long as the ``with`` block holds the index still.

        Why: a search from a point measures only the matches within reach of the point
        (``ranking.near_page``), a few thousand of a hundred thousand; listing every match's
        IRI in order first cost more than measuring and ordering the ones in reach."""
        with self._lock:
            found = self._found(need, status, region, language, open_to_all, include_unknown, q)
            yield Matched(found, self._numbers, self._iris, self._facts,
                          self._in_order(lang, key)[0], self._open, self._restricted)

    # --- the read models of the services shown -----------------------------------------------

    def kept_items(self, iris: Iterable[str], lang: str) -> tuple[dict[str, dict], int]:
        """The rendered read models kept of these services in ``lang`` (the others left out),
        and the count of writes followed so far, which ``keep_items`` is given back.

        Why: describing and rendering a page of services costs far more than finding them (a
        query for their statements, one for the names of what they link to, then a few hundred
        label choices). A service's read model changes only with a statement about the service,
        one of its blank nodes or one of the things it names, and every write this index
        follows forgets the services that read any subject the write touched; a write it does
        not follow makes a new index, which keeps nothing. Kept items are shared: callers copy
        them before changing them."""
        with self._lock:
            found = {}
            for iri in iris:
                kept = self._items.get(iri)
                if kept is not None:
                    item = kept[1].get(variant(lang, kept[0]))
                    if item is not None:
                        self._items.move_to_end(iri)
                        found[iri] = item
            return found, self._epoch

    def keep_items(self, epoch: int, lang: str, items: dict[str, dict],
                   reads: dict[str, set], languages: frozenset[str]) -> None:
        """Keep these read models, each with the subjects it was read from (``reads``), unless
        a write was followed since ``kept_items`` gave ``epoch``: what was read may predate it.
        ``languages``: every language tag of the texts they were rendered from; an item is kept
        for the variant of ``lang`` among them (``labels.variant``), the same item for every
        tag that picks the same texts."""
        with self._lock:
            if epoch != self._epoch:
                return
            for iri, item in items.items():
                kept = self._items.get(iri)
                if kept is None or kept[0] != languages:
                    kept = self._items[iri] = (languages, {})
                kept[1][variant(lang, languages)] = item
                self._items.move_to_end(iri)
                for term in reads[iri]:
                    self._readers.setdefault(term, set()).add(iri)
                self._reads.setdefault(iri, set()).update(reads[iri])
            while len(self._items) > ITEMS_KEPT:
                self._forget(next(iter(self._items)))

    def _forget(self, iri: str) -> None:
        self._items.pop(iri, None)
        for term in self._reads.pop(iri, ()):
            readers = self._readers.get(term)
            if readers is not None:
                readers.discard(iri)
                if not readers:
                    del self._readers[term]

    def services(self) -> list[str]:
        """The IRIs of the services a search can find (defunct ones left out)."""
        with self._lock:
            return [self._iris[n] for n in self._services - self._defunct]

    def words_match(self, q: str) -> list[str]:
        """The IRIs of the services whose words match ``q``, sorted."""
        with self._lock:
            return sorted(self._iris[n] for n in self._words(q)[0] & self._services)


# --- one index a store, kept current ---------------------------------------------------------

class _Holder:
    """A store's index, whether a build or a write is under way, and whether searches use the
    index for their filters (``configure``)."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.state: SearchIndex | None = None
        self.building = False
        self.writing = 0
        self.enabled = True


_holders: WeakKeyDictionary[Store, _Holder] = WeakKeyDictionary()
_holders_lock = threading.Lock()


def _holder(store: Store) -> _Holder:
    with _holders_lock:
        return _holders.setdefault(store, _Holder())


def configure(store: Store, *, enabled: bool) -> None:
    """Whether searches on ``store`` filter with the index (True, the default) or through
    SPARQL alone. Word search uses the full-text index either way."""
    _holder(store).enabled = enabled


def enabled(store: Store) -> bool:
    return _holder(store).enabled


def current(store: Store, *, wait: bool = False) -> SearchIndex | None:
    """The index at the store's present generation, built now when there is none.

    While a write is being followed or another thread builds the index, returns None (the
    caller answers through SPARQL), or with ``wait`` waits for it.
    """
    holder = _holder(store)
    with holder.changed:
        while True:
            token = fingerprint(store)
            state = holder.state
            if state is not None and state.generation == token:
                return state
            if not (holder.building or holder.writing):
                break
            if not wait:
                return None
            holder.changed.wait()
        holder.building = True
    built = None
    try:
        built = SearchIndex.build(store, token)
        return built
    finally:
        with holder.changed:
            holder.building = False
            if built is not None:
                holder.state = built
            holder.changed.notify_all()


@contextmanager
def following(store: Store, added: list[ox.Triple], removed: list[ox.Triple],
              hierarchy: bool) -> Iterator[None]:
    """Around a write of the write path: the index follows it before the write is done.

    Only an embedded store's index is patched: its generation counts this process's writes
    exactly. Elsewhere, and when following fails, the index is left at its old generation and
    the next search builds it again.
    """
    with _holders_lock:
        holder = _holders.get(store)
    if holder is None:
        yield
        return
    before = fingerprint(store)
    with holder.changed:
        holder.writing += 1
    try:
        yield
        state = holder.state
        if isinstance(store, EmbeddedStore) and state is not None \
                and state.generation == before:
            try:
                holder.state = state.followed(store, added, removed, hierarchy,
                                              fingerprint(store))
            except Exception:  # the write is stored; the next search builds the index again
                log.exception("the search index could not follow a write")
    finally:
        with holder.changed:
            holder.writing -= 1
            holder.changed.notify_all()
