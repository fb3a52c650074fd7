"""The bundled seed graph tells the truth of its sources, and the corrections to it hold.

Each file in graph/data is one named graph. Every service and organisation in it cites, with
dct:source, pages the graph itself lists in prov:wasDerivedFrom; graph/data/SOURCES.md lists
exactly those pages, with the passages that support the statements. The tests below also pin the
statements an audit of the seed found wrong, so that they cannot come back, and the statutory
programmes' eligibility as their sources state it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "graph" / "data"
SEED = sorted(DATA.glob("*.ttl"))
SOURCES_FILE = DATA / "SOURCES.md"
PAS = Namespace("https://w3id.org/passerelle/ontology#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
ID = Namespace("https://w3id.org/passerelle/id/")
GRAPH = Namespace("https://w3id.org/passerelle/graph/")
STATUS = Namespace(ID + "status/")
REGION = Namespace(ID + "region/")
SIRA_REGIONS = ("FRL06", "FRK24", "FRI21", "FRC13", "ES242", "ES417", "ES424", "PL51", "PL9",
                "EL611")


def parsed(path: Path) -> Graph:
    return Graph().parse(path)


@pytest.fixture(scope="module")
def seed() -> Graph:
    union = Graph()
    for path in SEED:
        union += parsed(path)
    return union


@pytest.fixture(scope="module")
def regions() -> Graph:
    return Graph().parse(ROOT / "ontology" / "regions.ttl")


def derived_from(graph: Graph, path: Path) -> set[URIRef]:
    return set(graph.objects(GRAPH[path.stem], PROV.wasDerivedFrom))


def test_seed_files_collected():
    assert [p.stem for p in SEED] == ["organisations", "pilot-actions", "platforms", "share-sira",
                                      "statutory-programmes", "vaucluse"]


@pytest.mark.parametrize("path", SEED, ids=lambda p: p.stem)
def test_every_service_and_organisation_cites_its_graphs_sources(path):
    graph = parsed(path)
    sources = derived_from(graph, path)
    assert sources, f"{path.name} lists no source"
    assert isinstance(graph.value(GRAPH[path.stem], PAS.lastChecked), Literal)
    subjects = {s for kind in (PAS.Service, PAS.Organisation, PAS.Network)
                for s in graph.subjects(RDF.type, kind)}
    for subject in subjects:
        cited = set(graph.objects(subject, DCTERMS.source))
        assert cited, f"{subject} cites no source"
        assert all(isinstance(c, URIRef) for c in cited), subject
        assert cited <= sources, f"{subject} cites pages {path.name} omits: {cited - sources}"


def located_by(regions: Graph) -> set[str]:
    """The pages the municipalities' reference points cite (in the regions vocabulary)."""
    return {str(s) for place in regions.subjects(SCHEMA.geo, None)
            for s in regions.objects(place, DCTERMS.source)}


def test_sources_file_lists_exactly_the_graphs_sources(regions):
    listed = set(re.findall(r"^<(https?://[^>\s]+)>", SOURCES_FILE.read_text(encoding="utf-8"),
                            flags=re.MULTILINE))
    seed = {str(s) for path in SEED for s in derived_from(parsed(path), path)}
    assert len(seed) == 127
    assert len(located_by(regions)) == 17
    used = seed | located_by(regions)
    assert listed - used == set(), "sources listed but cited by no graph"
    assert used - listed == set(), "sources cited but not listed in SOURCES.md"


def test_every_reference_point_cites_one_source(regions):
    """A place's coordinates come from the page it cites, never from nowhere."""
    places = set(regions.subjects(SCHEMA.geo, None))
    assert len(places) == 17
    for place in places:
        assert len(set(regions.objects(place, DCTERMS.source))) == 1, place
        point = regions.value(place, SCHEMA.geo)
        latitude = float(regions.value(point, SCHEMA.latitude))
        longitude = float(regions.value(point, SCHEMA.longitude))
        assert 34 < latitude < 72 and -25 < longitude < 35, place  # inside Europe


def test_sources_file_quotes_every_source():
    text = SOURCES_FILE.read_text(encoding="utf-8")
    blocks = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    assert len(blocks) == 144
    for block in blocks:
        assert re.search(r"^- .+", block, flags=re.MULTILINE), block.splitlines()[0]


# --- Corrections --------------------------------------------------------------------------------

def test_agir_vaucluse_eligibility_is_not_stated(seed):
    agir = ID["service/agir-vaucluse"]
    assert (agir, PAS.eligibleStatus, None) not in seed
    assert (agir, PAS.openToAllStatuses, None) not in seed
    notes = " ".join(seed.objects(agir, PAS.uncertaintyNote))
    assert "not stated" in notes and "purpose" in notes


