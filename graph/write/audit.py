"""Who changed what, and when: the audit graph.

Every accepted write adds one PROV activity to ``pgraph:audit`` in the same transaction as the
change itself, so the record exists exactly when the change does. The kind of change is said with
schema.org's action classes (no new term is needed): create, replace, merge (``AddAction``),
delete, update (a SPARQL Update). The graphs written are ``prov:generated``; the graphs dropped
are ``prov:invalidated``. The agent is the public name of the API token that made the change
(``PASSERELLE_AUDIT_NAMES``, else the token's scope), never the token's own name: the audit graph
is public, in the dumps unless ``PASSERELLE_PUBLISH_AUDIT=false`` and in ``/api/changes``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import quote

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import FOAF, GRAPH, PROV, RDF_TYPE, SCHEMA, XSD
from passerelle.graph.store.base import Store

AUDIT_GRAPH = GRAPH + "audit"
XSD_DATETIME = ox.NamedNode(XSD + "dateTime")

KINDS = {
    "create": SCHEMA + "CreateAction",
    "replace": SCHEMA + "ReplaceAction",
    "merge": SCHEMA + "AddAction",
    "delete": SCHEMA + "DeleteAction",
    "update": SCHEMA + "UpdateAction",
}
_KIND_BY_CLASS = {iri: kind for kind, iri in KINDS.items()}


def now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> ox.Literal:
    return ox.Literal(moment.astimezone(UTC).isoformat(timespec="microseconds"),
                      datatype=XSD_DATETIME)


def agent_iri(base: str, author: str) -> ox.NamedNode:
    return ox.NamedNode(f"{base}agent/steward/{quote(author, safe='')}")


def record(*, base: str, author: str, kind: str, written: Iterable[str],
           dropped: Iterable[str], started: datetime) -> tuple[str, list[ox.Triple]]:
    """The activity's IRI and the triples that describe it."""
    change = ox.NamedNode(f"{base}change/{uuid.uuid4().hex}")
    agent = agent_iri(base, author)
    a = ox.NamedNode(RDF_TYPE)

    def p(name: str) -> ox.NamedNode:
        return ox.NamedNode(PROV + name)

    triples = [
        ox.Triple(change, a, p("Activity")),
        ox.Triple(change, a, ox.NamedNode(KINDS[kind])),
        ox.Triple(change, p("wasAssociatedWith"), agent),
        ox.Triple(change, p("startedAtTime"), timestamp(started)),
        ox.Triple(change, p("endedAtTime"), timestamp(now())),
        ox.Triple(agent, a, p("Agent")),
        ox.Triple(agent, ox.NamedNode(FOAF + "name"), ox.Literal(author)),
    ]
    triples += [ox.Triple(change, p("generated"), ox.NamedNode(g)) for g in sorted(written)]
    triples += [ox.Triple(change, p("invalidated"), ox.NamedNode(g)) for g in sorted(dropped)]
    return change.value, triples


def changes(store: Store, since: datetime | None = None, limit: int = 100) -> list[dict]:
    """Accepted changes ended at or after ``since``, oldest first."""
    bindings = {"since": [timestamp(since)]} if since else {}
    sparql = values(queries.text("changes"), bindings,
                    frozenset({"since"}) if since else frozenset())
    found: dict[str, dict] = {}
    for row in store.query(sparql):
        entry = found.setdefault(row["change"].value, {
            "id": row["change"].value, "time": row["time"].value, "author": row["author"].value,
            "kind": None, "graphs": [], "dropped": [],
        })
        kind = _KIND_BY_CLASS.get(row["class"].value)
        if kind:
            entry["kind"] = kind
        key = "dropped" if row["effect"].value == PROV + "invalidated" else "graphs"
        if row["graph"].value not in entry[key]:
            entry[key].append(row["graph"].value)
    ordered = list(found.values())  # the query's order: by time, as typed values
    for entry in ordered:
        entry["graphs"].sort()
        entry["dropped"].sort()
    return ordered[:limit]
