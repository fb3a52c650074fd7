"""Organisations, practices and events: lists, and each one with what links to it.

What each looks like is the one read model (``model``); its values come from the resource's
description (``describe-resource.rq``) and from ``entity-mentions.rq``. Ids from a request are
turned into IRIs only after matching a strict pattern, and only IRIs of the right kind that exist
are answered.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.read.describe import describe
from passerelle.graph.read.labels import pick
from passerelle.graph.read.model import KINDS, Kind, render
from passerelle.graph.store.base import Store
from passerelle.settings import Settings

SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def _listed(store: Store, kind: Kind, lang: str, iris: list[str] | None = None) -> list[str]:
    """IRIs of the kind's entities, by name in ``lang`` (events: most recent first)."""
    bindings = {"kind": [ox.NamedNode(kind.root_class)]}
    if iris is not None:
        bindings["entity"] = [ox.NamedNode(i) for i in iris]
    names: dict[str, dict[str, str]] = defaultdict(dict)
    starts: dict[str, str] = {}
    for row in store.query(values(queries.text("entity-list"), bindings)):
        if not isinstance(row["entity"], ox.NamedNode):
            continue
        entity = names[row["entity"].value]
        if isinstance(row["name"], ox.Literal):
            entity.setdefault(row["name"].language or "", row["name"].value)
        if row["start"] is not None:
            starts[row["entity"].value] = max(starts.get(row["entity"].value, ""),
                                              row["start"].value)
    by_name = sorted(names, key=lambda i: ((pick(names[i], lang) or i).casefold(), i))
    if kind.by_date:
        return sorted(by_name, key=lambda i: starts.get(i, ""), reverse=True)
    return by_name


def resolve(store: Store, kind: Kind, ident: str, base: str) -> str | None:
    """The IRI of the entity a path id names (a slug under the kind's namespaces, or a full
    IRI), or None when there is no such entity of this kind."""
    if SLUG.fullmatch(ident):
        candidates = [base + namespace + ident for namespace in kind.namespaces]
    elif ident.startswith(("http://", "https://")):
        try:
            candidates = [ox.NamedNode(ident).value]
        except ValueError:
            return None
    else:
        return None
    found = _listed(store, kind, Settings.languages.default, candidates)
    return found[0] if found else None


def page(store: Store, kind: Kind, limit: int, offset: int, lang: str) -> dict:
    """``{"total", "items"}`` with the summary of each entity on the page."""
    listed = _listed(store, kind, lang)
    chosen = listed[offset:offset + limit]
    d = describe(store, chosen)
    items = [render(kind, d, iri, lang, kind.summary) for iri in chosen]
    return {"total": len(listed), "items": items}


def mentions(store: Store, kind: Kind, iri: str, lang: str) -> dict[str, list[dict]]:
    """For each mention key, the things pointing at the entity, dated ones by date."""
    if not kind.mentions:
        return {}
    sparql = values(queries.text("entity-mentions"), {
        "entity": [ox.NamedNode(iri)],
        "property": [ox.NamedNode(p) for _, p in kind.mentions],
    })
    found: dict[tuple[str, str], dict] = {}
    for row in store.query(sparql):
        entry = found.setdefault((row["property"].value, row["subject"].value),
                                 {"names": {}, "types": set(), "date": None})
        if isinstance(row["name"], ox.Literal):
            entry["names"].setdefault(row["name"].language or "", row["name"].value)
        if row["type"] is not None:
            entry["types"].add(row["type"].value)
        if row["date"] is not None:
            entry["date"] = row["date"].value
    out = {}
    for key, predicate in kind.mentions:
        refs = []
        for (p, subject), entry in found.items():
            if p == predicate:
                refs.append({"id": subject, "name": pick(entry["names"], lang) or subject,
                             "kind": next((n for c, n in KINDS.items() if c in entry["types"]),
                                          None),
                             "date": entry["date"]})
        out[key] = sorted(refs, key=lambda r: (r["date"] or "", r["name"].casefold(), r["id"]))
    return out


def details(store: Store, kind: Kind, iri: str, lang: str) -> dict:
    """Everything the entity says, and what points at it (grouped as the kind says)."""
    out = render(kind, describe(store, [iri]), iri, lang)
    linked = mentions(store, kind, iri, lang)
    for group, keys in kind.groups:
        out[group] = {key: linked.pop(key) for key in keys}
    out.update(linked)
    return out
