"""The one map of Open Referral HSDS fields to the read model's keys, both ways.

The import (``imports.hsds``) turns an HSDS object into the write API's JSON and the export
(``export.hsds``) turns the read model's JSON into HSDS 3.1 with the same rows, so a key never
means two things and a field the read model gains later is one line in ``SERVICE`` or
``ORGANIZATION``. Fields that need more than a copy (status words, eligibility, the nested
phones, languages, areas, terms, schedules and locations) are handled by name in the two modules;
``REPORTED`` lists what the graph cannot hold yet, which an import names rather than drops
silently. The same tables are rendered as the mapping table of the documentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

VERSION = "3.1"
"""The HSDS version the export and the Open Referral API declare."""

PROFILE = "https://docs.openreferral.org/en/latest/hsds/schema_reference.html"
"""Where the HSDS profile an export follows is described: Open Referral's own (no extension)."""


@dataclass(frozen=True)
class Row:
    """One HSDS key and the read model's key (dotted for a part: ``contact.email``).

    ``kind``: ``text`` a language-tagged text (tagged with the import's language; the export
    picks one language), ``plain`` a string as is, ``date`` an ISO date (checked on import),
    ``datetime`` an RFC 3339 moment, ``number`` a whole number (checked by the record mapper),
    ``flag`` a text read as true unless it says no (``interpretation_services``), ``year`` a
    year (a number in HSDS, the year of a date in the graph); ``way``: ``both``, ``in`` (read
    from HSDS only) or ``out`` (written to HSDS only)."""

    hsds: str
    model: str
    kind: str
    way: str
    why: str


def _rows(table: str) -> tuple[Row, ...]:
    lines = [line for line in table.strip().splitlines()[1:] if line.strip()]
    return tuple(Row(*re.split(r"\s{2,}", line.strip(), maxsplit=4)) for line in lines)


SERVICE = _rows("""
hsds                  model                 kind      way    why
name                  name                  text      both   kept
alternate_name        alternate_names       text      in     kept; not in the read model yet
description           description           text      both   kept
url                   url                   plain     both   kept
email                 contact.email         plain     both   kept on the contact point
application_process   how_to_apply          text      both   kept
fees_description      cost                  text      both   kept
fees                  cost                  text      in     kept when no fees_description
assured_date          last_verified         date      both   kept (ISO date, checked)
minimum_age           age.min               number    both   kept (whole years)
maximum_age           age.max               number    both   kept (whole years)
interpretation_services  interpretation     flag      in     true unless it says no; no text kept
last_modified         modified              datetime  out    the graph's own change time
""")
"""A service's one-to-one fields that are copies."""

ORGANIZATION = _rows("""
hsds                  model                 kind      way    why
name                  name                  text      both   kept
alternate_name        alternate_names       text      in     kept; not in the read model yet
description           description           text      both   kept (required: empty if none)
website               homepage              plain     both   kept
email                 contact.email         plain     in     kept; not in the read model yet
year_incorporated     founding_date         year      both   kept as the founding year
""")
"""An organisation's one-to-one fields that are copies."""

MAPPED = {
    "id": "kept as dct:identifier; the export gives it back (else a UUID derived from the IRI)",
    "organization_id": "the provider (pas:provider), found by the organisation's id",
    "organization": "the provider, created when the graph does not have it",
    "status": "service status: active, inactive and temporarily closed (temporarily-closed), "
              "defunct; a service whose status the graph does not state is left out of HSDS "
              "outputs, which require one",
    "eligibility_description": "'all' is open to all statuses; status codes or labels "
                               "separated by ';' restrict it; other text is reported and "
                               "eligibility stays not stated",
    "phones[].number": "the contact point's telephone",
    "languages[]": "languages of delivery, by ISO 639-1 code or name; unknown ones reported",
    "service_areas[]": "regions by code, NUTS or Passerelle IRI (uri), name or extent; unknown "
                       "ones reported",
    "attributes[].taxonomy_term": "service types by the declared mappings: the term's code, "
                                  "name or term_uri in Passerelle's scheme, an Open Eligibility "
                                  "top-level category, or the import's term map; unknown terms "
                                  "reported",
    "schedules[].description": "the opening hours text",
    "schedules[].byday, opens_at, closes_at": "the structured hours of a weekly schedule (freq "
                                              "WEEKLY, byday, opens_at, closes_at); a schedule "
                                              "narrowed by byweekno, bymonthday, byyearday, "
                                              "count, until, valid_from, valid_to or an "
                                              "interval above 1 is reported and keeps only its "
                                              "description; the export writes each line as a "
                                              "WEEKLY schedule",
    "required_documents[].document": "the documents to bring, one text each (both ways)",
    "service_at_locations[].location": "the address (address_1 + address_2, city, "
                                       "postal_code, country) and the coordinates (latitude "
                                       "-90..90, longitude -180..180, refused by path "
                                       "otherwise); the export writes them from the address "
                                       "and geo",
    "service_at_locations[].location.addresses[].state_province": "the address's region "
                                                                  "(region when no "
                                                                  "state_province), both ways",
    "service_at_locations[].location.accessibility[].description": "the accessibility text "
                                                                   "(several joined by '; '), "
                                                                   "both ways",
}
"""Fields read by code of their own, and how."""

