"""The DCAT-AP 3.0.1 catalogue: one dataset (the whole graph), its files and the SPARQL service.

It describes the bytes actually served: each distribution carries the size and SHA-256 of the
dump it points to, so it is built from the dump cache (``dumps.Cache``). Coverage, languages and
dates come from the data; publisher, licence and contact from the settings. Values taken from EU
controlled vocabularies are typed with the class DCAT-AP's range shapes check, as a harvester
without the vocabularies loaded sees only those types.

No temporal coverage is given: the data is not bounded by one period (organisations predate
SHARE SIRA, and the sources disagree on the project's own end date).
"""

from __future__ import annotations

from rdflib import RDF, SKOS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, FOAF
from rdflib.namespace import DCTERMS as DCT

from passerelle.graph.export.dumps import Dump
from passerelle.graph.rdf import namespaces
from passerelle.graph.rdf.queries import text
from passerelle.graph.store.base import Store
from passerelle.settings import Settings

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace(namespaces.VCARD)
DCATAP = Namespace(namespaces.DCATAP)
EU = "http://publications.europa.eu/resource/authority/"
COUNTRY = Namespace(EU + "country/")
FILE_TYPE = Namespace(EU + "file-type/")
THEME = Namespace(EU + "data-theme/")
IANA = "https://www.iana.org/assignments/media-types/"
NUTS_COUNTRY = {"FR": "FRA", "ES": "ESP", "PL": "POL", "EL": "GRC", "IT": "ITA", "DE": "DEU",
                "PT": "PRT", "BE": "BEL", "NL": "NLD", "AT": "AUT", "IE": "IRL", "SE": "SWE"}
"""NUTS country codes to the EU country table (NUTS says EL for Greece, the table GRC)."""
FILE_TYPES = {"ttl": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "jsonld": "JSON_LD",
              "rdfxml": "RDF_XML"}
THEMES = {"SOCI": ("Population and society", "Population et société")}
AVAILABLE = URIRef(EU + "planned-availability/AVAILABLE")
LICENCE_TYPES = {EU + "licence/CC_BY_4_0": "Attribution"}
"""ADMS licence types of the licences we know (the catalogue's licence is a setting)."""
CPSV_AP = URIRef("https://semiceu.github.io/CPSV-AP/releases/3.2.0/")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
KEYWORDS = {"en": ("migrants", "refugees", "integration", "rural areas", "social services",
                   "asylum"),
            "fr": ("migrants", "réfugiés", "intégration", "territoires ruraux",
                   "services sociaux", "asile")}


def _both(graph: Graph, node: URIRef, prop: URIRef, en: str, fr: str) -> None:
    graph.add((node, prop, Literal(en, lang="en")))
    graph.add((node, prop, Literal(fr, lang="fr")))


def _titled(graph: Graph, node: URIRef, title: tuple[str, str], description: tuple[str, str]
            ) -> None:
    """A catalogue entry's title and description, each in English and French."""
    _both(graph, node, DCT.title, *title)
    _both(graph, node, DCT.description, *description)


def _typed(graph: Graph, node: URIRef, cls: URIRef) -> URIRef:
    graph.add((node, RDF.type, cls))
    return node


