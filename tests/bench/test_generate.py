"""The benchmark's synthetic graph: deterministic, of the size asked, and valid like real data.

The benchmark's figures are only worth something if the graph it measures would pass the gate a
real service passes, and if two runs measure the same graph.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from bench.generate import (
    GRAPHS,
    Generator,
    municipality_code,
    read_vocabulary,
    seed_eligibility,
    write,
)
from passerelle.graph.rdf.namespaces import ID, PAS, SKOS
from passerelle.graph.validation.gate import validate

SAMPLE = 30


def generate(target: int, seed: int = 7) -> tuple[str, Generator]:
    generator = Generator(target, seed)
    return "".join(generator.lines()), generator


@pytest.fixture(scope="module")
def small() -> tuple[ox.Store, Generator]:
    text, generator = generate(12_000)
    store = ox.Store()
    store.load(text.encode(), format=ox.RdfFormat.N_QUADS)
    return store, generator


def test_same_seed_same_bytes_other_seed_other_graph(tmp_path):
    first, second, other = tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.nq"
    write(first, 3_000, seed=1)
    write(second, 3_000, seed=1)
    write(other, 3_000, seed=2)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


@pytest.mark.parametrize("target", [2_000, 10_000, 100_000])
def test_size_is_close_to_the_target(target):
    text, generator = generate(target)
    lines = text.count("\n")
    assert lines == generator.summary.triples
    assert target <= lines <= target * 1.01 + 100


def test_eligibility_follows_the_seed_graph_proportions():
    shares = seed_eligibility()
    assert sum(shares.values()) == pytest.approx(1)
    _, generator = generate(100_000)
    counts = generator.summary.eligibility
    total = sum(counts.values())
    assert total == generator.summary.services > 2_000
    for state, share in shares.items():
        assert counts[state] / total == pytest.approx(share, abs=0.03), state


def test_synthetic_municipalities_sit_under_nuts3_regions(small):
    store, generator = small
    rows = list(store.query(f"""
        SELECT ?m ?parent WHERE {{
          GRAPH <{GRAPHS['regions']}> {{
            ?m a <{PAS}Municipality> ; <{SKOS}inScheme> <{ID}scheme/regions> ;
               <{SKOS}broader> ?parent . }}
        }}"""))
    assert len(rows) == generator.summary.municipalities >= 8 * 3
    levels = {c.iri: c.level for c in read_vocabulary()["regions"].values()}
    assert {levels.get(r["parent"].value) for r in rows} == {3}
    assert ox.NamedNode(ID + "region/" + municipality_code("FRL06", 1)) in {r["m"] for r in rows}


def sample_graph(store: ox.Store, services: list[ox.NamedNode]) -> rdflib.Graph:
    """The sampled services with their nested nodes, providers and synthetic municipalities."""
    values = " ".join(str(s) for s in services)
    result = store.query(f"""
        CONSTRUCT {{ ?x ?p ?o }} WHERE {{
          VALUES ?service {{ {values} }}
          {{ ?service a <{PAS}Service> BIND(?service AS ?x) }}
          UNION {{ ?service <{PAS}provider> ?x }}
          UNION {{ ?service <{PAS}serviceArea> ?x }}
          UNION {{ ?service <{PAS}provider> ?org . ?org <{PAS}region> ?x }}
          UNION {{ ?service ?link ?x FILTER(isBlank(?x)) }}
          UNION {{ ?service <{PAS}provider> ?org . ?org ?link ?x FILTER(isBlank(?x)) }}
          ?x ?p ?o .
        }}""", use_default_graph_as_union=True)
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(result, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def test_a_sample_of_services_passes_the_shapes(small):
    store, generator = small
    every = max(1, generator.summary.services // SAMPLE)
    services = [ox.NamedNode(f"{ID}service/synthetic-{n:06d}")
                for n in range(1, generator.summary.services + 1, every)]
    data = sample_graph(store, services)
    states = set()
    for service in services:
        node = rdflib.URIRef(service.value)
        assert (node, None, None) in data, service
        states.add("open" if (node, rdflib.URIRef(PAS + "openToAllStatuses"), None) in data
                   else "restricted" if (node, rdflib.URIRef(PAS + "eligibleStatus"), None) in data
                   else "not-stated")
    assert states == {"open", "restricted", "not-stated"}
    report = validate(data)
    assert report.violations == [], report.to_text()
