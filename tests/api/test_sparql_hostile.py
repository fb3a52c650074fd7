"""``/sparql`` under hostile input, against a real server with a 3 s limit and two workers.

Why: peer SPARQL servers measured on these machines kept burning CPU after their deadline, died
of a stack overflow on 3,000 nested braces, fetched ``SERVICE`` and ``FROM`` URLs (local files
included), accepted 20 MiB bodies and repeated parameters, and returned 500 for bad encodings.
Each of those is tried here, and after every test the graph must hold exactly the triples it held
before. The worker processes are watched through ``/proc``.
"""

from __future__ import annotations

import http.server
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from passerelle.graph.endpoint import sandbox
from tests.api.hostile import HOSTILE_IDS
from tests.conftest import ENGINES, start_server, stop_server

LIMIT_S = 3
MAX_ROWS = 50
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
JSON = {"Accept": "application/sparql-results+json"}
DIRECT = {"Content-Type": "application/sparql-query"}
TICKS = os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def hostile(seeded_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("hostile") / "store"
    shutil.copytree(seeded_store, store)
    live = start_server(store, env={"PASSERELLE_QUERY_TIMEOUT_S": str(LIMIT_S),
                                    "PASSERELLE_QUERY_CONCURRENCY": "2",
                                    "PASSERELLE_QUERY_MAX_ROWS": str(MAX_ROWS)})
    live.initial_count = live.triple_count()
    yield live
    stop_server(live)


@pytest.fixture(autouse=True)
def graph_untouched(hostile):
    yield
    assert hostile.process.poll() is None, "the server died"
    assert hostile.triple_count() == hostile.initial_count


def workers(server) -> list[int]:
    """The server's query worker processes: its children running the spawn entry point, but
    for the update worker (named once it runs; a query worker just started may not be yet)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
            name = (entry / "comm").read_text().strip()
        except (OSError, ValueError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server.process.pid and b"spawn_main" in command \
                and name != sandbox.UPDATE_WORKER:
            found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def busiest(pids: list[int], seconds: float = 0.5) -> tuple[int, float]:
    before = {pid: cpu_seconds(pid) for pid in pids}
    time.sleep(seconds)
    used = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
    pid = max(used, key=used.get)
    return pid, used[pid] / seconds


def in_background(function, *args):
    box: dict = {}

    def run():
        started = time.monotonic()
        box["response"] = function(*args)
        box["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def runaway(server):
    return server.get("/sparql", params={"query": RUNAWAY}, headers=JSON)


def test_runaway_query_is_stopped_at_the_limit_and_its_cpu_freed(hostile):
    thread, box = in_background(runaway, hostile)
    time.sleep(0.5)
    other = hostile.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON)
    assert other.status_code == 200 and other.json()["boolean"] is True
    assert hostile.get("/healthz").status_code == 200
    assert thread.is_alive(), "other requests were answered only after the runaway query"
    pid, share = busiest(workers(hostile))
    assert share > 0.3, "no worker was running the runaway query"
    thread.join()
    response = box["response"]
    assert response.status_code == 503
    assert f"stopped after {LIMIT_S} s" in response.text
    assert LIMIT_S <= box["seconds"] < LIMIT_S + 3
    assert not Path(f"/proc/{pid}").exists(), "the worker that ran it still exists"
    survivors = workers(hostile)
    assert pid not in survivors and len(survivors) == 2
    time.sleep(2)  # the fresh worker's start-up (imports) is over
    assert busiest(survivors, 1.0)[1] < 0.2, "a worker still burns CPU"


def test_saturation_is_a_503_with_retry_after_then_the_server_recovers(hostile):
    runs = [in_background(runaway, hostile) for _ in range(2)]
    time.sleep(0.5)
    crowded = hostile.get("/sparql", params={"query": "ASK {}"})
    assert crowded.status_code == 503
    assert int(crowded.headers["retry-after"]) >= 1
    assert "busy" in crowded.text
    for thread, box in runs:
        thread.join()
        assert box["response"].status_code == 503
    recovered = hostile.get("/sparql", params={"query": "ASK {}"}, headers=JSON)
    assert recovered.status_code == 200 and recovered.json()["boolean"] is True


@pytest.mark.parametrize("depth", [3_000, 10_000])
def test_deep_nesting_is_refused_before_parsing(hostile, depth):
    query = "SELECT * WHERE " + "{" * depth + "}" * depth
    response = hostile.post("/sparql", content=query, headers=DIRECT)
    assert response.status_code == 400 and "deep" in response.text
    brackets_in_strings = 'SELECT * WHERE { ?s ?p "' + "{" * depth + '" }'
    assert hostile.post("/sparql", content=brackets_in_strings, headers=DIRECT).status_code == 200


def test_long_flat_expressions_do_not_bring_the_server_down(hostile):
    """20,000 chained ``+`` overflow an 8 MiB stack; workers run queries on a larger one."""
    query = "ASK { FILTER(" + "+".join(["1"] * 20_000) + " > 0) }"
    response = hostile.post("/sparql", content=query, headers=DIRECT)
    assert response.status_code in (200, 400, 503), response.text[:200]
    assert hostile.get("/sparql", params={"query": "ASK {}"}).status_code == 200


@pytest.mark.parametrize("body,content_type", [
    (b"ASK { \xff }", "application/sparql-query"),
    ("ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16"),
    (b"query=ASK%20%7B%FF%7D", "application/x-www-form-urlencoded"),
    (b"query=ASK \xff", "application/x-www-form-urlencoded"),
])
def test_bodies_that_are_not_utf8_are_a_400(hostile, body, content_type):
    response = hostile.post("/sparql", content=body, headers={"Content-Type": content_type})
    assert response.status_code == 400 and "UTF-8" in response.text


def test_a_repeated_or_doubled_query_is_a_400(hostile):
    repeated = hostile.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20*%20%7B%7D")
    assert repeated.status_code == 400
    doubled = hostile.post("/sparql?query=ASK%20%7B%7D", content="ASK {}", headers=DIRECT)
    assert doubled.status_code == 400
    in_both = hostile.post("/sparql?query=ASK%20%7B%7D", content="query=ASK%20%7B%7D",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert in_both.status_code == 400


def test_an_unsatisfiable_accept_is_a_406_naming_what_is_offered(hostile):
    select = hostile.get("/sparql", params={"query": "SELECT * {}"},
                         headers={"Accept": "image/png"})
    assert select.status_code == 406 and "application/sparql-results+json" in select.text
    construct = hostile.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"Accept": "text/csv"})
    assert construct.status_code == 406 and "text/turtle" in construct.text


@pytest.fixture
def listener():
    """A local HTTP server that counts the requests it receives."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/", hits
    server.shutdown()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?s ?p ?o service silent <{url}> {{ }} }}",
    "SELECT * WHERE {{ ?s ?p 1SERVICE <{url}> {{ }} }}",
    "PREFIX x: <{url}> SELECT * WHERE {{ ?s ?p ?o SERVICE # comment\n x:y {{ }} }}",
])
def test_service_is_refused_and_nothing_is_fetched(hostile, listener, template):
    url, hits = listener
    response = hostile.post("/sparql", content=template.format(url=url), headers=DIRECT)
    assert response.status_code == 400 and "SERVICE is not allowed" in response.text
    assert hits == []


