"""What XML cannot carry, found before it is stored or sent.

The graph is published as RDF/XML (the dump, ``/id/...?format=rdfxml``) and queries answer in
SPARQL XML; both must be well-formed XML for every graph Passerelle accepts. Two things in an
RDF graph have no XML form:
- a control character (U+0000 to U+001F but tab, line feed and carriage return; U+FFFE, U+FFFF)
  in a literal: XML 1.0 forbids them even as character references;
- a property (or a class, which RDF/XML writes as an element name too) whose IRI does not end in
  an XML name, such as ``http://example.org/terms/`` or ``http://example.org/123``: RDF/XML
  writes a property as namespace + local name, and there is no local name to write.
So writes are refused when they add either (``findings``, called by the validation gate), and a
query answer that would be ill-formed XML is refused in XML only (``well_formed``), since a
query can build such values from its own text.
"""

from __future__ import annotations

import functools
import re
import xml.parsers.expat
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import URIRef

from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import PASH, RDF_TYPE
from passerelle.graph.validation.gate import Finding, Report
from passerelle.graph.validation.gate import _compact as compact

NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters XML 1.0 has no way to write (surrogates cannot reach here: strings come from
UTF-8)."""

RULE = PASH + "XmlWritable"
RULE_NAME = "Writable as XML"
_TEXT = ("This text holds a control character (U+{code:04X}) that XML cannot carry: remove it "
         "or replace it with a space.")
_NAME = ("RDF/XML cannot write this {what}: its IRI must end in a name (letters, digits, "
         "'-', '_' or '.', starting with a letter), e.g. <http://example.org/terms/homepage>.")


def _parses(document: bytes) -> bool:
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(document, True)
    except xml.parsers.expat.ExpatError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def writable_name(iri: str, *, as_class: bool = False) -> bool:
    """Whether our RDF/XML writer gives ``iri`` a well-formed element name, as a property or
    (``as_class``) as the type of a node. Asked of the writer itself, so the answer follows it."""
    subject = ox.NamedNode("http://example.org/s")
    triple = (ox.Triple(subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(iri)) if as_class
              else ox.Triple(subject, ox.NamedNode(iri), ox.Literal("x")))
    return _parses(ox.serialize([triple], format=ox.RdfFormat.RDF_XML))


def _node(term) -> str:
    return term.value if isinstance(term, ox.NamedNode) else "[an unnamed node]"


def findings(triples: Iterable[ox.Triple]) -> list[Finding]:
    """One finding for each triple that RDF/XML or SPARQL XML could not carry."""
    found: list[Finding] = []
    for t in triples:
        predicate = t.predicate.value
        if not writable_name(predicate):
            found.append(Finding(_node(t.subject), predicate, RULE, RULE_NAME,
                                 _NAME.format(what="property"), "Violation", ""))
        obj = t.object
        if predicate == RDF_TYPE and isinstance(obj, ox.NamedNode) \
                and not writable_name(obj.value, as_class=True):
            found.append(Finding(_node(t.subject), predicate, RULE, RULE_NAME,
                                 _NAME.format(what="class"), "Violation", obj.value))
        if isinstance(obj, ox.Literal) and (bad := NOT_IN_XML.search(obj.value)):
            found.append(Finding(_node(t.subject), _compact(predicate), RULE, RULE_NAME,
                                 _TEXT.format(code=ord(bad.group())), "Violation",
                                 obj.value[:80]))
    return found


def _compact(predicate: str) -> str:
    return compact(URIRef(predicate))


def guard(report: Report, triples: Iterable[ox.Triple]) -> Report:
    """``report`` with a violation added for everything in ``triples`` XML cannot carry."""
    extra = findings(triples)
    if not extra:
        return report
    violations = sorted({*report.violations, *extra},
                        key=lambda f: (f.node, f.path, f.shape, f.value))
    return Report(conforms=False, violations=violations, warnings=report.warnings)


def well_formed(media_type: str, body: bytes) -> bool:
    """Whether an XML answer parses; answers in other media types are not XML's concern."""
    return "xml" not in media_type or _parses(body)


def checked(answer):
    """A query's ``sandbox.Answer`` as it is, unless it is XML that does not parse: then
    ``NotAcceptable``, offering the same answer in the formats that can carry it (JSON first)."""
    if well_formed(answer.media_type, answer.body):
        return answer
    from passerelle.graph.endpoint import sandbox

    table = formats.RESULTS_FORMATS if "sparql-results" in answer.media_type \
        else sandbox.GRAPH_FORMATS
    raise sandbox.NotAcceptable(tuple(f.media_type for f in table if "xml" not in f.media_type))
