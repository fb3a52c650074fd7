"""Services and organisations as records a data steward creates, replaces and deletes.

Each record lives in its own named graph (``pgraph:service/{slug}``), so replacing it replaces
that graph and deleting it drops it. A record first loaded from a file sits in that file's graph
(the seed's ``pgraph:vaucluse``); the first PUT or DELETE moves it: its statements (and the blank
nodes they hold) leave the old graph in the same transaction that writes its own graph, so there
is never a second, stale description. Dangling links are the validation gate's business: deleting
an organisation a service names as provider re-checks that service, which then breaks the
"provider is an organisation" rule, and the delete is refused with that report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import pyoxigraph as ox

from passerelle.graph.rdf.namespaces import DCT, GRAPH, PROV, RDF_TYPE
from passerelle.graph.store.base import Store
from passerelle.graph.write import audit, mapping, steps
from passerelle.graph.write.commit import (
    READ_ONLY,
    WRITE_LOCK,
    Conflict,
    Malformed,
    Missing,
    Outcome,
    commit,
    content,
    plan,
)
from passerelle.graph.write.mapping import slugify

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
ID_LENGTH = 80
"""The longest id made from a record's name: room for the ``-2`` a namesake adds."""


@dataclass(frozen=True)
class Kind:
    name: str
    build: Callable[..., list[ox.Triple]]

    @property
    def namespace(self) -> str:
        return self.name + "/"


SERVICES = Kind("service", mapping.service)
ORGANISATIONS = Kind("organisation", mapping.organisation)


@dataclass
class Written:
    iri: str
    graph: str
    outcome: Outcome
    created: bool


def iri_for(kind: Kind, ident: str, base: str) -> str:
    """The record's IRI from a path id: a slug, or an IRI in the kind's namespace."""
    prefix = base + kind.namespace
    if SLUG.fullmatch(ident):
        return prefix + ident
    if ident.startswith(prefix) and SLUG.fullmatch(ident[len(prefix):]):
        return ident
    raise Missing(f"no {kind.name} {ident[:200]!r}: ids are slugs (letters, digits, '.', '_', "
                  f"'-') or IRIs starting with {prefix}")


def graph_for(kind: Kind, iri: str, base: str) -> str:
    return GRAPH + kind.namespace + iri[len(base + kind.namespace):]


def described_in(store: Store, iri: str) -> set[str]:
    """The graphs holding statements about ``iri`` (derived and audit graphs aside)."""
    return steps.describing(store, [iri]).get(iri, set()) - READ_ONLY


def without(triples: list[ox.Triple], iri: str) -> list[ox.Triple]:
    """``triples`` less the statements about ``iri`` and the blank nodes they hold."""
    by_subject: dict[object, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    gone, todo = set(), [ox.NamedNode(iri)]
    while todo:
        node = todo.pop()
        gone.add(node)
        todo += [t.object for t in by_subject.get(node, ())
                 if isinstance(t.object, ox.BlankNode) and t.object not in gone]
    return [t for t in triples if t.subject not in gone]


def _provenance(graph: str, base: str, author: str, moment: datetime) -> list[ox.Triple]:
    node = ox.NamedNode(graph)
    return [ox.Triple(node, ox.NamedNode(RDF_TYPE), ox.NamedNode(PROV + "Entity")),
            ox.Triple(node, ox.NamedNode(DCT + "modified"), audit.timestamp(moment)),
            ox.Triple(node, ox.NamedNode(PROV + "wasAttributedTo"),
                      audit.agent_iri(base, author))]


def _store(store: Store, kind: Kind, iri: str, body: object | None, *, described: set[str],
           base: str, author: str, change: str, started: datetime) -> Written:
    """Write (or with no body, delete) one record, moving it out of the other graphs that
    ``described`` (read by the caller) lists. The caller holds the lock."""
    graph = graph_for(kind, iri, base)
    elsewhere = described - {graph}
    before = {g: content(store, g) for g in sorted(elsewhere)}
    graphs = {g: without(triples, iri) for g, triples in before.items()}
    if body is None:
        if graph in described:
            graphs[graph] = []
    else:
        graphs[graph] = [*kind.build(store, body, iri, base=base, modified=started),
                         *_provenance(graph, base, author, started)]
    planned = plan(store, graphs, replace=True, before=before)
    outcome = commit(store, planned, author=author, kind=change, base=base, started=started,
                     what=f"the {kind.name} {iri}")
    return Written(iri, graph, outcome, created=graph in outcome.created and not elsewhere)


def create(store: Store, kind: Kind, body: object, *, base: str, author: str) -> Written:
    """A new record; its id is the body's ``id`` or a slug of its name; Conflict if the id
    exists."""
    started = audit.now()
    ident = body.get("id") if isinstance(body, dict) else None
    with WRITE_LOCK:
        if ident is not None:
            if not isinstance(ident, str):
                raise Malformed("id: give a slug or an IRI", field="id")
            iri = iri_for(kind, ident, base)
            graphs = described_in(store, iri)
            if graphs:
                shown = ", ".join(f"<{g}>" for g in sorted(graphs))
                raise Conflict(f"<{iri}> already exists (described in {shown}); PUT "
                               f"/api/{kind.name}s/{iri[len(base + kind.namespace):]} replaces it",
                               field="id")
        else:
            iri = _free_iri(store, kind, body, base)
        return _store(store, kind, iri, body, described=set(), base=base, author=author,
                      change="create", started=started)


def _free_iri(store: Store, kind: Kind, body: object, base: str) -> str:
    name = body.get("name") if isinstance(body, dict) else None
    if isinstance(name, dict):
        name = name.get("en") or next(iter(name.values()), None)
    stem = (slugify(name, max_length=ID_LENGTH) if isinstance(name, str) else "") or "record"
    for n in range(1, 1000):
        iri = base + kind.namespace + (stem if n == 1 else f"{stem}-{n}")
        if not described_in(store, iri):
            return iri
    raise Conflict(f"too many {kind.name}s named {stem!r}: give an id")


def replace(store: Store, kind: Kind, ident: str, body: object, *, base: str,
            author: str) -> Written:
    """Create or replace the record at ``ident`` with the body."""
    started = audit.now()
    iri = iri_for(kind, ident, base)
    if isinstance(body, dict) and body.get("id") not in (None, iri, ident):
        raise Malformed(f"id: the body names {str(body['id'])[:200]!r} but the path names "
                         f"{ident[:200]!r}", field="id")
    with WRITE_LOCK:
        described = described_in(store, iri)
        return _store(store, kind, iri, body, described=described, base=base, author=author,
                      change="replace" if described else "create", started=started)


def delete(store: Store, kind: Kind, ident: str, *, base: str, author: str) -> Written:
    started = audit.now()
    iri = iri_for(kind, ident, base)
    with WRITE_LOCK:
        described = described_in(store, iri)
        if not described:
            raise Missing(f"no {kind.name} {ident[:200]!r}")
        return _store(store, kind, iri, None, described=described, base=base, author=author,
                      change="delete", started=started)