@pytest.mark.parametrize("clause", ["FROM <{target}>", "FROM NAMED <{target}>"])
@pytest.mark.parametrize("target", ["file:///etc/passwd", "{url}data.ttl"])
def test_from_only_selects_graphs_of_the_store(hostile, listener, clause, target):
    url, hits = listener
    dataset = clause.format(target=target.format(url=url))
    query = f"SELECT * {dataset} WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
    response = hostile.get("/sparql", params={"query": query}, headers=JSON)
    assert response.status_code == 200
    assert response.json()["results"]["bindings"] == []
    assert "root:" not in response.text and hits == []


@pytest.mark.parametrize("update", [
    "LOAD <file:///etc/passwd>", "DROP ALL", "INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> 1 } }",
    "PREFIX with: <urn:w> DELETE WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_here(hostile, update):
    for response in (hostile.post("/sparql", content=update, headers=DIRECT),
                     hostile.get("/sparql", params={"query": update}),
                     hostile.post("/sparql", content=update,
                                  headers={"Content-Type": "application/sparql-update"}),
                     hostile.get("/sparql", params={"update": update})):
        assert response.status_code == 400 and "/sparql/update" in response.text


def test_a_20_mib_body_is_a_413(hostile):
    big = b"ASK {} #" + b"x" * (20 * 1024 * 1024)
    assert hostile.post("/sparql", content=big, headers=DIRECT).status_code == 413

    def chunks():  # no Content-Length: the streamed bytes are counted
        yield b"ASK {} #"
        for _ in range(20):
            yield b"x" * (1024 * 1024)

    assert hostile.post("/sparql", content=chunks(), headers=DIRECT).status_code == 413


def test_answers_are_cut_at_the_row_limit_and_say_so(hostile):
    rows = hostile.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers=JSON)
    assert rows.status_code == 200
    assert rows.headers["x-passerelle-truncated"] == "true"
    assert rows.headers["x-passerelle-row-limit"] == str(MAX_ROWS)
    assert len(rows.json()["results"]["bindings"]) == MAX_ROWS
    triples = hostile.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                          headers={"Accept": "application/n-triples"})
    assert triples.headers["x-passerelle-truncated"] == "true"
    assert len(triples.text.strip().splitlines()) == MAX_ROWS
    small = hostile.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    assert "x-passerelle-truncated" not in small.headers


