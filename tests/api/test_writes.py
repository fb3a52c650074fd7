"""Writes over HTTP against a real server: refusals, round trips, the audit, concurrency, crashes.

Why: every write path (the JSON API, the Graph Store Protocol, SPARQL Update) promises the same
things: no token no write; a body that does not parse, data that breaks a rule or a request the
server does not take is refused with a status and a message naming the problem, and leaves the
store exactly as it was; an accepted write reads back the same, is in the audit, and is stored
whole or not at all, even with many writers and readers at once or a process killed mid-write.
Each refusal below counts the store's triples before and after.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.api.hostile import HOSTILE_IDS, path, refused
from tests.conftest import DATA, start_server, stop_server, writing_server

ID = "https://w3id.org/passerelle/id/"
GRAPH = "https://w3id.org/passerelle/graph/"
TOKEN = {"Authorization": "Bearer s3cret-token"}
LIMIT = 1_000_000
TURTLE = "text/turtle; charset=utf-8"
UPDATE = "application/sparql-update"
PREFIXES = ("PREFIX schema: <http://schema.org/> PREFIX pas: <https://w3id.org/passerelle/ontology#>"
            " PREFIX s: <https://w3id.org/passerelle/id/service/> ")


def service_json(slug: str, **changes) -> dict:
    body = {
        "id": slug, "lang": "en",
        "name": {"en": f"Language café {slug}", "fr": f"Café des langues {slug}"},
        "provider": "au-maquis", "service_types": ["language"],
        "eligibility": {"state": "open-to-all"}, "areas": ["lauris"], "languages": ["fr"],
        "cost": "free",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _server(seeded_store, tmp_path_factory, **env):
    return writing_server(seeded_store, tmp_path_factory.mktemp("writes"), **env)


@pytest.fixture(scope="module")
def writer(seeded_store, tmp_path_factory):
    live = _server(seeded_store, tmp_path_factory, PASSERELLE_WRITE_MAX_BODY=str(LIMIT))
    yield live
    stop_server(live)


# --- refusals ------------------------------------------------------------------------------

@dataclass
class Bad:
    name: str
    method: str
    path: str
    status: int
    names: tuple[str, ...]
    json: object = None
    content: object = None
    ctype: str | None = None
    headers: dict = field(default_factory=lambda: dict(TOKEN))

    def send(self, server):
        headers = dict(self.headers)
        if self.ctype:
            headers["Content-Type"] = self.ctype
        content = self.content() if callable(self.content) else self.content
        if isinstance(content, Path):
            content = content.read_bytes()
        return server.request(self.method, self.path, json=self.json, content=content,
                              headers=headers)


def _big_chunks():
    return iter([b"# padding\n" * 6554] * 20)  # about 1.3 MB, sent chunked: no Content-Length


BAD_WRITES = [
    Bad("no-token", "POST", "/api/services", 401, ("token",), json=service_json("a"), headers={}),
    Bad("wrong-token", "POST", "/api/services", 401, ("not valid",), json=service_json("a"),
        headers={"Authorization": "Bearer guess"}),
    Bad("basic-auth", "PUT", "/store?graph=http://example.org/g", 401, ("bearer",),
        content=b"", ctype=TURTLE, headers={"Authorization": "Basic dGVzdGVyOnMzY3JldA=="}),
    Bad("update-no-token", "POST", "/sparql/update", 401, ("token",),
        content=b"INSERT DATA { <http://x/s> <http://x/p> 1 }", ctype=UPDATE, headers={}),
    Bad("malformed-turtle", "PUT", "/store?graph=http://example.org/g", 400,
        ("line 1, column", "turtle"), content=b"<http://x/a> <http://x/b> 'c' ", ctype=TURTLE),
    Bad("malformed-json", "POST", "/api/services", 400, ("line 2, column", "json"),
        content=b'{"id": "x",\n "name" {}}', ctype="application/json"),
    Bad("json-not-an-object", "POST", "/api/services", 422, ("body", "object"), json=[1, 2]),
    Bad("unknown-status-code", "POST", "/api/services", 422, ("eligibility", "martian"),
        json=service_json("a", eligibility={"state": "restricted", "statuses": ["martian"]})),
    Bad("unknown-need", "POST", "/api/services", 422, ("service_types", "knitting"),
        json=service_json("a", service_types=["knitting"])),
    Bad("region-outside-nuts-json", "POST", "/api/services", 422, ("areas", "US-CA"),
        json=service_json("a", areas=["US-CA"])),
    Bad("region-outside-regions-turtle", "PUT", "/store?graph=http://example.org/g", 422,
        ("pas:serviceArea",), content=DATA / "invalid" / "service-area-outside-regions.ttl",
        ctype=TURTLE),
    Bad("unknown-language", "POST", "/api/services", 422, ("languages", "xx"),
        json=service_json("a", languages=["xx"])),
    Bad("open-to-all-and-restricted", "POST", "/api/services", 422,
        ("open to all", "pas:eligibleStatus"),
        json=service_json("a", eligibility={"state": "open-to-all", "statuses": ["refugee"]})),
    Bad("restricted-without-statuses", "POST", "/api/services", 422, ("eligibility.statuses",),
        json=service_json("a", eligibility={"state": "restricted"})),
    Bad("no-name", "POST", "/api/services", 422, ("schema:name", "needs a name"),
        json=service_json("a", name=None)),
    Bad("text-without-language", "POST", "/api/services", 422, ("name", "lang"),
        json=service_json("a", name="Café", lang=None)),
    Bad("unknown-field", "POST", "/api/services", 422, ("colour", "unknown field"),
        json=service_json("a", colour="blue")),
    Bad("impossible-last-verified", "POST", "/api/services", 422, ("pas:lastVerified",),
        json=service_json("a", last_verified="2026-13-45")),
    Bad("provider-not-an-organisation", "POST", "/api/services", 422, ("pas:provider",),
        json=service_json("a", provider="no-such-organisation")),
    Bad("end-before-start", "PUT", "/store?graph=http://example.org/g", 422,
        ("before the start",), content=DATA / "invalid" / "end-before-start.ttl", ctype=TURTLE),
    Bad("nameless-service-turtle", "POST", "/store?graph=http://example.org/g", 422,
        ("schema:name",), content=DATA / "invalid" / "service-without-name.ttl", ctype=TURTLE),
    Bad("oversized-declared", "POST", "/store?graph=http://example.org/g", 413, ("limit",),
        content=b"#" * (LIMIT + 1), ctype=TURTLE),
    Bad("oversized-streamed", "POST", "/store?graph=http://example.org/g", 413, ("limit",),
        content=_big_chunks, ctype=TURTLE),
    Bad("json-as-text-plain", "POST", "/api/services", 415, ("content type", "text/plain"),
        content=b"{}", ctype="text/plain"),
    Bad("csv-to-graph-store", "PUT", "/store?graph=http://example.org/g", 415, ("text/csv",),
        content=b"a,b", ctype="text/csv"),
    Bad("json-to-update", "POST", "/sparql/update", 415, ("application/json",),
        content=b"{}", ctype="application/json"),
    Bad("update-deletes-required-name", "POST", "/sparql/update", 422,
        ("schema:name", "agir-vaucluse"),
        content=(PREFIXES + "DELETE WHERE { GRAPH ?g { s:agir-vaucluse schema:name ?n } }"
                 ).encode(), ctype=UPDATE),
    Bad("update-load", "POST", "/sparql/update", 400, ("LOAD",),
        content=b"LOAD <http://example.org/data.ttl>", ctype=UPDATE),
    Bad("update-service", "POST", "/sparql/update", 400, ("SERVICE",),
        content=b"INSERT { GRAPH <http://x/g> { ?s ?p ?o } } WHERE { SERVICE <http://x/sparql>"
                b" { ?s ?p ?o } }", ctype=UPDATE),
    Bad("update-derived-graph", "POST", "/sparql/update", 400, ("derived",),
        content=b"DROP GRAPH <https://w3id.org/passerelle/graph/inferred>", ctype=UPDATE),
    Bad("update-drop-all", "POST", "/sparql/update", 400, ("DROP ALL",),
        content=b"DROP ALL", ctype=UPDATE),
    Bad("update-syntax", "POST", "/sparql/update", 400, ("does not parse", "1:"),
        content=b"INSERT DATA { <http://x/a> <http://x/b> }", ctype=UPDATE),
    Bad("store-derived-graph", "PUT", f"/store?graph={GRAPH}inferred", 403, ("inferred",),
        content=b"", ctype=TURTLE),
    Bad("store-audit-graph", "POST", f"/store?graph={GRAPH}audit", 403, ("audit",),
        content=b"<http://x/a> <http://x/b> <http://x/c> .", ctype=TURTLE),
    Bad("graph-not-an-iri", "PUT", "/store?graph=not%20an%20iri", 400, ("not an absolute IRI",),
        content=b"", ctype=TURTLE),
    Bad("trig-naming-another-graph", "PUT", "/store?graph=http://example.org/g", 400,
        ("other graphs",), content=b"<http://x/h> { <http://x/a> <http://x/b> <http://x/c> }",
        ctype="application/trig"),
    Bad("delete-referenced-organisation", "DELETE", "/api/organisations/au-maquis", 422,
        ("pas:provider", "au-maquis")),
    Bad("delete-missing-service", "DELETE", "/api/services/no-such-service", 404,
        ("no-such-service",)),
    Bad("delete-missing-graph", "DELETE", "/store?graph=http://example.org/never", 404,
        ("never",)),
    Bad("id-differs-from-path", "PUT", "/api/services/one", 400, ("id",),
        json=service_json("another")),
    Bad("duplicate-id", "POST", "/api/services", 409, ("already exists", "vaucluse"),
        json=service_json("agir-vaucluse")),
]


def test_catalogue_size():
    assert len(BAD_WRITES) == 41
    assert len({b.name for b in BAD_WRITES}) == len(BAD_WRITES)


@pytest.mark.parametrize("bad", BAD_WRITES, ids=[b.name for b in BAD_WRITES])
def test_bad_write_is_refused_and_changes_nothing(writer, bad):
    before = writer.triple_count()
    response = refused(writer, bad)
    if bad.status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert writer.triple_count() == before


def test_violation_report_names_node_property_rule_message_severity(writer):
    response = next(b for b in BAD_WRITES if b.name == "open-to-all-and-restricted").send(writer)
    violation = response.json()["violations"][0]
    assert violation["node"] == ID + "service/a"
    assert violation["property"] == "pas:eligibleStatus"
    assert violation["rule"] and violation["message"] and violation["severity"] == "Violation"


@pytest.mark.parametrize("ident", HOSTILE_IDS)
def test_hostile_ids_are_404_or_422_never_500(writer, ident):
    for method in ("GET", "PUT", "DELETE"):
        for prefix in ("/api/services", "/api/organisations"):
            response = writer.request(method, path(prefix, ident), headers=TOKEN,
                                      json=service_json("x") if method == "PUT" else None)
            assert response.status_code in (400, 404, 422), (method, prefix, response.text)


# --- accepted writes -----------------------------------------------------------------------

def test_service_round_trips_through_post_get_put_delete(writer):
    body = service_json(
        "round-trip", description={"en": "Conversation in French", "fr": "Conversation"},
        eligibility={"state": "restricted", "statuses": ["refugee", "subsidiary-protection"]},
        areas=["FRL06"], languages=["fr", "en"], status="active", url="https://example.org/c",
        contact={"email": "cafe@example.org", "telephone": "+33 4 00 00 00 00"},
        address={"street": "1 place", "postal_code": "84360", "locality": "Lauris",
                 "country": "FR"},
        opening_hours="Mondays", how_to_apply="Come along", last_verified="2026-11-20")
    created = writer.post("/api/services", json=body, headers=TOKEN)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/api/services/round-trip"
    item = writer.get(created.headers["location"]).json()
    assert item["name"] == "Language café round-trip"
    assert item["provider"]["id"] == ID + "organisation/au-maquis"
    assert [c["code"] for c in item["service_types"]] == ["language"]
    assert item["eligibility"]["state"] == "restricted"
    assert {c["code"] for c in item["eligibility"]["statuses"]} == {"refugee",
                                                                   "subsidiary-protection"}
    assert [c["code"] for c in item["areas"]] == ["FRL06"]
    assert {c["code"] for c in item["languages"]} == {"fr", "en"}
    assert item["contact"] == {"email": "cafe@example.org", "telephone": "+33400000000"}
    assert item["address"]["locality"] == "Lauris"
    assert (item["cost"], item["opening_hours"], item["last_verified"]) == \
        ("free", "Mondays", "2026-11-20")
    assert item["status"] == "active" and item["modified"]
    french = writer.get("/api/services/round-trip", params={"lang": "fr"}).json()
    assert french["name"] == "Café des langues round-trip"

    replaced = writer.request("PUT", "/api/services/round-trip", headers=TOKEN,
                          json={**item, "lang": "en", "cost": "5 euros", "name": "Café"})
    assert replaced.status_code == 200, replaced.text
    again = writer.get("/api/services/round-trip").json()
    assert (again["name"], again["cost"]) == ("Café", "5 euros")
    assert again["modified"] > item["modified"]
    assert "round-trip" in {i["id"].rsplit("/", 1)[-1] for i in writer.get(
        "/api/services", params={"status": "refugee", "limit": 100}).json()["items"]}

    assert writer.request("DELETE", "/api/services/round-trip", headers=TOKEN).status_code == 204
    assert writer.get("/api/services/round-trip").status_code == 404
    assert writer.get("/store", params={"graph": GRAPH + "service/round-trip"}).status_code == 404
    kinds = [(c["kind"], c["author"]) for c in writer.get("/api/changes").json()["items"]
             if GRAPH + "service/round-trip" in c["graphs"] + c["dropped"]]
    assert kinds == [("create", "editor"), ("replace", "editor"), ("delete", "editor")]


def test_put_moves_a_seeded_service_into_its_own_graph(writer):
    item = writer.get("/api/services/agir-vaucluse").json()
    response = writer.request("PUT", "/api/services/agir-vaucluse", headers=TOKEN,
                          json={**item, "lang": "en", "last_verified": "2026-11-27"})
    assert response.status_code == 200, response.text
    assert response.json()["graph"] == GRAPH + "service/agir-vaucluse"
    seed = writer.get("/store", params={"graph": GRAPH + "vaucluse"},
                      headers={"Accept": "application/n-triples"}).text
    assert not [line for line in seed.splitlines()
                if line.startswith(f"<{ID}service/agir-vaucluse> ")]
    assert writer.get("/api/services/agir-vaucluse").json()["last_verified"] == "2026-11-27"


def test_organisation_round_trips(writer):
    body = {"id": "example-welcome", "lang": "fr", "name": "Accueil exemple",
            "kind": "organisation", "types": ["association"], "regions": ["FRL06"],
            "homepage": "https://example.org/welcome", "founding_date": "2019",
            "address": {"locality": "Avignon", "country": "FR"}}
    created = writer.post("/api/organisations", json=body, headers=TOKEN)
    assert created.status_code == 201, created.text
    org = writer.get("/api/organisations/example-welcome", params={"lang": "fr"}).json()
    assert (org["name"], org["homepage"], org["founding_date"]) == \
        ("Accueil exemple", "https://example.org/welcome", "2019")
    assert [t["code"] for t in org["types"]] == ["association"]
    service = writer.post("/api/services", headers=TOKEN,
                          json=service_json("welcome-desk", provider="example-welcome"))
    assert service.status_code == 201, service.text
    refused = writer.request("DELETE", "/api/organisations/example-welcome", headers=TOKEN)
    assert refused.status_code == 422 and "pas:provider" in refused.text
    for gone in ("/api/services/welcome-desk", "/api/organisations/example-welcome"):
        assert writer.request("DELETE", gone, headers=TOKEN).status_code == 204


def test_duplicate_iri_in_another_graph_is_a_warning(writer):
    triple = f"<{ID}service/agir-vaucluse> <http://schema.org/alternateName> \"AGIR\"@fr ."
    response = writer.request("PUT", "/store", params={"graph": "http://example.org/extra"},
                          content=triple.encode(), headers={**TOKEN, "Content-Type": TURTLE})
    assert response.status_code == 201, response.text
    warnings = response.json()["warnings"]
    assert any(w["rule"] == "One graph per resource" and w["node"] == ID + "service/agir-vaucluse"
               for w in warnings), warnings


def test_update_is_applied_and_audited(writer):
    since = writer.get("/api/changes").json()["items"][-1]["time"]
    text = PREFIXES + ("INSERT DATA { GRAPH <https://w3id.org/passerelle/graph/vaucluse> { "
                       "s:commune-ferme-training schema:alternateName \"Commune Ferme\"@fr } }")
    response = writer.post("/sparql/update", content=text.encode(),
                           headers={**TOKEN, "Content-Type": UPDATE})
    assert response.status_code == 200, response.text
    assert response.json()["graphs"] == [GRAPH + "vaucluse"]
    form = writer.post("/sparql/update", headers=TOKEN, data={"update": text.replace(
        "INSERT DATA", "DELETE DATA")})
    assert form.status_code == 200, form.text
    changes = writer.get("/api/changes", params={"since": since}).json()["items"]
    assert [c["kind"] for c in changes][-2:] == ["update", "update"]


def test_changes_since_filters_and_bad_since_is_422(writer):
    assert writer.get("/api/changes", params={"since": "2999-01-01"}).json()["items"] == []
    assert writer.get("/api/changes", params={"since": "2000-01-01T00:00:00Z"}).json()["total"]
    refused = writer.get("/api/changes", params={"since": "last tuesday"})
    assert refused.status_code == 422 and "since" in refused.text


# --- many writers and readers at once ------------------------------------------------------

SERVICE_TRIPLES = 13
"""Triples of ``service_json``: type, 2 names, provider, type, open to all, area, language,
cost, modified, and the graph's 3 provenance triples."""
AUDIT_TRIPLES = 6
"""Per change: 2 types, agent, start, end, the graph generated (the agent is already known)."""