def build(store: Store, settings: Settings, files: dict[str, Dump]) -> Graph:
    base = settings.public_url.rstrip("/")
    g = Graph()
    for prefix, ns in (("dcat", DCAT), ("dct", DCT), ("foaf", FOAF), ("spdx", SPDX),
                       ("vcard", VCARD), ("dcatap", DCATAP), ("skos", SKOS)):
        g.bind(prefix, ns)
    catalog, dataset, service = (URIRef(f"{base}/catalog#{n}")
                                 for n in ("catalog", "dataset", "sparql"))
    homepage = _typed(g, URIRef(base + "/"), FOAF.Document)
    licence = _typed(g, URIRef(settings.licence_iri), DCT.LicenseDocument)
    if settings.licence_iri in LICENCE_TYPES:
        kind = _typed(g, URIRef("http://purl.org/adms/licencetype/"
                                + LICENCE_TYPES[settings.licence_iri]), SKOS.Concept)
        g.add((kind, SKOS.prefLabel, Literal(LICENCE_TYPES[settings.licence_iri], lang="en")))
        g.add((licence, DCT.type, kind))

    publisher = _typed(g, URIRef(settings.publisher), FOAF.Agent)
    g.add((publisher, FOAF.name, Literal(settings.publisher_name)))
    g.add((publisher, DCT.title, Literal(settings.publisher_name)))
    g.add((publisher, DCT.identifier, Literal(settings.publisher)))

    languages = [_typed(g, URIRef(str(row["language"].value)), DCT.LinguisticSystem)
                 for row in store.select(text("export-languages"))]
    spatial = _coverage(g, store)
    dates = store.select(text("export-dates"))
    first, last = (dates[0].get(k) if dates else None for k in ("first", "last"))

    _typed(g, catalog, DCAT.Catalog)
    _titled(g, catalog,
            ("Passerelle: integration services and practices in rural Europe",
             "Passerelle : services et pratiques d'intégration en Europe rurale"),
            ("Linked data about the organisations, services and practices that help migrants and "
             "refugees settle in rural Europe.",
             "Données liées sur les organisations, services et pratiques qui aident les migrants "
             "et les réfugiés à s'installer dans l'Europe rurale."))
    g.add((catalog, DCT.publisher, publisher))
    g.add((catalog, FOAF.homepage, homepage))
    g.add((catalog, DCT.license, licence))
    g.add((catalog, DCAT.dataset, dataset))
    g.add((catalog, DCAT.service, service))
    g.add((catalog, DCAT.themeTaxonomy, _typed(g, URIRef(EU + "data-theme"),
                                                SKOS.ConceptScheme)))
    g.add((URIRef(EU + "data-theme"), DCT.title, Literal("Data theme", lang="en")))
    for language in (URIRef(EU + "language/ENG"), URIRef(EU + "language/FRA")):
        g.add((catalog, DCT.language, _typed(g, language, DCT.LinguisticSystem)))
    for place in spatial:
        g.add((catalog, DCT.spatial, place))
    if first is not None:
        g.add((catalog, DCT.issued, Literal(first.value, datatype=XSD.date)))
    if last is not None:
        g.add((catalog, DCT.modified, Literal(last.value, datatype=XSD.date)))

    _typed(g, dataset, DCAT.Dataset)
    _titled(g, dataset, ("Passerelle knowledge graph", "Graphe de connaissances Passerelle"),
            ("Organisations, services (with eligibility by beneficiary status, service types and "
             "areas), practices, projects and events of migrant and refugee integration in rural "
             "Europe, with the vocabularies that define them and the provenance of every named "
             "graph.",
             "Organisations, services (avec l'éligibilité par statut, les types de service et les "
             "zones), pratiques, projets et événements de l'intégration des migrants et réfugiés "
             "dans l'Europe rurale, avec les vocabulaires qui les définissent et la provenance de "
             "chaque graphe nommé."))
    g.add((dataset, DCT.publisher, publisher))
    g.add((dataset, DCAT.contactPoint, _contact(g, base, settings)))
    for lang, words in KEYWORDS.items():
        for word in words:
            g.add((dataset, DCAT.keyword, Literal(word, lang=lang)))
    for code, (en, fr) in THEMES.items():
        theme = _typed(g, THEME[code], SKOS.Concept)
        _both(g, theme, SKOS.prefLabel, en, fr)
        g.add((dataset, DCAT.theme, theme))
    for language in languages:
        g.add((dataset, DCT.language, language))
    for place in spatial:
        g.add((dataset, DCT.spatial, place))
    if last is not None:
        g.add((dataset, DCT.modified, Literal(last.value, datatype=XSD.date)))
    for dump in files.values():
        g.add((dataset, DCAT.distribution, _distribution(g, base, dump, licence)))

    _typed(g, service, DCAT.DataService)
    _titled(g, service, ("Passerelle SPARQL endpoint", "Point d'accès SPARQL Passerelle"),
            ("Read-only SPARQL 1.1 query endpoint over the whole graph, with a time limit.",
             "Point d'accès SPARQL 1.1 en lecture seule sur tout le graphe, avec une limite de "
             "temps."))
    g.add((service, DCAT.endpointURL, URIRef(base + "/sparql")))
    g.add((service, DCAT.endpointDescription, URIRef(base + "/openapi.json")))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((service, DCT.conformsTo, _typed(g, SPARQL_PROTOCOL, DCT.Standard)))
    g.add((service, DCT.publisher, publisher))
    g.add((service, DCAT.contactPoint, _contact(g, base, settings)))
    g.add((service, DCT.license, licence))
    for code in THEMES:
        g.add((service, DCAT.theme, THEME[code]))
    for word in ("SPARQL", "linked data"):
        g.add((service, DCAT.keyword, Literal(word, lang="en")))
    return g


