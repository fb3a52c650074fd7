"""Running the app under uvicorn with structured (JSON lines) access logs."""

from __future__ import annotations

import json
import logging

import uvicorn

from passerelle.api.app import create_app
from passerelle.graph.store import Store


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
    configure_logging()
    app = create_app(store)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