def test_concurrent_writers_and_readers(seeded_store, tmp_path_factory):
    """Sixteen writers at once, each accepted: the queue has a place for every one of them
    (past its bound they would get 503, which test_write_queue covers)."""
    live = _server(seeded_store, tmp_path_factory, PASSERELLE_WRITE_QUEUE="16")
    try:
        warm = live.post("/api/services", json=service_json("warm-up"), headers=TOKEN)
        assert warm.status_code == 201, warm.text
        before = live.triple_count()
        slugs = [f"concurrent-{n}" for n in range(16)]
        statuses, seen, problems = [], [], []
        done = threading.Event()

        def write(slug):
            with httpx.Client(base_url=live.url, timeout=120) as client:
                statuses.append(client.post("/api/services", json=service_json(slug),
                                            headers=TOKEN).status_code)

        def read(n):
            with httpx.Client(base_url=live.url, timeout=120) as client:
                while not done.is_set():
                    listed = client.get("/api/services", params={"need": "language",
                                                                 "limit": 100})
                    one = client.get(f"/api/services/{slugs[n]}")
                    if listed.status_code != 200 or one.status_code not in (200, 404):
                        problems.append((listed.status_code, one.status_code))
                        continue
                    items = listed.json()["items"] + ([one.json()] if one.status_code == 200
                                                      else [])
                    for item in items:
                        seen.append(item["id"])
                        if not item["name"] or not item["service_types"]:
                            problems.append(item)

        readers = [threading.Thread(target=read, args=(n,)) for n in range(16)]
        writers = [threading.Thread(target=write, args=(slug,)) for slug in slugs]
        for thread in readers + writers:
            thread.start()
        for thread in writers:
            thread.join()
        done.set()
        for thread in readers:
            thread.join()
        assert statuses == [201] * 16
        assert not problems, problems[:5]
        assert len(seen) > 16
        assert live.triple_count() == before + 16 * (SERVICE_TRIPLES + AUDIT_TRIPLES)
        for slug in slugs:
            assert live.get(f"/api/services/{slug}").status_code == 200
    finally:
        stop_server(live)


