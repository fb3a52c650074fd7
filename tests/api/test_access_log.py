"""Each answer writes one access-log line with its method, path, status, time and client: how
an operator reads what the server did (``passerelle serve`` prints them as JSON lines)."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from passerelle.api.app import create_app
from passerelle.graph.store.bundle import open_store


def test_each_answer_is_logged_once_with_its_status(caplog):
    with TestClient(create_app(open_store(None, seed=True))) as client, \
            caplog.at_level(logging.INFO, logger="passerelle.access"):
        found = client.get("/api/services", params={"need": "employment"})
        missing = client.get("/api/services/nobody-here")
        refused = client.get("/api/services", params={"need": "no-such-need"})
    assert (found.status_code, missing.status_code, refused.status_code) == (200, 404, 422)
    lines = [r for r in caplog.records if r.name == "passerelle.access"]
    assert [(r.method, r.path, r.status) for r in lines] == [
        ("GET", "/api/services", 200), ("GET", "/api/services/nobody-here", 404),
        ("GET", "/api/services", 422)]
    assert all(isinstance(r.ms, float) and r.ms >= 0 and r.client for r in lines)