def test_the_farm_no_longer_includes_the_reception_centre(seed):
    farm = ID["service/commune-ferme-training"]
    description = " ".join(str(d) for d in seed.objects(farm, SCHEMA.description))
    assert "hosting and reception facility" not in description
    assert set(seed.objects(farm, PAS.serviceArea)) == {REGION.lauris}
    assert seed.value(farm, PAS.openToAllStatuses) == Literal(True)


def test_organisers_the_sources_name_are_present(seed):
    org = Namespace(ID + "organisation/")
    expected = {
        "vaucluse-roundtable-1": {org["entraide-pierre-valdo"], org["icmc-europe"]},
        "vaucluse-roundtable-2": {org["entraide-pierre-valdo"], org["icmc-europe"]},
        "vaucluse-roundtable-4": {org["entraide-pierre-valdo"]},
        "look-and-learn-siguenza": {org["icmc-europe"], org["iom-spain"], org["fundacion-cepaim"]},
        "spain-national-roundtable-2022": {org["fundacion-cepaim"], org["iom-spain"]},
        "share-sira-transnational-conference": {org["icmc-europe"],
                                                org["iom-regional-office-brussels"]},
    }
    for event, organisers in expected.items():
        assert set(seed.objects(ID["event/" + event], PAS.organiser)) == organisers, event


def test_uncertainty_notes_a_cited_source_answers_are_gone(seed):
    conference = ID["event/share-sira-transnational-conference"]
    assert not list(seed.objects(conference, PAS.uncertaintyNote))
    grenoble = ID["event/look-and-learn-grenoble"]
    assert "planned" not in str(seed.value(grenoble, SCHEMA.name))
    notes = seed.objects(grenoble, PAS.uncertaintyNote)
    assert not any("whether it took place" in n for n in notes)


def test_teruel_pilot_is_named_and_implemented(seed):
    pilot = ID["practice/psicara-teruel"]
    assert Literal("Integrando Más Allá", lang="es") in set(seed.objects(pilot, SCHEMA.name))
    assert seed.value(pilot, PAS.implementedBy) == ID["organisation/psicara"]


def test_organisation_types_the_sources_state(seed):
    kinds = {
        "fundacion-cepaim": "foundation", "karditsa-cooperative-bank": "cooperative",
        "iom-spain": "international-organisation", "iom-poland": "international-organisation",
        "iom-regional-office-brussels": "international-organisation", "accem": "association",
        "psicara": "association", "house-of-peace": "foundation", "nomada": "association",
        "chs-avignon-montfavet": "public-body", "ofii": "public-body",
    }
    for organisation, kind in kinds.items():
        assert (ID["organisation/" + organisation], ORG.classification,
                ID["organisation-type/" + kind]) in seed, organisation


def test_au_maquis_workshops_cover_health(seed):
    types = set(seed.objects(ID["service/au-maquis-workshops-cavaillon"], PAS.serviceType))
    assert ID["service-type/health"] in types


def test_mazovia_is_the_whole_voivodeship(seed):
    assert set(seed.objects(ID["platform/mazovia"], PAS.region)) == {REGION.PL9}


def test_region_names_are_tagged_with_their_language(regions):
    assert Literal("Spain", lang="en") in set(regions.objects(REGION.ES, SKOS.prefLabel))
    assert Literal("Poland", lang="en") in set(regions.objects(REGION.PL, SKOS.prefLabel))
    for region, native in ((REGION.ES, "España"), (REGION.PL, "Polska"),
                           (REGION.PL51, "Dolnośląskie")):
        tags = {label.language for label in regions.objects(region, SKOS.prefLabel | SKOS.altLabel)
                if str(label) == native}
        assert tags == {"es" if region == REGION.ES else "pl"}, region


# --- Statutory programmes -----------------------------------------------------------------------

def broader_or_self(regions: Graph, region: URIRef) -> set[URIRef]:
    return {region, *regions.transitive_objects(region, SKOS.broader)}


@pytest.mark.parametrize("code", SIRA_REGIONS)
def test_every_sira_region_has_a_statutory_programme_for_a_refugee(seed, regions, code):
    graph = parsed(DATA / "statutory-programmes.ttl")
    around = broader_or_self(regions, REGION[code])
    refugee = broader_or_self(Graph().parse(ROOT / "ontology" / "statuses.ttl"), STATUS.refugee)
    found = [s for s in graph.subjects(RDF.type, PAS.Service)
             if around & set(graph.objects(s, PAS.serviceArea))
             and (refugee & set(graph.objects(s, PAS.eligibleStatus))
                  or graph.value(s, PAS.openToAllStatuses) == Literal(True))]
    assert found, code