INJECTIONS = [
    *HOSTILE_IDS,
    "'; DROP ALL; --", '" } ; DROP ALL ; #', "} INSERT DATA { <urn:a> <urn:b> <urn:c> } #",
    "ASK {} ; CLEAR ALL", "SELECT * WHERE { ?s ?p ?o } ; LOAD <file:///etc/passwd>",
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { } }", "DESCRIBE ?x",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "{" * 500, ")" * 500, "",
    'ASK { FILTER(REGEX("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "(a+)+$")) }',
    'SELECT ?x WHERE { ?x ?p """unterminated', "PREFIX : <urn:x> DELETE WHERE { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "#", "ASK", "\x00", "%00", "\\u007B",
]
texts = st.text(max_size=200)
queries = st.one_of(st.sampled_from(INJECTIONS), texts,
                    st.tuples(st.sampled_from(INJECTIONS), texts).map("".join),
                    st.tuples(texts, st.sampled_from(INJECTIONS)).map("".join))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries, how=st.sampled_from(["get", "form", "direct"]))
def test_fuzzed_queries_are_answered_or_refused_never_a_server_error(hostile, query, how):
    if how == "get":
        response = hostile.get("/sparql", params={"query": query})
    elif how == "form":
        response = hostile.post("/sparql", data={"query": query})
    else:
        response = hostile.post("/sparql", content=query.encode("utf-8"), headers=DIRECT)
    assert response.status_code == 200 or 400 <= response.status_code < 500, response.text[:300]



# Issue 17's cases, on the embedded store and on an Oxigraph server behind --endpoint (the
# session's ``server`` fixture): the answer, the store unchanged, and nothing fetched (the
# canary, a loopback HTTP server, must see no connection at all).
BACKENDS = [e for e in ("embedded", "oxigraph-server") if e in ENGINES]
TOKEN = {"Authorization": "Bearer s3cret-token", "Content-Type": "application/sparql-update"}
SSRF = [
    r"SELECT * WHERE {{ SERVICE <{url}get-\u0078> {{ ?s ?p ?o }} }}",
    r"SELECT * WHERE {{ SERVICE SILENT <{url}get-\u0078> {{ ?s ?p ?o }} }}",
    r"SELECT * WHERE {{ \u0053ERVICE <{url}> {{ }} }}",
    r"SELECT * WHERE {{ ?s ?p <http://example.org/\u0041#> . SERVICE <{url}> {{ }} }}",
    "SELECT * WHERE {{ sErViCe SiLeNt # between\n <{url}> # and\n {{ }} }}",
    "SELECT * WHERE {{ SERVICESILENT<{url}>{{}} }}",
    "PREFIX c: <{url}> SELECT * WHERE {{ SERVICE c:x {{ }} }}",
    "PREFIX : <{url}> SELECT * WHERE {{ SERVICE:x {{ }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?u) SERVICE SILENT ?u {{ }} }}",
    "SELECT * WHERE {{ ?s ?p ?o FILTER(?o<'x>' ) SERVICE SILENT <{url}> {{}} #'\n}}",
]
CRASHERS = {
    "plus-40kb": "SELECT (" + "+".join(["1"] * 20_000) + " AS ?x) {}",
    "quoted-12000": "SELECT * WHERE { ?s ?p " + "<< ?a ?b " * 12_000 + "?c" + " >>" * 12_000
                    + " }",
    "quoted-200": "SELECT * WHERE { ?s ?p " + "<< ?a ?b " * 200 + "?c" + " >>" * 200 + " }",
    "calls-300": "SELECT (" + "STR(" * 300 + "1" + ")" * 300 + " AS ?x) {}",
    "binds-1000": "SELECT * { " + " ".join(f"BIND(1 AS ?v{i})" for i in range(1000)) + " }",
    "braces-1000": "SELECT * WHERE " + "{" * 1000 + "}" * 1000,
}
HIDDEN_LOADS = [
    r"INSERT DATA {{ <http://example.org/\u0041#> <http://example.org/p> 1 }} ; "
    "LOAD <{url}hidden-ttl>",
    "LOAD <{url}hidden-ttl> INTO GRAPH <http://example.org/g>",
    r"\u004COAD <{url}hidden-ttl>",
    "PREFIX : <{url}> LOAD:hidden-ttl",
    "INSERT DATA {{ <http://example.org/a> <http://example.org/p> 'x' }} # ;\n;"
    "LOADSILENT<{url}hidden-ttl>",
    r"INSERT {{ ?s ?p ?o }} WHERE {{ \u0053ERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
]


