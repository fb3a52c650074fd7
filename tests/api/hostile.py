"""Ids an attacker or a careless client might send: each must give 404 or 422, never 500."""

from urllib.parse import quote

HOSTILE_IDS = [
    "no-such-thing",
    "au-maquis' } ; DROP ALL ; #",
    'x" } UNION { ?s ?p ?o } #',
    "entraide-pierre-valdo> ?p ?o . } #",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "https://w3id.org/passerelle/id/organisation/au-maquis> ?p ?o",
    "http://example.org/not an iri",
    "%00",
    "nul\x00byte",
    "new\nline",
    "-starts-with-a-dash",
    "x" * 300,
]


def path(prefix: str, ident: str) -> str:
    """The request path for ``ident``, percent-encoded so every character reaches the server."""
    return f"{prefix}/{quote(ident, safe='')}"


def refused(client, case):
    """Send a hostile ``case`` (with ``send``, ``status`` and the ``names`` its message must
    hold) and check the answer; the caller checks the store is unchanged. Returns the answer."""
    response = case.send(client)
    assert response.status_code == case.status, response.text[:1000]
    for word in case.names:
        assert word.lower() in response.text.lower(), response.text[:1000]
    return response
