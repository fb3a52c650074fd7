"""The SKOS vocabularies hold the codes the API accepts and the hierarchies the eligibility,
need and region rules walk; these tests pin down what those rules rely on."""

import re
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDFS, SKOS

ONTOLOGY = Path(__file__).parents[2] / "ontology"
PAS = Namespace("https://w3id.org/passerelle/ontology#")
ID = "https://w3id.org/passerelle/id/"
NUTS = "http://data.europa.eu/nuts/code/"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
STEMS = [
    "statuses",
    "service-types",
    "regions",
    "languages",
    "organisation-types",
    "service-statuses",
    "urban-rural",
]
REQUIRED = {
    "statuses": {
        "asylum-seeker", "international-protection", "refugee", "subsidiary-protection",
        "temporary-protection", "stateless", "undocumented", "third-country-national",
    },
    "service-types": {
        "language", "employment", "vocational-training", "housing", "health", "mental-health",
        "education", "legal-aid", "social-orientation", "social-cohesion", "mobility",
        "digital-inclusion", "childcare", "financial-inclusion", "administrative-support",
    },
    "regions": {
        "FRL06", "FRK24", "FRI21", "FRC13", "ES242", "ES417", "ES424", "PL51", "PL91", "PL92",
        "EL611", "lauris", "cavaillon", "avignon",
    },
    "organisation-types": {
        "ngo", "association", "public-body", "cooperative", "network",
        "international-organisation", "foundation", "university",
    },
    "service-statuses": {"active", "temporarily-closed", "defunct"},
    "urban-rural": {"predominantly-urban", "intermediate", "predominantly-rural"},
}


@pytest.fixture(scope="module")
def graphs():
    return {stem: Graph().parse(ONTOLOGY / f"{stem}.ttl") for stem in STEMS}


@pytest.fixture(scope="module")
def union(graphs):
    g = Graph()
    for part in graphs.values():
        g += part
    return g


def scheme(stem):
    return URIRef(f"{ID}scheme/{stem}")


def concepts(g):
    return set(g.subjects(RDF.type, SKOS.Concept))


def by_notation(g, stem):
    return {str(g.value(c, SKOS.notation)): c for c in g.subjects(SKOS.inScheme, scheme(stem))}


