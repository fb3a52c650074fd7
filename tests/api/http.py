"""Small helpers the entity tests share for reading JSON answers."""

from __future__ import annotations


def get(server, url: str, **params) -> dict:
    """The JSON of a GET that must succeed."""
    response = server.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(refs: list[dict]) -> set[str]:
    return {r["id"] for r in refs}
