"""The CPSV-AP 3.2.0 profile of the services (``export --profile cpsv-ap``).

Each ``pas:Service`` becomes a ``cpsv:PublicService``: identifier, language-tagged title and
description, eligibility as ``cv:Requirement``/``cv:Criterion`` nodes naming the statuses (also
given as ``dct:audience``), service types as ``cv:thematicArea``, areas as ``dct:Location`` (the
Eurostat NUTS IRI where the region has one), languages, contact point, cost, and the provider
through a ``cv:Participation``. Referenced concepts are typed with the classes the official shapes
check by ``sh:class``, since a SHACL engine sees only the types present in the data.

Competent authority. CPSV-AP requires every public service to name at least one
``cv:hasCompetentAuthority``, a ``cv:PublicOrganisation`` with a label and a ``dct:spatial``. The
export takes it only from the data: a provider classified ``organisation-type/public-body`` with a
region of its own. It never invents one. Most services in the graph are run by associations and
name no public authority; they are left out of the profile, so the file keeps 0 violations
against the official shapes. Their number and IRIs are reported (``Profile.omitted``, on stderr by
the CLI) and stated on the export's own description as an ``rdfs:comment``. Opening hours are not
exported: CPSV-AP wants them as ``time:TemporalEntity`` nodes and the graph holds them as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS as DCT
from rdflib.namespace import FOAF

from passerelle.graph.rdf import namespaces
from passerelle.graph.rdf.formats import rdflib_graph
from passerelle.graph.rdf.namespaces import ID, PAS
from passerelle.graph.rdf.queries import text
from passerelle.graph.store.base import Store

CPSV = Namespace(namespaces.CPSV)
CV = Namespace(namespaces.CV)
SCHEMA = Namespace(namespaces.SCHEMA)
ORG = Namespace(namespaces.ORG)
P = Namespace(PAS)
PUBLIC_BODY = URIRef(ID + "organisation-type/public-body")
NUTS = namespaces.NUTS
PROVIDER_ROLE = URIRef(ID + "participation-role/service-provider")
OPEN_TO_ALL = URIRef(ID + "eligibility/open-to-all-statuses")
EXPORT = URIRef(ID + "export/cpsv-ap")
PREFIXES = namespaces.prefixes("cpsv", "cv", "dct", "skos", "foaf", "pas")


@dataclass
class Profile:
    """The profile graph, the services in it and those left out (no known public authority)."""

    graph: Graph
    exported: list[str] = field(default_factory=list)
    omitted: list[str] = field(default_factory=list)


def source_graph(store: Store) -> Graph:
    """The services and their one-hop context, as a small rdflib graph."""
    return rdflib_graph(store.query(text("export-services")))


def _slug(iri: URIRef) -> str:
    return str(iri).rstrip("/").rsplit("/", 1)[-1]


def _tagged(values) -> list[Literal]:
    return [v for v in values if isinstance(v, Literal) and v.language]


def _location(src: Graph, out: Graph, region: URIRef) -> URIRef:
    """The Eurostat NUTS IRI of a region when it has one, else our region IRI; a dct:Location."""
    nuts = [m for m in src.objects(region, SKOS.exactMatch) if str(m).startswith(NUTS)]
    place = nuts[0] if nuts else region
    out.add((place, RDF.type, DCT.Location))
    return place


def _concept(src: Graph, out: Graph, concept: URIRef) -> URIRef:
    out.add((concept, RDF.type, SKOS.Concept))
    for label in _tagged(src.objects(concept, SKOS.prefLabel)):
        out.add((concept, SKOS.prefLabel, label))
    return concept


def competent_authority(src: Graph, service: URIRef) -> URIRef | None:
    """A provider the data classifies as a public body and places somewhere, or None."""
    for provider in src.objects(service, P.provider):
        if (provider, ORG.classification, PUBLIC_BODY) in src and \
                any(src.objects(provider, P.region)):
            return provider
    return None


def _service(src: Graph, out: Graph, service: URIRef, authority: URIRef) -> None:
    out.add((service, RDF.type, CPSV.PublicService))
    out.add((service, DCT.identifier, Literal(_slug(service))))
    for name in _tagged(src.objects(service, SCHEMA.name)):
        out.add((service, DCT.title, name))
    for text_ in _tagged(src.objects(service, SCHEMA.description)):
        out.add((service, DCT.description, text_))

    out.add((service, CV.hasCompetentAuthority, authority))
    out.add((authority, RDF.type, CV.PublicOrganisation))
    for name in _tagged(src.objects(authority, SCHEMA.name)):
        out.add((authority, SKOS.prefLabel, name))
    for region in src.objects(authority, P.region):
        out.add((authority, DCT.spatial, _location(src, out, region)))

    for kind in src.objects(service, P.serviceType):
        out.add((service, CV.thematicArea, _concept(src, out, kind)))
    for region in src.objects(service, P.serviceArea):
        out.add((service, DCT.spatial, _location(src, out, region)))
    for language in src.objects(service, DCT.language):
        out.add((service, DCT.language, language))
        out.add((language, RDF.type, DCT.LinguisticSystem))
    _eligibility(src, out, service)
    _contact_and_cost(src, out, service)
    for provider in src.objects(service, P.provider):
        _participation(src, out, service, provider)


def _eligibility(src: Graph, out: Graph, service: URIRef) -> None:
    """One criterion per status the service is restricted to, or one saying it is open to all."""
    statuses = sorted(src.objects(service, P.eligibleStatus))
    if (service, P.openToAllStatuses, Literal(True)) in src:
        node = URIRef(f"{service}#eligibility-open-to-all")
        out.add((node, DCT.identifier, Literal(f"{_slug(service)}-open-to-all")))
        out.add((node, DCT.title, Literal("Open to people of any status", lang="en")))
        out.add((node, DCT.title, Literal("Ouvert quel que soit le statut", lang="fr")))
        out.add((node, DCT.type, _open_to_all(out)))
        criteria = [node]
    else:
        criteria = []
        for status in statuses:
            notation = next(iter(src.objects(status, SKOS.notation)), _slug(status))
            node = URIRef(f"{service}#eligibility-{notation}")
            out.add((node, DCT.identifier, Literal(f"{_slug(service)}-{notation}")))
            for label in _tagged(src.objects(status, SKOS.prefLabel)):
                out.add((node, DCT.title, label))
            out.add((node, DCT.type, _concept(src, out, status)))
            out.add((service, DCT.audience, status))
            criteria.append(node)
    for node in criteria:
        out.add((node, RDF.type, CV.Requirement))
        out.add((node, RDF.type, CV.Criterion))
        out.add((service, CV.holdsRequirement, node))


def _open_to_all(out: Graph) -> URIRef:
    out.add((OPEN_TO_ALL, RDF.type, SKOS.Concept))
    out.add((OPEN_TO_ALL, SKOS.prefLabel, Literal("Open to all statuses", lang="en")))
    out.add((OPEN_TO_ALL, SKOS.prefLabel, Literal("Ouvert à tous les statuts", lang="fr")))
    return OPEN_TO_ALL


def _contact_and_cost(src: Graph, out: Graph, service: URIRef) -> None:
    for number, contact in enumerate(sorted(src.objects(service, SCHEMA.contactPoint))):
        node = URIRef(f"{service}#contact-{number + 1}")
        out.add((service, CV.contactPoint, node))
        out.add((node, RDF.type, CV.ContactPoint))
        for email in src.objects(contact, SCHEMA.email):
            out.add((node, CV.email, Literal(str(email))))
        for phone in src.objects(contact, SCHEMA.telephone):
            out.add((node, CV.telephone, Literal(str(phone))))
    costs = _tagged(src.objects(service, P.cost))
    if costs:
        node = URIRef(f"{service}#cost")
        out.add((service, CV.hasCost, node))
        out.add((node, RDF.type, CV.Cost))
        out.add((node, DCT.identifier, Literal(f"{_slug(service)}-cost")))
        for cost in costs:
            out.add((node, DCT.description, cost))


def _participation(src: Graph, out: Graph, service: URIRef, provider: URIRef) -> None:
    node = URIRef(f"{service}#provider-{_slug(provider)}")
    out.add((service, CV.hasParticipation, node))
    out.add((node, RDF.type, CV.Participation))
    out.add((node, DCT.identifier, Literal(f"{_slug(service)}-provider-{_slug(provider)}")))
    out.add((node, DCT.description, Literal("Provides the service.", lang="en")))
    out.add((node, DCT.description, Literal("Fournit le service.", lang="fr")))
    out.add((node, CV.role, PROVIDER_ROLE))
    out.add((PROVIDER_ROLE, RDF.type, SKOS.Concept))
    out.add((PROVIDER_ROLE, SKOS.prefLabel, Literal("Service provider", lang="en")))
    out.add((PROVIDER_ROLE, SKOS.prefLabel, Literal("Prestataire du service", lang="fr")))
    out.add((node, CV.hasParticipant, provider))
    out.add((provider, RDF.type, FOAF.Agent))
    out.add((provider, DCT.identifier, Literal(_slug(provider))))
    for name in _tagged(src.objects(provider, SCHEMA.name)):
        out.add((provider, DCT.title, name))
        out.add((provider, FOAF.name, name))


def build(store: Store) -> Profile:
    """The profile of every service with a known competent authority."""
    src = source_graph(store)
    out = Graph()
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    profile = Profile(out)
    for service in sorted(src.subjects(RDF.type, P.Service)):
        authority = competent_authority(src, service)
        has_text = _tagged(src.objects(service, SCHEMA.name)) and \
            _tagged(src.objects(service, SCHEMA.description))
        if authority is None or not has_text:
            profile.omitted.append(str(service))
            continue
        _service(src, out, service, authority)
        profile.exported.append(str(service))
    out.add((EXPORT, RDFS.label, Literal("Passerelle services in the CPSV-AP 3.2.0 profile",
                                         lang="en")))
    out.add((EXPORT, RDFS.comment, Literal(omission_note(profile), lang="en")))
    return profile


def omission_note(profile: Profile) -> str:
    return (f"{len(profile.exported)} service(s) exported. {len(profile.omitted)} service(s) "
            "left out because the data names no public authority competent for them, or no "
            "language-tagged name and description (CPSV-AP requires both and Passerelle does not "
            "invent them)"
            + (": " + ", ".join(profile.omitted) if profile.omitted else "") + ".")