REPORTED = {
    "alert": "no field in the graph",
    "wait_time": "no field in the graph",
    "accreditations": "no field in the graph",
    "licenses": "no field in the graph",
    "assurer_email": "no field in the graph (personal data of the verifier)",
    "cost_options": "no field yet (service details: structured cost)",
    "contacts": "no field for named people: only the service's own email and phones are kept",
    "funding": "no field for a service's funding source text",
    "program": "no field: practices are linked by pas:offeredThrough, not by HSDS programs",
    "program_id": "no field: see program",
    "additional_urls": "no field: one url is kept",
    "capacities": "no field in the graph",
    "metadata": "an outside system's change log: provenance is the import's named graph",
}
"""Service fields an import names in a note when a file gives them: nothing is dropped silently."""

ORGANIZATION_REPORTED = {
    "additional_websites": "no field: one homepage is kept",
    "tax_status": "no field in the graph",
    "tax_id": "no field in the graph",
    "legal_status": "no field: organisation types are Passerelle's own scheme",
    "logo": "no field in the graph",
    "uri": "kept only when it is the organisation's Passerelle IRI (then it is the same one)",
    "parent_organization_id": "no field: org:subOrganizationOf needs the parent in the graph",
    "funding": "no field for a funding source text",
    "contacts": "no field for named people",
    "phones": "no field yet for an organisation's phones",
    "locations": "no field yet: an organisation's address comes with the service details",
    "programs": "no field: practices are Passerelle's own records",
    "organization_identifiers": "no field in the graph",
    "metadata": "an outside system's change log",
}
"""Organisation fields an import names in a note when a file gives them."""

DROPPED = {
    "ids of nested objects": "phones, languages, areas, attributes, schedules, locations and "
                             "addresses get ids derived from their service on export; they are "
                             "not things of their own in the graph",
    "attributes[].value, label, link_type, link_entity": "the term itself is what is kept",
    "location fields other than the address, coordinates and accessibility": (
        "no place resource in the graph: a location is the service's address, coordinates and "
        "accessibility text"),
    "schedules of a location or a service at a location": "the service's own schedules are "
                                                          "read",
}
"""What is not kept, and why."""


def get(item: dict, dotted: str):
    """The value at a dotted read-model key, or None."""
    for part in dotted.split("."):
        if not isinstance(item, dict):
            return None
        item = item.get(part)
    return item


def put(out: dict, dotted: str, value) -> None:
    """Set a dotted key, creating the parts (a contact point) on the way."""
    *parents, last = dotted.split(".")
    for part in parents:
        out = out.setdefault(part, {})
    out.setdefault(last, value)


def markdown() -> str:
    """The mapping table of the documentation (kept, mapped, reported, dropped and why)."""
    lines = ["| HSDS field | Passerelle | how |", "| --- | --- | --- |"]
    for name, rows in (("service", SERVICE), ("organization", ORGANIZATION)):
        lines += [f"| {name}.{r.hsds} | `{r.model}` | {r.why} ({r.way}) |" for r in rows]
    lines += [f"| service.{key} | mapped | {why} |" for key, why in MAPPED.items()]
    lines += [f"| service.{key} | reported | {why} |" for key, why in REPORTED.items()]
    lines += [f"| organization.{key} | reported | {why} |"
              for key, why in ORGANIZATION_REPORTED.items()]
    lines += [f"| {key} | dropped | {why} |" for key, why in DROPPED.items()]
    return "\n".join(lines)
