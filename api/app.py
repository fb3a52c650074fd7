"""The FastAPI application: one router per resource, the store and settings on ``app.state``."""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from passerelle.api.redirects import RelativeRedirects
from passerelle.api.routers import (
    changes,
    events,
    exports,
    graph_store,
    health,
    organisations,
    pages,
    practices,
    query_page,
    resources,
    services,
    sparql,
    sparql_update,
    vocabularies,
)
from passerelle.api.writing import Refusal
from passerelle.graph.store import Store
from passerelle.settings import Settings, get_settings

access_log = logging.getLogger("passerelle.access")


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        title="Passerelle",
        version="0.1.0",
        description="Services, organisations and practices that help migrants and refugees "
        "settle in rural Europe, as linked data.",
    )
    app.state.store = store
    app.state.settings = settings or get_settings()

    @app.middleware("http")
    async def log_access(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        access_log.info(
            "request",
            extra={
                "method": request.method,
                "path": request.url.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "client": request.client.host if request.client else None,
            },
        )
        return response

    for router in (health.router, services.router, resources.router, vocabularies.router,
                   organisations.router, practices.router, events.router, pages.router,
                   exports.router, query_page.router, sparql.router):
        app.include_router(router)
    for router in (graph_store.router, sparql_update.router, changes.router):
        app.include_router(router)
    app.add_exception_handler(Refusal, lambda _request, error: error.response)
    app.add_middleware(RelativeRedirects)
    app.mount("/static", StaticFiles(packages=[("passerelle.api", "static")]), name="static")
    return app
