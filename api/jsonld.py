"""The JSON-LD context of the API's JSON answers, so the same JSON reads as linked data."""

from __future__ import annotations

CONTEXT: dict = {
    "@version": 1.1,
    "schema": "http://schema.org/",
    "pas": "https://w3id.org/passerelle/ontology#",
    "dct": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
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
    "last_verified": {"@id": "pas:lastVerified", "@type": "http://www.w3.org/2001/XMLSchema#date"},
    "contact": {"@id": "schema:contactPoint"},
    "email": "schema:email",
    "telephone": "schema:telephone",
    "address": {"@id": "schema:address"},
    "street": "schema:streetAddress",
    "postal_code": "schema:postalCode",
    "locality": "schema:addressLocality",
    "country": "schema:addressCountry",
    "total": "pas:total",
    "eligibility": "@nest",
    "statuses": {"@id": "pas:eligibleStatus"},
    "state": "pas:eligibilityState",
}
"""Keys without a term here (``why``, ``query``) are left out of the linked-data reading."""


def wrap(body: dict) -> dict:
    return {"@context": CONTEXT, **body}