@pytest.mark.parametrize("stem", STEMS)
def test_metadata_block(graphs, stem):
    g, node = graphs[stem], scheme(stem)
    assert (node, RDF.type, OWL.Ontology) in g
    if stem != "languages":
        assert (node, RDF.type, SKOS.ConceptScheme) in g
    assert g.value(node, OWL.versionIRI) == URIRef(
        f"https://w3id.org/passerelle/ontology/0.1.0/{stem}"
    )
    assert g.value(node, OWL.versionInfo) == Literal("0.1.0")
    assert g.value(node, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert g.value(node, DCTERMS.modified).datatype == XSD.date
    assert g.value(node, DCTERMS.source) is not None
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {o.language for o in g.objects(node, prop)} >= {"en", "fr"}, prop


@pytest.mark.parametrize("stem", STEMS)
def test_every_concept_is_complete(graphs, stem):
    g = graphs[stem]
    assert concepts(g), "no concepts"
    for c in concepts(g):
        notations = list(g.objects(c, SKOS.notation))
        assert len(notations) == 1, c
        assert notations[0].datatype is None and notations[0].language is None, c
        langs = [label.language for label in g.objects(c, SKOS.prefLabel)]
        assert sorted(lang for lang in langs if lang in ("en", "fr")) == ["en", "fr"], c
        in_scheme = list(g.objects(c, SKOS.inScheme))
        assert in_scheme, c
        assert g.value(c, RDFS.isDefinedBy) in in_scheme, c


def test_notations_unique_within_each_scheme(union):
    seen = defaultdict(set)
    for c, s in union.subject_objects(SKOS.inScheme):
        code = str(union.value(c, SKOS.notation))
        assert code not in seen[s], f"{code} twice in {s}"
        seen[s].add(code)


@pytest.mark.parametrize("stem", sorted(REQUIRED))
def test_required_notations_exist(graphs, stem):
    assert REQUIRED[stem] <= set(by_notation(graphs[stem], stem))


@pytest.mark.parametrize("stem", STEMS)
def test_broader_stays_in_scheme_and_has_no_cycle(graphs, stem):
    g = graphs[stem]
    for c in concepts(g):
        for parent in g.objects(c, SKOS.broader):
            assert (parent, RDF.type, SKOS.Concept) in g, parent
            assert set(g.objects(c, SKOS.inScheme)) & set(g.objects(parent, SKOS.inScheme))
        seen, frontier = set(), {c}
        while frontier:
            frontier = {p for node in frontier for p in g.objects(node, SKOS.broader)}
            assert c not in frontier, f"cycle through {c}"
            frontier -= seen
            seen |= frontier


@pytest.mark.parametrize("stem", [s for s in STEMS if s != "languages"])
def test_roots_are_top_concepts(graphs, stem):
    g = graphs[stem]
    for c in concepts(g):
        roots = set(g.objects(c, SKOS.topConceptOf))
        assert bool(roots) != bool(set(g.objects(c, SKOS.broader))), c
        for s in roots:
            assert (s, SKOS.hasTopConcept, c) in g, c


def test_status_hierarchy(graphs):
    g = graphs["statuses"]
    s = by_notation(g, "statuses")
    for narrower in ("refugee", "subsidiary-protection"):
        assert (s[narrower], SKOS.broader, s["international-protection"]) in g
    assert not set(g.objects(s["stateless"], SKOS.broader))
    assert not set(g.objects(s["asylum-seeker"], SKOS.broader))
    for code in ("undocumented", "third-country-national"):
        assert (s[code], SKOS.topConceptOf, scheme("statuses")) in g
    for c in s.values():
        assert {d.language for d in g.objects(c, SKOS.definition)} >= {"en", "fr"}, c


def test_service_type_hierarchy_and_mappings(graphs):
    g = graphs["service-types"]
    t = by_notation(g, "service-types")
    assert (t["vocational-training"], SKOS.broader, t["employment"]) in g
    assert (t["mental-health"], SKOS.broader, t["health"]) in g
    for c in t.values():
        assert any(d.language == "en" for d in g.objects(c, SKOS.definition)), c
        for prop in (SKOS.closeMatch, SKOS.broadMatch, SKOS.relatedMatch):
            for target in g.objects(c, prop):
                assert (target, SKOS.inScheme, scheme("service-types")) not in g, target
                assert (target, RDF.type, SKOS.Concept) in g, target


def test_nuts_concepts_match_their_code(graphs):
    g = graphs["regions"]
    nuts = [c for c in concepts(g) if (c, RDF.type, PAS.Municipality) not in g]
    assert len(nuts) == 33
    for c in nuts:
        code = str(g.value(c, SKOS.notation))
        assert c == URIRef(f"{ID}region/{code}")
        assert list(g.objects(c, SKOS.exactMatch)) == [URIRef(NUTS + code)]
        level = g.value(c, PAS.nutsLevel)
        assert level.datatype == XSD.integer and level.toPython() == len(code) - 2, code
        parent = g.value(c, SKOS.broader)
        if parent is not None:
            assert str(g.value(parent, SKOS.notation)) == code[:-1], code


def test_municipalities_sit_under_nuts3(graphs):
    g = graphs["regions"]
    towns = set(g.subjects(RDF.type, PAS.Municipality))
    assert len(towns) == 9
    for town in towns:
        parents = list(g.objects(town, SKOS.broader))
        assert len(parents) == 1, town
        assert g.value(parents[0], PAS.nutsLevel).toPython() == 3, town
        assert town == URIRef(f"{ID}region/{g.value(town, SKOS.notation)}")


def test_urban_rural_types_resolve(union):
    types = list(union.subject_objects(PAS.urbanRuralType))
    assert len(types) == 2
    for _region, kind in types:
        assert (kind, SKOS.inScheme, scheme("urban-rural")) in union, kind


def test_languages_have_iso_639_1_notations(graphs):
    g = graphs["languages"]
    assert len(concepts(g)) >= 22
    for c in concepts(g):
        assert re.fullmatch(re.escape(EU_LANGUAGE) + "[A-Z]{3}", str(c)), c
        assert re.fullmatch("[a-z]{2}", str(g.value(c, SKOS.notation))), c