# --- a write killed mid-way ------------------------------------------------------------------

BIG = 40_000


def _big_turtle() -> bytes:
    return "".join(f"<http://example.org/thing/{n}> <http://example.org/p> \"value {n}\" .\n"
                   for n in range(BIG)).encode()


def _stored(server, graph: str) -> int:
    response = server.get("/store", params={"graph": graph},
                          headers={"Accept": "application/n-triples"})
    if response.status_code == 404:
        return 0
    return sum(1 for line in response.text.splitlines() if line.strip())


def test_write_killed_mid_way_leaves_none_or_all(seeded_store, tmp_path_factory):
    """Kill the server at 50% to 110% of the time a whole POST took: the kills straddle the
    commit (most land in validation, some just before or after the store's transaction)."""
    body = _big_turtle()
    headers = {**TOKEN, "Content-Type": TURTLE}
    live = _server(seeded_store, tmp_path_factory)
    store = live.store
    started = time.monotonic()
    response = live.post("/store", params={"graph": "http://example.org/big/0"}, content=body,
                         headers=headers)
    duration = time.monotonic() - started
    assert response.status_code == 201, response.text
    assert _stored(live, "http://example.org/big/0") == BIG
    outcomes = []
    try:
        for n, fraction in enumerate((0.5, 0.75, 0.9, 1.0, 1.1), 1):
            graph = f"http://example.org/big/{n}"

            def post(graph=graph, url=live.url):
                try:
                    httpx.post(url + "/store", params={"graph": graph}, content=body,
                               headers=headers, timeout=120)
                except httpx.HTTPError:
                    pass  # the server died under it: that is the point

            thread = threading.Thread(target=post)
            thread.start()
            time.sleep(duration * fraction)
            live.process.kill()
            live.process.wait()
            thread.join()
            live.client.close()
            live = start_server(store, env={"PASSERELLE_API_TOKENS": "tester:s3cret-token"})
            stored = _stored(live, graph)
            assert stored in (0, BIG), f"killed at {fraction:.0%}: {stored} of {BIG} triples"
            audited = any(graph in c["graphs"] for c in live.get(
                "/api/changes", params={"limit": 1000}).json()["items"])
            assert audited == (stored == BIG)
            outcomes.append(stored)
    finally:
        stop_server(live)
    assert len(outcomes) == 5
