"""Competency questions: the example queries give the answers the seed graph's sources state.

Each file in graph/rdf/queries/examples/ is a question a caseworker or researcher asks. The tests
load the vocabularies and the bundled seed graph the way a store holds them (one named graph per
file, the default graph read as their union), run every question and compare the answers with
facts taken from the cited sources, so that a broken query, a wrong IRI or a lost fact all fail
here.
The seed files are also checked for their own provenance and for links to undescribed instances.
"""

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, Store

from passerelle.graph.rdf import queries

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "graph" / "rdf" / "queries" / "examples"
DATA_FILES = sorted((ROOT / "graph" / "data").glob("*.ttl"))
QUERY_FILES = sorted(EXAMPLES.glob("*.rq"))
EXPECTED_DATA_FILES = 6
EXPECTED_QUERIES = 12

GRAPH = "https://w3id.org/passerelle/graph/"
ID = "https://w3id.org/passerelle/id/"
ORG = ID + "organisation/"
SERVICE = ID + "service/"
PRACTICE = ID + "practice/"
PLATFORM = ID + "platform/"
EPV = ORG + "entraide-pierre-valdo"


@pytest.fixture(scope="module")
def store():
    """The ontology files and the seed graph, each in its own named graph."""
    loaded = Store()
    for path in sorted((ROOT / "ontology").glob("*.ttl")) + DATA_FILES:
        loaded.load(path=path, format=RdfFormat.TURTLE, to_graph=NamedNode(GRAPH + path.stem))
    # The closure a Passerelle store derives (pas:broaderOrSelf), which the shared rules use.
    closure = loaded.query("""
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?c ?b WHERE {
            { SELECT DISTINCT ?c WHERE { { ?c a skos:Concept } UNION { ?c skos:inScheme ?s } } }
            ?c skos:broader* ?b }""", use_default_graph_as_union=True)
    loaded.extend([Quad(row["c"], NamedNode("https://w3id.org/passerelle/ontology#broaderOrSelf"),
                        row["b"], NamedNode(GRAPH + "inferred")) for row in closure])
    return loaded


def select(store, text):
    """Rows of a SELECT as dicts of plain values (None where unbound)."""
    results = store.query(text, use_default_graph_as_union=True)
    names = [variable.value for variable in results.variables]
    return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in results]


def ask(store, name, replace=None):
    """Run the example query `name`, optionally swapping one term for another first."""
    text = queries.expand((EXAMPLES / f"{name}.rq").read_text(encoding="utf-8"))
    if replace:
        old, new = replace
        assert old in text
        text = text.replace(old, new)
    return select(store, text)


def test_expected_files_are_present():
    assert len(QUERY_FILES) == EXPECTED_QUERIES
    assert len(DATA_FILES) == EXPECTED_DATA_FILES


@pytest.mark.parametrize("path", QUERY_FILES, ids=lambda p: p.stem)
def test_each_example_is_documented_and_answers(store, path):
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# title: ") and len(lines[0]) > len("# title: ")
    assert lines[1].startswith("# description: ") and len(lines[1]) > len("# description: ")
    assert ask(store, path.stem), f"{path.name} returned no rows"


def test_vaucluse_roundtables(store):
    rows = ask(store, "vaucluse-roundtables")
    assert [(r["ordinal"], r["date"], r["participants"]) for r in rows] == [
        ("1", "2021-04-22", "24"),
        ("2", "2021-07-27", "10"),
        ("3", "2021-10-06", "16"),
        ("4", "2022-05-09", "8"),
    ]
    assert all(r["online"] == "true" for r in rows)
    # Each roundtable's own page names its organisers: Entraide Pierre Valdo with ICMC Europe,
    # except the fourth, organised by Entraide Pierre Valdo "with the support of" the network.
    assert all("Entraide Pierre Valdo" in r["organisers"] for r in rows)
    assert ["ICMC Europe" in r["organisers"] for r in rows] == [True, True, True, False]


def test_only_the_commune_ferme_is_open_to_all_in_vaucluse(store):
    rows = ask(store, "services-open-to-all-in-vaucluse")
    assert {r["service"] for r in rows} == {SERVICE + "commune-ferme-training"}
    assert rows[0]["area"] == ID + "region/lauris"