@pytest.mark.parametrize("server", BACKENDS, indirect=True, scope="session")
@pytest.mark.parametrize("template", SSRF)
def test_ssrf_without_a_token_is_refused_and_nothing_is_fetched(server, canary, template):
    before = server.triple_count()
    query = template.format(url=canary.url)
    for response in (server.get("/sparql", params={"query": query}),
                     server.post("/sparql", content=query, headers=DIRECT)):
        assert response.status_code == 400, response.text[:300]
        assert "SERVICE is not allowed" in response.text
    assert canary.hits == []
    assert server.triple_count() == before


@pytest.mark.parametrize("server", BACKENDS, indirect=True, scope="session")
@pytest.mark.parametrize("query", CRASHERS.values(), ids=CRASHERS.keys())
def test_engine_crashers_without_a_token_are_refused_and_the_engine_lives(server, query):
    before = server.triple_count()
    response = server.post("/sparql", content=query, headers=DIRECT)
    assert response.status_code == 400, response.text[:300]
    assert "deep" in response.text
    alive = server.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers=JSON)
    assert alive.status_code == 200 and alive.json()["boolean"] is True
    assert server.triple_count() == before


@pytest.mark.parametrize("server", BACKENDS, indirect=True, scope="session")
def test_a_deep_update_is_refused_and_the_server_lives(server):
    before = server.triple_count()
    response = server.post("/sparql/update", content="INSERT DATA " + "{" * 5000 + "}" * 5000,
                           headers=TOKEN)
    assert response.status_code == 400, response.text[:300]
    assert "deep" in response.json()["detail"]
    assert server.get("/healthz").status_code == 200
    assert server.triple_count() == before


@pytest.mark.parametrize("server", BACKENDS, indirect=True, scope="session")
@pytest.mark.parametrize("template", HIDDEN_LOADS)
def test_a_hidden_load_or_service_in_an_update_is_refused_and_nothing_fetched(server, canary,
                                                                              template):
    from tests.canary import SECRET

    before = server.triple_count()
    response = server.post("/sparql/update", content=template.format(url=canary.url),
                           headers=TOKEN)
    assert response.status_code == 400, response.text[:300]
    assert "is not allowed" in response.json()["detail"]
    assert SECRET not in response.text
    assert canary.hits == []
    assert server.triple_count() == before


def _log_of(process) -> Path:
    return Path(os.readlink(f"/proc/{process.pid}/fd/2"))


def test_without_network_isolation_the_server_says_so_and_still_fetches_nothing(store_copy,
                                                                                canary):
    """The "unshare refused" host, forced: one warning line at start; SERVICE and LOAD are
    still refused by the screen, and nothing reaches the canary."""
    live = start_server(store_copy, env={"PASSERELLE_NETWORK_ISOLATION": "off",
                                         "PASSERELLE_API_TOKENS": "tester:s3cret-token"})
    try:
        log = _log_of(live.process)
        for _ in range(300):
            if "network isolation is unavailable" in log.read_text():
                break
            time.sleep(0.1)
        warnings = [line for line in log.read_text().splitlines()
                    if "network isolation is unavailable" in line]
        assert len(warnings) == 1 and '"level": "WARNING"' in warnings[0]
        before = live.triple_count()
        query = SSRF[0].format(url=canary.url)
        assert live.get("/sparql", params={"query": query}).status_code == 400
        update = HIDDEN_LOADS[0].format(url=canary.url)
        assert live.post("/sparql/update", content=update, headers=TOKEN).status_code == 400
        assert canary.hits == []
        assert live.triple_count() == before
    finally:
        stop_server(live)
