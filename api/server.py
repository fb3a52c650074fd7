"""Running the app under uvicorn with structured (JSON lines) access logs."""

from __future__ import annotations

import json
import logging
import os
import threading

import uvicorn
from fastapi import FastAPI

from passerelle.api.app import create_app
from passerelle.graph.store import Store
from passerelle.settings import get_settings

log = logging.getLogger("passerelle.server")


class JsonLines(logging.Formatter):
    """One JSON object a line, so access logs can be read by machines."""

    FIELDS = ("method", "path", "status", "ms", "client")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        return json.dumps(entry, ensure_ascii=False)


def configure_logging() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("passerelle")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False


def serve(store: Store, *, host: str, port: int) -> None:
    """Serve until SIGTERM or Ctrl-C; then stop within ``settings.shutdown_timeout_s`` or so.

    uvicorn waits for requests in progress only that long (by default it would wait for ever,
    and a slow write held the server up for minutes). What still runs after that is abandoned.
    """
    configure_logging()
    settings = get_settings()
    app = create_app(store, settings)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning",
                timeout_graceful_shutdown=settings.shutdown_timeout_s)
    _abandon_leftovers(app)


def _abandon_leftovers(app: FastAPI) -> None:
    """Exit now if a write or a request thread still runs, rather than wait for it.

    Python joins every non-daemon thread (the request thread pool's) before it exits. A write is
    one store transaction, so one cut short stores nothing, as after a crash.
    """
    writes = getattr(app.state, "writes", None)
    writing = writes is not None and writes.running
    busy = [t for t in threading.enumerate()
            if t is not threading.current_thread() and t.is_alive() and not t.daemon]
    if writing or busy:
        log.warning("stopping with work in progress (a write: %s, request threads: %d); it is "
                    "abandoned and stores nothing", writing, len(busy))
        logging.shutdown()
        os._exit(0)
