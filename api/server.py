"""Running the app under uvicorn with structured (JSON lines) access logs."""

from __future__ import annotations

import json
import logging

import uvicorn

from passerelle.api.app import create_app
from passerelle.graph.store.base import Store
from passerelle.settings import get_settings


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


def serve(store: Store, *, host: str, port: int, index: bool | None = None) -> None:
    """Serve until SIGTERM or Ctrl-C, then stop within ``settings.shutdown_timeout_s`` or so.

    uvicorn lets requests in progress finish for that long only (with no limit a slow write
    held the server up for minutes), then cancels them and raises the signal again, which ends
    the process. The write thread is a daemon, so nothing waits for a write cut short, and a
    write is one store transaction: one cut short stores nothing. ``index`` overrides the
    ``search_index`` setting (the ``--no-index`` option).
    """
    configure_logging()
    settings = get_settings()
    if index is not None:
        settings = settings.model_copy(update={"search_index": index})
    uvicorn.run(create_app(store, settings), host=host, port=port, access_log=False,
                log_level="warning", timeout_graceful_shutdown=settings.shutdown_timeout_s)
