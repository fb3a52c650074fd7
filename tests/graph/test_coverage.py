"""The coverage matrix counts what the search finds: for every cell of every SHARE SIRA region's
matrix, on the seed graph and on a generated graph, ``total`` is the total of the same search,
``not_stated`` is what ``include_unknown`` adds, and the rules split the total without overlap.
Also: the shared rules are included as written once, gaps are the cells nobody is open to, and
unknown codes are refused by parameter. Every check runs on both paths of the counting: the search
index's sets and the SPARQL question."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.generate import Generator
from passerelle.graph.rdf import queries
from passerelle.graph.read import coverage, factfile, search_index
from passerelle.graph.read.codes import UnknownCode
from passerelle.graph.read.search import SearchParams, bind, compute
from passerelle.graph.store.bundle import open_store
from passerelle.graph.write.loader import load

SIRA = ["EL611", "ES242", "ES417", "ES424", "FRC13", "FRI21", "FRK24", "FRL06", "PL51", "PL9"]
"""The ten regions of the SHARE SIRA platforms, as the seed graph records them."""
ALL_NEEDS, ALL_STATUSES = 15, 8
PATHS = pytest.mark.parametrize("index", [True, False], ids=["index", "sparql"])
"""The two ways ``coverage.matrices`` counts; each must give the search's totals."""


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    return open_store(tmp_path_factory.mktemp("coverage") / "seed", seed=True)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A synthetic graph of about 10,000 triples from the benchmark's generator (no platforms:
    services spread over the real NUTS regions, the SIRA ones among them)."""
    folder = tmp_path_factory.mktemp("coverage-generated")
    path = folder / "synthetic.nq"
    path.write_text("".join(Generator(10_000, seed=11).lines()), encoding="utf-8")
    store = open_store(folder / "store")
    load(store, [path], validate_first=False)
    return store


def search_totals(store, region: str, need: str, status: str) -> tuple[int, int]:
    """The search's totals without and with ``include_unknown``: what ``compute`` counts (the
    services of its "match" query), without describing a page."""
    def total(**extra) -> int:
        params = SearchParams(need=(need,), status=(status,), region=(region,), **extra)
        return len({row[0].value for row in store.query(bind(store, params).query("match"))})

    return total(), total(include_unknown=True)


def assert_matches_search(store, matrices: list[coverage.Matrix]) -> int:
    checked = 0
    for matrix in matrices:
        for cell in matrix.cells:
            known, widened = search_totals(store, matrix.region.code, cell.need, cell.status)
            where = (matrix.region.code, cell.need, cell.status)
            assert cell.total == known, where
            assert cell.open_to_all + cell.restricted == cell.total, where
            assert cell.open_to_all + cell.restricted + cell.not_stated == widened, where
            checked += 1
    return checked


def test_the_seed_graph_has_the_ten_sira_regions(seed):
    assert [r.code for r in factfile.regions(seed)] == SIRA


@PATHS
def test_every_cell_of_every_sira_region_matches_the_search_on_the_seed_graph(seed, index):
    found = coverage.matrices(seed, SIRA, depth=coverage.MAX_DEPTH, index=index)
    assert [m.region.code for m in found] == SIRA
    assert all(len(m.needs) == ALL_NEEDS and len(m.statuses) == ALL_STATUSES for m in found)
    assert assert_matches_search(seed, found) == len(SIRA) * ALL_NEEDS * ALL_STATUSES
    cells = [c for m in found for c in m.cells]
    assert any(c.open_to_all for c in cells) and any(c.restricted for c in cells)
    assert any(c.not_stated for c in cells)


@PATHS
def test_every_cell_of_every_sira_region_matches_the_search_on_a_generated_graph(generated,
                                                                                  index):
    found = coverage.matrices(generated, SIRA, depth=coverage.MAX_DEPTH, index=index)
    assert assert_matches_search(generated, found) == len(SIRA) * ALL_NEEDS * ALL_STATUSES
    cells = [c for m in found for c in m.cells]
    assert sum(c.open_to_all for c in cells) and sum(c.restricted for c in cells)
    assert sum(c.not_stated for c in cells)


@PATHS
@settings(max_examples=25, deadline=None)
@given(region=st.sampled_from(["FR", "FRL06", "lauris", "cavaillon", "ES", "ES242", "PL", "PL9",
                               "PL911", "EL61"]),
       needs=st.lists(st.sampled_from(["language", "employment", "vocational-training",
                                       "health", "mental-health", "housing"]),
                      max_size=3, unique=True),
       statuses=st.lists(st.sampled_from(["asylum-seeker", "refugee", "international-protection",
                                          "subsidiary-protection", "temporary-protection"]),
                         max_size=3, unique=True),
       depth=st.integers(0, 2))
def test_any_region_and_any_axes_match_the_search(seed, index, region, needs, statuses, depth):
    found = coverage.matrices(seed, [region], needs, statuses, depth, index=index)
    assert_matches_search(seed, found)
    matrix = found[0]
    for cell in matrix.cells[:3]:
        answer = compute(seed, SearchParams(need=(cell.need,), status=(cell.status,),
                                            region=(region,), limit=1))
        assert answer.total == cell.total
    assert {c.need for c in matrix.cells} == {n.code for n in matrix.needs}
    assert len(matrix.cells) == len(matrix.needs) * len(matrix.statuses)


def test_the_index_path_counts_from_the_index_and_agrees_with_sparql(generated, monkeypatch):
    counted = []
    original = search_index.SearchIndex.coverage

    def spy(self, *args):
        counted.append(args[0])
        return original(self, *args)

    monkeypatch.setattr(search_index.SearchIndex, "coverage", spy)
    by_index = coverage.matrices(generated, SIRA, depth=1)  # the default on an embedded store
    assert counted == [m.region.iri for m in by_index]
    search_index.configure(generated, enabled=False)
    try:
        by_sparql = coverage.matrices(generated, SIRA, depth=1)
    finally:
        search_index.configure(generated, enabled=True)
    assert len(counted) == len(SIRA)
    assert coverage.table(by_index) == coverage.table(by_sparql)


def test_the_generated_graph_has_defunct_services_and_they_count_nowhere(generated):
    defunct = {row[0].value for row in generated.query(
        "SELECT ?s WHERE { ?s <https://w3id.org/passerelle/ontology#serviceStatus> "
        "<https://w3id.org/passerelle/id/service-status/defunct> }")}
    assert defunct
    everything = set(search_index.current(generated, wait=True).match())
    sparql = {row[0].value for row in generated.query(
        bind(generated, SearchParams()).query("match"))}
    assert everything == sparql and everything
    assert not defunct & everything


def test_axes_are_the_top_concepts_and_depth_adds_the_narrower_ones(seed):
    top = coverage.matrices(seed, ["FRL06"])[0]
    assert "employment" in top.as_dict()["needs"]
    assert "vocational-training" not in top.as_dict()["needs"]
    assert "refugee" not in top.as_dict()["statuses"]
    deeper = coverage.matrices(seed, ["FRL06"], ["employment"], ["international-protection"], 1)
    assert deeper[0].as_dict()["needs"] == ["employment", "vocational-training"]
    assert deeper[0].as_dict()["statuses"] == ["international-protection", "refugee",
                                               "subsidiary-protection"]


def test_vaucluse_counts_as_the_sources_state(seed):
    matrix = coverage.matrices(seed, ["FRL06"], depth=1)[0]
    # La Commune Ferme (Lauris, open to all), AGIR Vaucluse (eligibility not stated) and the
    # national AGIR programme (international protection) meet the need for employment.
    employment = matrix.cell("employment", "asylum-seeker")
    assert (employment.open_to_all, employment.restricted, employment.not_stated) == (1, 0, 1)
    assert matrix.cell("employment", "refugee").restricted == 1
    # The Avignon-Montfavet unit is for asylum seekers and refugees only.
    assert matrix.cell("mental-health", "refugee").total == 1
    assert matrix.cell("mental-health", "subsidiary-protection").total == 0


def test_gaps_are_the_needs_with_a_status_nobody_is_open_to(seed):
    matrix = coverage.matrices(seed, ["FRL06"])[0]
    gaps = {g.need: g for g in coverage.gaps(matrix)}
    assert "childcare" in gaps and gaps["childcare"].everyone and not gaps["childcare"].unstated
    assert "employment" not in gaps  # La Commune Ferme is open to all
    language = gaps["language"]
    assert "asylum-seeker" in language.statuses and not language.everyone
    assert language.unstated >= 1
    for gap in gaps.values():
        for status in gap.statuses:
            assert matrix.cell(gap.need, status).total == 0


@pytest.mark.parametrize("parameter, args", [
    ("region", (["FRL06", "nowhere"],)),
    ("need", (["FRL06"], ["not-a-need"])),
    ("status", (["FRL06"], [], ["not-a-status"])),
])
def test_unknown_codes_are_refused_by_parameter(seed, parameter, args):
    with pytest.raises(UnknownCode) as refused:
        coverage.matrices(seed, *args)
    assert refused.value.parameter == parameter


def test_search_coverage_and_examples_include_the_one_eligibility_rule():
    rule = queries.text("service-eligibility").strip()
    names = ["search-services", "coverage-matrix", "examples/coverage-by-need-and-status",
             "examples/gap-needs-closed-to-a-status", "examples/gap-covered-for-refugees-only",
             "examples/gap-eligibility-never-stated"]
    for name in names:
        text = queries.text(name)
        assert "pas:eligibleStatus ?matchedStatus" in text, name
        assert "\n".join(line.strip() for line in rule.splitlines()) in \
            "\n".join(line.strip() for line in text.splitlines()), name
    # Only the fragment states the rule; the search's "why" part reads the statuses back to
    # explain a match, it does not decide one.
    folder = Path(queries.__file__).parent
    stated = [p.name for p in folder.rglob("*.rq")
              if "?service pas:eligibleStatus ?matchedStatus" in
              p.read_text(encoding="utf-8").split("#if why")[0]]
    assert stated == ["service-eligibility.rq"]


def test_an_include_that_includes_itself_is_an_error():
    with pytest.raises(ValueError, match="includes itself"):
        queries.expand("#include service-eligibility", seen=("service-eligibility",))