def test_platform_partners(store):
    rows = ask(store, "platform-partners")
    ran = {(r["platform"].removeprefix(PLATFORM), r["partner"].removeprefix(ORG)) for r in rows}
    spanish = {"iom-spain", "fundacion-cepaim"}
    assert ran == (
        {(p, "entraide-pierre-valdo") for p in ("vaucluse", "isere", "correze", "saone-et-loire")}
        | {(p, o) for p in ("teruel", "soria", "guadalajara") for o in spanish}
        | {("lower-silesia", "iom-poland"), ("mazovia", "iom-poland"), ("karditsa", "anka")}
    )
    by_platform = {r["platform"].removeprefix(PLATFORM): r for r in rows}
    assert by_platform["mazovia"]["regionCodes"] == "PL9"
    assert by_platform["lower-silesia"]["regionCodes"] == "PL51"
    assert "PL22" in by_platform["lower-silesia"]["uncertainty"]
    assert by_platform["guadalajara"]["uncertainty"]
    assert not by_platform["teruel"]["uncertainty"]


def test_share_sira_partners_by_country(store):
    rows = ask(store, "share-sira-partners-by-country")
    by_country = {}
    for r in rows:
        by_country.setdefault(r["country"], set()).add(r["partner"].removeprefix(ORG))
    assert by_country == {
        "BE": {"icmc-europe", "iom-regional-office-brussels"},
        "ES": {"iom-spain", "fundacion-cepaim"},
        "PL": {"iom-poland"},
        "GR": {"anka"},
        "FR": {"entraide-pierre-valdo"},
    }
    assert [r["partner"] for r in rows if r["coordinator"] == "true"] == [ORG + "icmc-europe"]


def test_practices_presented_at_events(store):
    rows = ask(store, "practices-presented-at-events")
    presented = {(r["event"].rsplit("/", 1)[1], r["practice"].removeprefix(PRACTICE)) for r in rows}
    assert presented == {
        ("vaucluse-roundtable-3", "numa"),
        ("vaucluse-roundtable-3", "agir-vaucluse"),
        ("vaucluse-roundtable-3", "commune-ferme"),
        ("vaucluse-roundtable-4", "commune-ferme"),
    }
    implementers = {r["practice"].removeprefix(PRACTICE): r["implementer"] for r in rows}
    assert implementers == {"numa": None, "agir-vaucluse": None, "commune-ferme": ORG + "au-maquis"}


def test_a_search_for_employment_finds_vocational_training(store):
    rows = ask(store, "services-by-need")
    assert {(r["service"].removeprefix(SERVICE), r["type"].rsplit("/", 1)[1]) for r in rows} == {
        ("agir-vaucluse", "employment"),
        ("commune-ferme-training", "vocational-training"),
        ("ene", "vocational-training"),
        ("agir", "employment"),
        ("wcpr-foreigners-support-centre", "employment"),
        ("helios", "employment"),
        ("helios-plus-thessaly", "employment"),
        ("helios-plus-thessaly", "vocational-training"),
    }


OPEN_TO_ALL = {"commune-ferme-training", "wcpr-foreigners-support-centre"}
FOR_PROTECTED = {"agir", "cph", "sistema-acogida-proteccion-internacional", "helios",
                 "helios-plus-thessaly"}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("refugee", OPEN_TO_ALL | FOR_PROTECTED | {"cir", "ipi", "ipi-warszawa",
                                                    "chs-accueil-consultations-migrants"}),
        ("subsidiary-protection", OPEN_TO_ALL | FOR_PROTECTED | {"cir", "ipi", "ipi-warszawa"}),
        # A client known only as "protected" matches services for all of international
        # protection, not those listing refugees and subsidiary protection one by one.
        ("international-protection", OPEN_TO_ALL | FOR_PROTECTED),
        ("asylum-seeker", OPEN_TO_ALL | {"asylum-reception-france",
                                         "chs-accueil-consultations-migrants",
                                         "sistema-acogida-proteccion-internacional"}),
    ],
)
def test_services_for_status(store, status, expected):
    rows = ask(store, "services-for-status", replace=("status:refugee", f"status:{status}"))
    assert {r["service"].removeprefix(SERVICE) for r in rows} == expected


