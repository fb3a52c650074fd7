"""Addresses and contact points: which JSON key is which schema.org property, for every reader
and writer of them (the write API, the read models, the spreadsheet and HSDS imports, the HSDS
export), so a key never means two properties.

Values are local names in ``http://schema.org/``; both are blank nodes of their holder.
"""

from __future__ import annotations

ADDRESS = {"street": "streetAddress", "postal_code": "postalCode",
           "locality": "addressLocality", "country": "addressCountry"}
"""A ``schema:PostalAddress``: each key a text."""

POSTAL = {**ADDRESS, "region": "addressRegion"}
"""Every key of an address as the write API and the read model give it: ``ADDRESS`` and the
region's code (a NUTS or ISO 3166-2 code, as text)."""

CONTACT = {"email": "email", "telephone": "telephone", "contact_type": "contactType"}
"""A ``schema:ContactPoint``'s texts."""

CONTACT_LINKS = ("url",)
"""A ``schema:ContactPoint``'s IRIs (the key is the property's local name)."""

CONTACT_PROPERTIES = {**CONTACT, **{key: key for key in CONTACT_LINKS}}
"""Every key of a contact point and its property."""

CONTACT_SHOWN = ("email", "telephone", "url", "contact_type")
"""What the read model shows of a contact point."""

DAYS = {"mo": "Monday", "tu": "Tuesday", "we": "Wednesday", "th": "Thursday", "fr": "Friday",
        "sa": "Saturday", "su": "Sunday"}
"""Structured opening hours: each day's key in the JSON (as iCalendar's BYDAY, which HSDS
schedules use) and its ``schema:DayOfWeek``, Monday first."""
