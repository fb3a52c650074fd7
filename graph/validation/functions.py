"""SPARQL functions the shapes call that SPARQL itself cannot express, registered with the
engines that check shapes: rdflib's for pySHACL (``gate``), Oxigraph's for the compiled checks.

A telephone number's form is a pattern, but whether a number can exist depends on its country's
numbering plan, which only a table of every plan knows: the ``phonenumbers`` library's. The
shapes call it by IRI; an engine that does not know the IRI raises an error inside the filter,
so the shape falls back to what its pattern refuses.
"""

from __future__ import annotations

import functools

import phonenumbers
import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.plugins.sparql.operators import register_custom_function

FUNCTIONS = "https://w3id.org/passerelle/function#"
POSSIBLE_TELEPHONE = URIRef(FUNCTIONS + "possibleTelephone")


@functools.lru_cache(maxsize=4096)
def possible_telephone(number: str, country: str | None = None) -> bool:
    """Whether ``number`` reads as a telephone number that can exist: written with its country
    calling code (+33...), or nationally when ``country`` (ISO 3166 alpha-2) says where.
    Remembered: an import's rows often share a number, and both the mapper and the checks ask."""
    try:
        parsed = phonenumbers.parse(number, (country or "").upper() or None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_possible_number(parsed)


@functools.lru_cache(maxsize=4096)
def e164(number: str, country: str | None = None) -> str | None:
    """``number`` in E.164 form (``04 70 48 25 00`` with ``FR`` -> ``+33470482500``), or None
    when it cannot be read as a possible number."""
    if not possible_telephone(number, country):
        return None
    parsed = phonenumbers.parse(number, (country or "").upper() or None)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _possible_telephone(value: Literal) -> Literal:
    return Literal(possible_telephone(str(value)), datatype=XSD.boolean)


_OX_BOOLEANS = {answer: ox.Literal(str(answer).lower(), datatype=ox.NamedNode(str(XSD.boolean)))
                for answer in (True, False)}


def _possible_telephone_ox(value: ox.Literal) -> ox.Literal:
    return _OX_BOOLEANS[possible_telephone(value.value)]


OXIGRAPH = {ox.NamedNode(str(POSSIBLE_TELEPHONE)): _possible_telephone_ox}
"""The same functions for the SPARQL checks Oxigraph runs (``compiled``)."""


def register() -> None:
    """Make the functions known to rdflib's SPARQL engine (once; again is harmless)."""
    register_custom_function(POSSIBLE_TELEPHONE, _possible_telephone, override=True)