def test_pilot_actions_by_region(store):
    rows = ask(store, "pilot-actions-by-region")
    found = {r["pilot"].removeprefix(PRACTICE): (r["country"], r["nutsCode"]) for r in rows}
    assert len(rows) == len(found) == 8
    assert found["commune-ferme"] == ("FR", "FRL06")
    assert found["ene"] == ("ES", "ES424")
    assert found["psicara-teruel"] == ("ES", "ES242")
    assert found["welcome-to-poland"] == ("PL", "PL51")
    assert found["karditsa-pilot"] == ("EL", "EL611")
    implementers = {r["pilot"].removeprefix(PRACTICE): r["implementer"] for r in rows}
    assert implementers["commune-ferme"] == ORG + "au-maquis"
    assert implementers["ene"] == ORG + "accem"


@pytest.mark.parametrize("path", DATA_FILES, ids=lambda p: p.stem)
def test_seed_file_states_its_provenance(store, path):
    graph = f"<{GRAPH}{path.stem}>"
    sources = select(store, f"""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX pas: <https://w3id.org/passerelle/ontology#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        SELECT ?source WHERE {{ GRAPH {graph} {{
            {graph} a prov:Entity ; prov:wasDerivedFrom ?source ; pas:lastChecked ?checked ;
                prov:wasAttributedTo ?agent .
            FILTER(DATATYPE(?checked) = xsd:date)
        }} }}""")
    assert sources, f"{path.name} does not state where it comes from and when it was checked"
    cited = select(store, f"""
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT DISTINCT ?source WHERE {{ GRAPH {graph} {{
            ?s dct:source ?source FILTER(isIRI(?source))
        }} }}""")
    missing = {r["source"] for r in cited} - {r["source"] for r in sources}
    assert not missing, f"cited but not in prov:wasDerivedFrom: {sorted(missing)}"


def test_no_instance_link_is_dangling(store):
    data_graphs = " ".join(f"<{GRAPH}{path.stem}>" for path in DATA_FILES)
    rows = select(store, f"""
        SELECT DISTINCT ?o WHERE {{
            VALUES ?g {{ {data_graphs} }}
            GRAPH ?g {{ ?s ?p ?o }}
            FILTER(isIRI(?o) && STRSTARTS(STR(?o), "{ID}"))
            FILTER NOT EXISTS {{ ?o ?property ?value }}
        }}""")
    assert [r["o"] for r in rows] == []


def test_coverage_example_counts_the_farm_as_open_to_asylum_seekers(store):
    rows = ask(store, "coverage-by-need-and-status")
    found = {(r["needCode"], r["statusCode"], r["eligibility"]): int(r["services"]) for r in rows}
    # La Commune Ferme (Lauris, open to all) trains for employment; AGIR (Vaucluse) states no
    # eligibility; the national AGIR programme is for international protection.
    assert found[("employment", "asylum-seeker", "open-to-all")] == 1
    assert found[("employment", "asylum-seeker", "not-stated")] == 1
    assert ("employment", "asylum-seeker", "restricted") not in found
    assert found[("employment", "international-protection", "restricted")] == 1


def test_gap_example_finds_no_need_open_to_asylum_seekers_in_teruel(store):
    rows = ask(store, "gap-needs-closed-to-a-status")
    # Spain's reception system for applicants for international protection covers Teruel with
    # housing and social orientation; nothing else is stated as open to asylum seekers there.
    assert len(rows) == 13
    assert {"housing", "social-orientation"}.isdisjoint(r["needCode"] for r in rows)
    rows = ask(store, "gap-needs-closed-to-a-status", replace=("region:ES242", "region:FRL06"))
    closed = {r["needCode"] for r in rows}
    assert "employment" not in closed and "mental-health" not in closed
    assert "childcare" in closed


def test_gap_example_mental_health_for_refugees_only(store):
    rows = ask(store, "gap-covered-for-refugees-only")
    # The Avignon-Montfavet unit takes asylum seekers and refugees, not subsidiary protection.
    assert {(r["regionCode"], r["needCode"]) for r in rows} == {
        ("FRL06", "mental-health"), ("FRL06", "health")}


def test_gap_example_needs_met_only_where_eligibility_is_not_stated(store):
    rows = ask(store, "gap-eligibility-never-stated")
    found = {(r["regionCode"], r["needCode"]) for r in rows}
    assert ("ES424", "language") in found
    assert not any(region == "FRL06" for region, _ in found)