def test_statutory_eligibility_as_the_sources_state_it(seed):
    def statuses(name):
        return {str(s).rsplit("/", 1)[1] for s in seed.objects(ID["service/" + name],
                                                                PAS.eligibleStatus)}
    assert statuses("agir") == {"international-protection"}
    assert statuses("cir") == {"refugee", "subsidiary-protection", "third-country-national"}
    assert statuses("asylum-reception-france") == {"asylum-seeker"}
    assert statuses("ipi") == statuses("ipi-warszawa") == {"refugee", "subsidiary-protection"}
    assert statuses("pl-ukraine-temporary-protection") == {"temporary-protection"}
    assert statuses("helios") == {"international-protection", "temporary-protection"}
    assert statuses("sistema-acogida-proteccion-internacional") == {
        "asylum-seeker", "international-protection", "temporary-protection", "stateless"}
    assert "60 dni" in str(seed.value(ID["service/ipi"], PAS.howToApply))
    agir_notes = " ".join(seed.objects(ID["service/agir"], PAS.uncertaintyNote))
    assert "Ukraine" in agir_notes


def test_a_suspended_programme_is_marked_so(seed):
    helios = ID["service/helios"]
    assert seed.value(helios, PAS.serviceStatus) == ID["service-status/temporarily-closed"]
    assert "2024" in str(seed.value(helios, SCHEMA.description))


def test_public_programmes_name_a_public_authority_with_a_region(seed):
    public = ID["organisation-type/public-body"]
    for name in ("cir", "agir", "asylum-reception-france", "cph",
                 "sistema-acogida-proteccion-internacional", "ipi-warszawa", "helios",
                 "helios-plus-thessaly"):
        providers = list(seed.objects(ID["service/" + name], PAS.provider))
        assert any((p, ORG.classification, public) in seed and seed.value(p, PAS.region)
                   for p in providers), name


def test_dates_checked_are_full_dates(seed):
    for path in SEED:
        checked = parsed(path).value(GRAPH[path.stem], PAS.lastChecked)
        assert checked.datatype == XSD.date, path.name


# --- Countries and contacts ---------------------------------------------------------------------

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def address_values(seed: Graph, subject: URIRef, part: URIRef) -> set[str]:
    return {str(v) for a in seed.objects(subject, SCHEMA.address) for v in seed.objects(a, part)}


def test_organisations_have_the_country_their_sources_state(seed):
    countries = {
        "viltais": "FR", "au-maquis": "FR", "institut-don-bosco": "FR",
        "association-familiale-protestante-saint-etienne": "FR", "entraide-protestante-lyon": "FR",
        "share-network": "BE", "accem": "ES", "karditsa-cooperative-bank": "GR",
        "house-of-peace": "PL", "nomada": "PL", "university-of-wroclaw": "PL", "iom-poland": "PL",
    }
    for name, country in countries.items():
        found = address_values(seed, ID["organisation/" + name], SCHEMA.addressCountry)
        assert found == {country}, name


def test_no_country_where_no_source_states_one(seed):
    for name in ("diaconat-protestant-chambon-sur-lignon", "humanity", "ligue-enseignement-isere",
                 "wazo-coop", "ukraina-foundation", "wroclaw-education-centre", "ccoo",
                 "celtiberia-digital-microcoop-clm", "diocesan-delegation-for-migration"):
        assert not list(seed.objects(ID["organisation/" + name], SCHEMA.address)), name


def test_every_phone_is_e164_and_every_contact_cites_its_page(seed):
    phones = {str(p) for p in seed.objects(None, SCHEMA.telephone)}
    assert phones >= {"+48883047310", "+3222877000", "+48224902044", "+48726379438"}
    assert all(E164.match(p) for p in phones), phones
    for holder in set(seed.subjects(SCHEMA.contactPoint, None)):
        assert list(seed.objects(holder, DCTERMS.source)), holder


def test_contacts_copied_from_their_sources(seed):
    peace = ID["organisation/house-of-peace"]
    assert address_values(seed, peace, SCHEMA.streetAddress) == {"ul. Łokietka 5/1"}
    assert address_values(seed, peace, SCHEMA.postalCode) == {"50-243"}
    iom = ID["organisation/iom-poland"]
    assert address_values(seed, iom, SCHEMA.streetAddress) == {"Wiejska 12"}
    assert address_values(seed, iom, SCHEMA.postalCode) == {"00-490"}
    emails = {str(e) for e in seed.objects(None, SCHEMA.email)}
    assert {"dompokoju@dompokoju.org", "international@fundacjaukraina.eu"} <= emails
    dated = (peace, iom, ID["organisation/iom-regional-office-brussels"])
    for holder in dated:
        assert any("out of date" in n for n in seed.objects(holder, PAS.uncertaintyNote)), holder


def test_homepages_cite_a_page_on_their_own_site(seed):
    """A homepage added from the contacts fact sheet cites a page the organisation publishes
    on that site, not only the encyclopedia copy the sheet found it in."""
    red_cross = ID["organisation/spanish-red-cross"]
    assert set(seed.objects(red_cross, SCHEMA.url)) == {URIRef("https://www.cruzroja.es")}
    assert any(str(s).startswith("https://www.cruzroja.es/")
               for s in seed.objects(red_cross, DCTERMS.source))
