"""The exports against the official SEMIC shapes, read from PASSERELLE_STANDARDS_DIR.

The shapes are not part of the project: they are read from the shared standards folder (by
default the repository's sibling ``../shared/standards``) so what is checked is exactly the
official file. DCAT-AP uses the split files the EU validator runs, merged in rdflib.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from passerelle.graph.export import catalog, cpsv, dumps
from passerelle.graph.store.bundle import open_store
from passerelle.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STANDARDS = Path(os.environ.get("PASSERELLE_STANDARDS_DIR") or ROOT / ".." / "shared" / "standards")
DCAT_AP = STANDARDS / "dcat-ap-3.0.1" / "html" / "shacl"
CPSV_AP = STANDARDS / "cpsv-ap-3.2.0" / "shacl" / "cpsv-ap-SHACL.ttl"
MAX_RECOMMENDED_WARNINGS = 74
"""bbox + centroid for each of the 36 dct:Location values (72), the dataset's dct:temporal (no
honest single period) and the publisher's dct:type,
which none of the ADMS publisher types fits; see the README's "Exports" section."""


def shapes(*paths: Path) -> Graph:
    missing = [p for p in paths if not p.is_file()]
    if missing:
        pytest.fail(f"official shapes not found: {missing}; set PASSERELLE_STANDARDS_DIR")
    merged = Graph()
    for path in paths:
        merged.parse(path, format="turtle")
    return merged


def results(data: Graph, shape_graph: Graph) -> list[tuple[str, str, str]]:
    _, report, _ = pyshacl.validate(data, shacl_graph=shape_graph, inference="none",
                                    allow_warnings=True)
    found = []
    for result in report.subjects(URIRef(SH.resultSeverity), None):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        path = str(report.value(result, SH.resultPath))
        found.append((severity, path, str(report.value(result, SH.focusNode))))
    return found


@pytest.fixture(scope="module")
def store(seeded_store, tmp_path_factory):
    """A private copy: an open embedded store holds its directory's lock."""
    target = tmp_path_factory.mktemp("export") / "store"
    shutil.copytree(seeded_store, target)
    return open_store(target)


@pytest.fixture(scope="module")
def files(store):
    return dumps.build(store)


@pytest.fixture(scope="module")
def catalogue(store, files):
    settings = Settings(public_url="https://passerelle.example.org",
                        contact_email="data@example.org")
    return catalog.build(store, settings, files)


def test_catalogue_has_no_violations(catalogue):
    found = results(catalogue, shapes(DCAT_AP / "shapes.ttl", DCAT_AP / "range.ttl"))
    assert found == []


def test_catalogue_recommended_warnings_are_known(catalogue):
    found = results(catalogue, shapes(DCAT_AP / "shapes_recommended.ttl",
                                      DCAT_AP / "deprecateduris.ttl"))
    by_path = Counter(path.rsplit("#", 1)[-1].rsplit("/", 1)[-1] for _, path, _ in found)
    print("recommended-shape warnings:", dict(by_path))
    assert {severity for severity, _, _ in found} <= {"Warning"}
    assert set(by_path) <= {"bbox", "centroid", "type", "temporal"}
    assert len(found) <= MAX_RECOMMENDED_WARNINGS


def test_catalogue_lists_every_file_with_its_size(catalogue, files):
    text = catalogue.serialize(format="nt")
    for dump in files.values():
        assert f"/export/{dump.name}>" in text
        assert dump.sha256 in text
        assert f'"{len(dump.data)}"^^' in text
    assert "country/GRC>" in text and "nuts/code/FRL06>" in text


def test_cpsv_profile_has_no_violations(store):
    profile = cpsv.build(store)
    assert profile.exported, "the valid examples hold one service with a public authority"
    assert results(profile.graph, shapes(CPSV_AP)) == []


def test_cpsv_profile_leaves_out_and_reports_services_without_authority(store):
    profile = cpsv.build(store)
    service = "https://w3id.org/passerelle/id/service/"
    assert set(profile.exported) == {service + s for s in (
        "example-legal-helpline", "cir", "agir", "asylum-reception-france", "cph",
        "sistema-acogida-proteccion-internacional", "ipi-warszawa",
        "wcpr-foreigners-support-centre", "helios", "helios-plus-thessaly",
        "chs-accueil-consultations-migrants", "kem-trikala")}
    assert service + "commune-ferme-training" in profile.omitted
    # Programmes whose authority is each county or municipality name no single public body.
    assert {service + "ipi", service + "pl-ukraine-temporary-protection"} <= set(profile.omitted)
    assert len(profile.omitted) == 14
    assert f"{len(profile.omitted)} service(s)" in cpsv.omission_note(profile)
    assert (URIRef(profile.omitted[0]), None, None) not in profile.graph


def test_dump_cache_follows_the_store(store_copy):
    from passerelle.graph.write.loader import load

    writable = open_store(store_copy)
    cache = dumps.Cache()
    first = cache.files(writable)
    assert cache.files(writable) is first
    load(writable, [ROOT / "tests" / "data" / "valid" / "service-full.ttl"], graph="urn:x:again")
    assert cache.files(writable) is not first
