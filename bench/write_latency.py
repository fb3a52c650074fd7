"""Latency of one validated single-service write on a store of a given size.

Why: the write path validates only what a write touches (graph/validation/incremental.py), so a
write should cost about the same at 10k and at 1M triples. This loads a synthetic graph into an on-
disk store, then times ``loader.write`` of one new service at a time (planning, SHACL check, atomic
write), both added to a shared graph and replacing a graph of its own.

Run ``python -m bench.write_latency --triples 100000`` (the store goes to a temporary folder).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench import generate
from passerelle.graph.rdf import formats
from passerelle.graph.rdf.namespaces import ID, PAS, graph_iri
from passerelle.graph.store.bundle import open_store
from passerelle.graph.write.loader import load, parse, write

SERVICE = """
@prefix pas: <https://w3id.org/passerelle/ontology#> .
@prefix schema: <http://schema.org/> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{id}service/latency-{n}> a pas:Service ;
    schema:name "Latency probe {n}"@en ;
    schema:description "A service written by the write-latency benchmark."@en ;
    pas:serviceType <{id}service-type/language> ;
    pas:provider <{provider}> ;
    pas:openToAllStatuses true ;
    pas:serviceArea <{id}region/FRL06> ;
    pas:serviceStatus <{id}service-status/active> ;
    dct:language <http://publications.europa.eu/resource/authority/language/FRA> ;
    pas:lastVerified "2026-11-27"^^xsd:date ;
    schema:address [ schema:addressLocality "Lauris" ; schema:addressCountry "FR" ] .
"""


def first_provider(store) -> str:
    """The IRI of an organisation in the store, for the probe services to name as provider."""
    return store.select(f"SELECT ?o WHERE {{ ?o a <{PAS}Organisation> }} LIMIT 1")[0]["o"].value


def timed_writes(store, provider: str, writes: int, *, own_graph: bool, start: int) -> list[float]:
    turtle = formats.by_name("ttl")
    times = []
    for n in range(start, start + writes):
        text = SERVICE.format(id=ID, n=n, provider=provider).encode()
        graph = graph_iri(f"latency-{n}" if own_graph else "latency")
        began = time.perf_counter()
        graphs = parse(text, turtle, name="probe.ttl", graph=graph)
        write(store, graphs, replace=own_graph)
        times.append(time.perf_counter() - began)
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(f"{label}: median {statistics.median(times) * 1000:.1f} ms, "
          f"p90 {p90 * 1000:.1f} ms, n={len(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--writes", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "bench.nq"
        generate.write(data, args.triples)
        store = open_store(Path(folder) / "store")
        load(store, [data], validate_first=False)
        provider = first_provider(store)
        print(f"store: {store.count()} quads")
        timed_writes(store, provider, 3, own_graph=False, start=0)  # warm the caches
        report("add to a shared graph", timed_writes(store, provider, args.writes,
                                                     own_graph=False, start=1000))
        report("replace its own graph", timed_writes(store, provider, args.writes,
                                                     own_graph=True, start=2000))


if __name__ == "__main__":
    main()
