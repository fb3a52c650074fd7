"""A ``Store`` over any SPARQL 1.1 engine: the Protocol for queries, SPARQL Update for writes.

Passerelle API processes keep no state of their own, so several of them can share one engine
(Oxigraph server, Virtuoso, GraphDB...). Queries go through SPARQLWrapper; answers are parsed
into the same pyoxigraph terms the embedded store returns, so no caller knows the difference.

The engine must treat its default graph as the union of the named graphs (``oxigraph serve
--union-default-graph``; Virtuoso does so by default). Writes are one SPARQL Update request each:
atomic on engines that run an update request in one transaction (Oxigraph), not on Virtuoso,
whose multi-operation updates are not atomic (see the README's scaling guide).

Client text never reaches the engine unchecked: ``/sparql`` queries pass the same screen as on
the embedded store (``query_screen``: no SERVICE, nesting and chains within limits measured on
Oxigraph's server, whose request threads have small stacks), and client updates are evaluated
in Passerelle's own isolated worker; only the resulting graphs are sent, by ``write``.
"""

from __future__ import annotations

import hashlib
import io
import json
import urllib.parse
import urllib.request

import pyoxigraph as ox
from SPARQLWrapper import INSERT, POST, SELECT, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from passerelle.errors import PasserelleError
from passerelle.graph.rdf import queries, sparql_text
from passerelle.graph.rdf.bind import data, values
from passerelle.graph.store.base import Store

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
BATCH = 20_000
"""Triples per update request when an addition is too big for one request."""
ONE_REQUEST_BYTES = 64 * 2**20
"""The largest write sent as one update request, half Oxigraph server's 128 MiB body cap. Up to
it a write is one transaction on engines that run a request in one; past it (bulk loads from the
command line only) it goes in parts, which a failure midway can leave half done."""


def returns_graph(sparql: str) -> bool:
    """Whether a query is CONSTRUCT or DESCRIBE, read past comments and the prologue by the
    tokenizer every SPARQL check shares."""
    first = sparql_text.read(sparql, head=True).first_keyword or ""
    return first.startswith(("CONSTRUCT", "DESCRIBE"))


def _portable_blank_nodes(body: bytes) -> bytes:
    """Blank-node labels some engines send (Virtuoso's ``nodeID://b1``) rewritten as valid ones.

    The label is hashed, so the same node keeps the same label across the rows of one answer.
    """
    if b'"bnode"' not in body:
        return body
    results = json.loads(body)
    for row in results.get("results", {}).get("bindings", []):
        for value in row.values():
            if value.get("type") == "bnode":
                value["value"] = "b" + hashlib.sha1(value["value"].encode()).hexdigest()[:20]
    return json.dumps(results).encode()


class RemoteStore(Store):
    def __init__(self, query_endpoint: str, update_endpoint: str | None = None,
                 store_endpoint: str | None = None, timeout: float = 60.0,
                 one_request_bytes: int = ONE_REQUEST_BYTES):
        self.one_request_bytes = one_request_bytes
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint or query_endpoint
        self.store_endpoint = store_endpoint
        self.timeout = timeout

    def _wrapper(self, endpoint: str) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(endpoint)
        wrapper.setMethod(POST)
        wrapper.setTimeout(int(self.timeout))
        return wrapper

    def query(self, sparql, *, default_graph=None, named_graphs=None):
        wrapper = self._wrapper(self.query_endpoint)
        wrapper.setQuery(sparql)
        # SPARQLWrapper guesses query from update by keyword search, which comments can fool
        # ("address" reads as ADD); the method called says which one it is.
        wrapper.queryType = SELECT
        wrapper.setOnlyConneg(True)
        graph = returns_graph(sparql)
        wrapper.addCustomHttpHeader("Accept", N_TRIPLES if graph else RESULTS_JSON)
        for graph in default_graph or ():
            wrapper.addParameter("default-graph-uri", graph)
        for graph in named_graphs or ():
            wrapper.addParameter("named-graph-uri", graph)
        try:
            response = wrapper.query().response
        except QueryBadFormed as error:
            raise SyntaxError(str(error)) from None
        except (SPARQLWrapperException, OSError) as error:
            raise PasserelleError(f"the SPARQL engine at {self.query_endpoint} failed: "
                                  f"{error}") from None
        body = response.read()
        if graph:
            return list(ox.parse(io.BytesIO(body), format=ox.RdfFormat.N_TRIPLES))
        return ox.parse_query_results(_portable_blank_nodes(body),
                                      format=ox.QueryResultsFormat.JSON)

    def update(self, sparql):
        wrapper = self._wrapper(self.update_endpoint)
        wrapper.setQuery(sparql)
        wrapper.queryType = INSERT
        try:
            wrapper.query().response.read()
        except QueryBadFormed as error:
            raise SyntaxError(str(error)) from None
        except (SPARQLWrapperException, OSError) as error:
            raise PasserelleError(f"the SPARQL engine at {self.update_endpoint} refused an "
                                  f"update: {error}") from None

    def write(self, graphs, *, replace=False, append=None):
        added = [*graphs.items(), *(append or {}).items()]
        batches = [(g, triples[i:i + BATCH]) for g, triples in added
                   for i in range(0, len(triples), BATCH)]
        template = queries.text("graphs-add-portable")
        inserts = [data(template, [batch]) for batch in batches]
        dropped = [ox.NamedNode(g) for g in graphs] if replace else []
        first = data(template, batches[:1], {"g": dropped})
        whole = " ;\n".join([first, *inserts[1:]])
        if replace or len(whole.encode()) <= self.one_request_bytes:
            self.update(whole)
            return
        if self.store_endpoint:
            for graph, triples in added:
                self._post_graph(graph, triples)
            return
        for insert in inserts:
            self.update(insert)

    def _post_graph(self, graph: str, triples: list[ox.Triple]) -> None:
        """A large addition through the Graph Store Protocol: one streamed body, no SPARQL text
        to build and parse, and one transaction per graph on engines such as Oxigraph."""
        url = f"{self.store_endpoint}?{urllib.parse.urlencode({'graph': graph})}"
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": N_TRIPLES})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except OSError as error:
            raise PasserelleError(f"the SPARQL engine at {self.store_endpoint} refused a graph "
                                  f"store write: {error}") from None

    def graphs(self):
        rows = self.query(queries.text("named-graphs"))
        return {row["g"].value for row in rows if isinstance(row["g"], ox.NamedNode)}

    def count(self):
        rows = list(self.query(queries.text("quad-count")))
        return int(rows[0]["n"].value)

    def quads(self, graph=None):
        bindings = {"g": [ox.NamedNode(graph)]} if graph else {}
        for row in self.query(values(queries.text("quads"), bindings)):
            yield ox.Quad(row["s"], row["p"], row["o"], row["g"])