def _coverage(g: Graph, store: Store) -> list[URIRef]:
    """EU country-table IRIs of the countries covered, then the NUTS IRIs of the regions."""
    countries, regions = [], []
    for row in store.select(text("export-coverage")):
        if int(row["level"].value) == 0 and row["code"].value in NUTS_COUNTRY:
            countries.append(COUNTRY[NUTS_COUNTRY[row["code"].value]])
        regions.append(URIRef(row["nuts"].value))
    places = sorted(set(countries)) + sorted(set(regions))
    for place in places:
        _typed(g, place, DCT.Location)
    return places


def _contact(g: Graph, base: str, settings: Settings) -> URIRef:
    contact = _typed(g, URIRef(f"{base}/catalog#contact"), VCARD.Kind)
    g.add((contact, VCARD.fn, Literal(settings.publisher_name)))
    g.add((contact, VCARD.hasURL, URIRef(base + "/")))
    if settings.contact_email:
        g.add((contact, VCARD.hasEmail, URIRef("mailto:" + settings.contact_email)))
    return contact


def _distribution(g: Graph, base: str, dump: Dump, licence: URIRef) -> URIRef:
    url = URIRef(f"{base}/export/{dump.name}")
    node = _typed(g, URIRef(f"{base}/catalog#{dump.name}"), DCAT.Distribution)
    g.add((node, DCAT.accessURL, url))
    g.add((node, DCAT.downloadURL, url))
    if dump.profile == "cpsv-ap":
        _titled(g, node,
                ("Services in the CPSV-AP 3.2.0 profile (Turtle)",
                 "Services au profil CPSV-AP 3.2.0 (Turtle)"),
                ("The services described as CPSV-AP public services; only those with a known "
                 "competent public authority (see the file's own rdfs:comment).",
                 "Les services décrits comme services publics CPSV-AP ; seulement ceux dont "
                 "l'autorité publique compétente est connue (voir le rdfs:comment du fichier)."))
        g.add((node, DCT.conformsTo, _typed(g, CPSV_AP, DCT.Standard)))
    else:
        _both(g, node, DCT.title, f"Whole graph ({dump.fmt.label})",
              f"Graphe complet ({dump.fmt.label})")
        kept = dump.fmt.dataset
        _both(g, node, DCT.description,
              f"The whole graph in {dump.fmt.label}"
              + (", named graphs kept." if kept else ", named graphs merged."),
              f"Le graphe complet en {dump.fmt.label}"
              + (", graphes nommés conservés." if kept else ", graphes nommés fusionnés."))
    g.add((node, DCT.format, _typed(g, FILE_TYPE[FILE_TYPES[dump.fmt.name]],
                                     DCT.MediaTypeOrExtent)))
    g.add((node, DCAT.mediaType, _typed(g, URIRef(IANA + dump.fmt.media_type), DCT.MediaType)))
    g.add((node, DCT.license, licence))
    g.add((node, DCATAP.availability, _typed(g, AVAILABLE, SKOS.Concept)))
    _both(g, AVAILABLE, SKOS.prefLabel, "available", "disponible")
    g.add((node, DCAT.byteSize, Literal(len(dump.data), datatype=XSD.nonNegativeInteger)))
    checksum = URIRef(f"{base}/catalog#{dump.name}-sha256")
    g.add((node, SPDX.checksum, _typed(g, checksum, SPDX.Checksum)))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, Literal(dump.sha256, datatype=XSD.hexBinary)))
    return node
