"""The JSON-LD context of the API's JSON answers, and the JSON-LD reading of an answer that
states only what the store holds.

The JSON of the API picks one text per field in the reader's language, with fallbacks, so a
plain string does not say which language it is in. The JSON-LD answer therefore writes each text
as the store's own literal (``{"@value", "@language"}`` or ``{"@value", "@type"}``), keeps a link
only when the store holds it, and leaves out what the store does not hold (values the read model
computes, such as the eligibility state word). Keys without a term (``why``, ``query``, ``total``,
``limit``, ``offset``) are not read as linked data, so ``items`` is the default graph, not a named
graph beside a page node.
"""

from __future__ import annotations

import pyoxigraph as ox

from passerelle.graph.rdf import queries
from passerelle.graph.rdf.bind import values
from passerelle.graph.rdf.namespaces import XSD, prefixes

CONTEXT: dict = {
    "@version": 1.1,
    **prefixes("schema", "pas", "dct", "skos", "xsd"),
    "id": "@id",
    "items": "@graph",
    "name": "schema:name",
    "description": "schema:description",
    "label": "skos:prefLabel",
    "code": "skos:notation",
    "provider": {"@id": "pas:provider"},
    "service_types": {"@id": "pas:serviceType"},
    "areas": {"@id": "pas:serviceArea"},
    "languages": {"@id": "dct:language"},
    "url": {"@id": "schema:url", "@type": "@id"},
    "opening_hours": "pas:openingHours",
    "cost": "pas:cost",
    "how_to_apply": "pas:howToApply",
    "last_verified": {"@id": "pas:lastVerified", "@type": "xsd:date"},
    "contact": {"@id": "schema:contactPoint"},
    "email": "schema:email",
    "telephone": "schema:telephone",
    "contact_type": "schema:contactType",
    "address": {"@id": "schema:address"},
    "street": "schema:streetAddress",
    "postal_code": "schema:postalCode",
    "locality": "schema:addressLocality",
    "country": "schema:addressCountry",
    "eligibility": "@nest",
    "statuses": {"@id": "pas:eligibleStatus"},
}
"""Every property here is declared in the ontology or in the vocabulary it comes from."""


def wrap(body: dict) -> dict:
    return {"@context": CONTEXT, **body}


def _expand(name: str, context: dict) -> str:
    prefix, colon, rest = name.partition(":")
    if colon and isinstance(context.get(prefix), str) and not rest.startswith("//"):
        return context[prefix] + rest
    return name


def _definition(context: dict, key: str) -> dict | None:
    """The term of ``key`` as a dict with ``kind`` (keyword, property, reverse or language map)
    and ``iri``; None when the key is not read as linked data."""
    term = context.get(key)
    if term is None or key.startswith("@"):
        return None
    if isinstance(term, str):
        if term.startswith("@"):
            return {"kind": term}
        return {"kind": "property", "iri": _expand(term, context), "type": None}
    if "@reverse" in term:
        return {"kind": "reverse", "iri": _expand(term["@reverse"], context)}
    kind = "language map" if term.get("@container") == "@language" else "property"
    return {"kind": kind, "iri": _expand(term["@id"], context), "type": term.get("@type")}


def _ids(node, found: set[str]) -> None:
    if isinstance(node, dict):
        ident = node.get("id")
        if isinstance(ident, str) and ident.startswith(("http://", "https://")):
            found.add(ident)
        for value in node.values():
            _ids(value, found)
    elif isinstance(node, list):
        for value in node:
            _ids(value, found)


class _Facts:
    """What the store says about the subjects of one answer, by (subject, property)."""

    def __init__(self, store, subjects: set[str], predicates: set[str]) -> None:
        self.direct: dict[tuple[str, str], list] = {}
        self.blank: dict[tuple[str, str, str], list] = {}
        if not subjects or not predicates:
            return
        sparql = values(queries.text("statements-of-subjects"), {
            "s": [ox.NamedNode(s) for s in sorted(subjects)],
            "p": [ox.NamedNode(p) for p in sorted(predicates)]})
        for row in store.query(sparql):
            s, p, o, via = row["s"].value, row["p"].value, row["o"], row["via"]
            if via is None:
                self.direct.setdefault((s, p), []).append(o)
            else:
                self.blank.setdefault((s, via.value, p), []).append(o)

    def objects(self, where: tuple, predicate: str) -> list:
        if where[0] == "iri":
            return self.direct.get((where[1], predicate), [])
        return self.blank.get((where[1], where[2], predicate), [])


def _matches(literal: ox.Literal, value) -> bool:
    if isinstance(value, bool):
        return literal.value in (("true", "1") if value else ("false", "0"))
    if isinstance(value, int | float):
        try:
            return float(literal.value) == float(value)
        except ValueError:
            return False
    return literal.value == value


def _value_object(literal: ox.Literal) -> dict:
    if literal.language:
        return {"@value": literal.value, "@language": literal.language}
    if literal.datatype.value == XSD + "string":
        return {"@value": literal.value}
    return {"@value": literal.value, "@type": literal.datatype.value}


def _rewrite(node: dict, where: tuple | None, context: dict, facts: _Facts) -> dict:
    """``node`` with only what the store holds; ``where`` is its subject, ("iri", IRI) or
    ("blank", parent IRI, property), None at the top of the answer."""
    ident = node.get("id")
    if isinstance(ident, str) and ident.startswith(("http://", "https://")):
        where = ("iri", ident)
    out: dict = {}
    for key, value in node.items():
        term = _definition(context, key)
        if term is None or term["kind"] == "@id":
            out[key] = value
            continue
        if term["kind"] == "@nest":
            if isinstance(value, dict):
                out[key] = _rewrite(value, where, context, facts)
            continue
        if term["kind"] == "@graph":
            out[key] = [_rewrite(v, None, context, facts) for v in value
                        if isinstance(v, dict)]
            continue
        if where is None or term["kind"] not in ("property", "reverse", "language map"):
            continue
        predicate = term["iri"]
        if term["kind"] == "language map":
            held = {(o.value, o.language) for o in facts.objects(where, predicate)
                    if isinstance(o, ox.Literal)}
            kept = {lang: text for lang, text in (value or {}).items() if (text, lang) in held}
            if kept:
                out[key] = kept
            continue
        kept = []
        for item in value if isinstance(value, list) else [value]:
            found = _item(item, where, term, context, facts)
            if found is not None:
                kept.append(found)
        if kept:
            out[key] = kept if isinstance(value, list) else kept[0]
    return out


def _item(item, where: tuple, term: dict, context: dict, facts: _Facts):
    predicate = term["iri"]
    if item is None:
        return None
    if term["kind"] == "reverse":
        if not isinstance(item, dict) or where[0] != "iri":
            return None
        held = facts.objects(("iri", item.get("id", "")), predicate)
        return (_rewrite(item, None, context, facts)
                if ox.NamedNode(where[1]) in held else None)
    held = facts.objects(where, predicate)
    if isinstance(item, dict):
        ident = item.get("id")
        if isinstance(ident, str):
            return (_rewrite(item, None, context, facts)
                    if ox.NamedNode(ident) in held else None)
        if where[0] != "iri":
            return None  # a blank node inside a blank node is not looked up
        return _rewrite(item, ("blank", where[1], predicate), context, facts) or None
    if term.get("type") == "@id":
        return item if isinstance(item, str) and ox.NamedNode(item) in held else None
    for literal in held:
        if isinstance(literal, ox.Literal) and _matches(literal, item):
            return _value_object(literal)
    return None


def faithful(store, body: dict, terms: dict) -> dict:
    """``body`` as JSON-LD whose every triple is in ``store``."""
    context = {**CONTEXT, **terms}
    subjects: set[str] = set()
    _ids(body, subjects)
    predicates = {d["iri"] for d in (_definition(context, k) for k in context)
                  if d is not None and "iri" in d}
    facts = _Facts(store, subjects, predicates)
    return {"@context": context, **_rewrite(body, None, context, facts)}
