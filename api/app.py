"""The FastAPI application: one router per resource, the store and settings on ``app.state``.

What every answer shares is decided here, in one middleware (``Conventions``): HEAD wherever GET
is, CORS on the read-only surface and never on writes, and the security headers of every page.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import time
from importlib import resources as package_files

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Match

from passerelle.api.redirects import RelativeRedirects
from passerelle.api.routers import (
    changes,
    coverage,
    events,
    exports,
    factfiles,
    graph_store,
    health,
    language,
    openreferral,
    organisations,
    pages,
    practices,
    query_page,
    referral,
    resources,
    services,
    sparql,
    sparql_update,
    vocabularies,
)
from passerelle.api.writing import Refusal
from passerelle.graph.read import search_index
from passerelle.graph.store.base import Store
from passerelle.settings import Settings, get_settings

access_log = logging.getLogger("passerelle.access")

READ_ONLY = re.compile(r"^/(sparql|catalog|context\.jsonld|ontology(/.*)?|api/.*|id/.*|export/.*"
                       r"|openreferral/.*)$")
"""The paths any web page may read from another origin (browser SPARQL editors, data portals)."""
QUERY_POST = "/sparql"
"""The one path where POST only reads: the SPARQL query endpoint (updates are /sparql/update)."""
CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "Content-Disposition, Content-Language, ETag, Link, "
                                         "Retry-After"}
PREFLIGHT = {**CORS, "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type",
             "Access-Control-Max-Age": "86400"}
DOC_PATHS = ("/docs", "/redoc")


def _inline_style_hashes() -> str:
    """CSP sources for the one inline stylesheet we serve (the ontology page, which ``make docs``
    also writes as a standalone file and so keeps its style inside). The style is static text
    in the template, so it is hashed from there."""
    template = package_files.files("passerelle.api").joinpath("templates", "ontology.html")
    found = re.findall(r"<style>(.*?)</style>", template.read_text(encoding="utf-8"), re.DOTALL)
    return " ".join("'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
                    + "'" for css in found)


def _policy(styles: str) -> str:
    return ("default-src 'self'; script-src 'self'; style-src 'self' " + styles + "; "
            "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


DOCS_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
"""Swagger UI and ReDoc set styles from script, so their two pages allow inline styles; they
still run only scripts served from this server."""


class Conventions:
    """HEAD, CORS and security headers for every answer (a plain ASGI middleware, so bodies
    stream through untouched).

    HEAD runs the GET handler and drops the body, unless a route answers HEAD itself (the Graph
    Store). CORS headers go on GET/HEAD of the read-only paths and on POST to the query endpoint;
    a preflight for anything else gets no CORS headers, so browsers never send cross-origin writes.
    """

    def __init__(self, app, router) -> None:
        self.app, self.router = app, router
        self.policy: str | None = None

    def _answers_head(self, scope) -> bool:
        return any(route.matches(scope)[0] == Match.FULL for route in self.router.routes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        readable = READ_ONLY.match(path) is not None
        if method == "OPTIONS" and readable:
            asked = Headers(scope=scope).get("access-control-request-method", "").upper()
            allowed = ["GET", "HEAD", "POST"] if path == QUERY_POST else ["GET", "HEAD"]
            if asked in allowed:
                await Response(status_code=204, headers={
                    **PREFLIGHT, "Access-Control-Allow-Methods": ", ".join(allowed)})(
                    scope, receive, send)
                return
        head = method == "HEAD" and not self._answers_head(scope)
        if head:
            scope = {**scope, "method": "GET"}
        cors = readable and (method in ("GET", "HEAD") or (method == "POST"
                                                           and path == QUERY_POST))
        if self.policy is None:
            self.policy = _policy(_inline_style_hashes())
        policy = DOCS_POLICY if path in DOC_PATHS else self.policy

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", policy)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if cors:
                    for name, value in CORS.items():
                        headers[name] = value
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """One access-log line for each answer, when its status is sent: a plain ASGI middleware,
    since Starlette's ``BaseHTTPMiddleware`` runs each request through a task and a stream of
    its own, which cost a search answered from kept answers a fair share of its time."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def logged(message) -> None:
            if message["type"] == "http.response.start":
                client = scope.get("client")
                access_log.info("request", extra={
                    "method": scope["method"], "path": scope["path"],
                    "status": message["status"],
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": client[0] if client else None})
            await send(message)

        await self.app(scope, receive, logged)


def _docs_page(title: str, css: str | None, script: str, init: str) -> HTMLResponse:
    """Swagger UI or ReDoc from the assets installed with the package (no CDN: works offline)."""
    style = f'<link rel="stylesheet" href="/docs-assets/{css}">' if css else ""
    return HTMLResponse(
        f'<!DOCTYPE html><html lang="{Settings.languages.default}"><head><meta charset="utf-8">'
        f'<title>{title}</title>'
        f'<link rel="icon" href="/favicon.ico">{style}</head><body><div id="api-docs"></div>'
        f'<script src="/docs-assets/{script}"></script>'
        f'<script src="/static/{init}"></script></body></html>')


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    app = FastAPI(
        docs_url=None, redoc_url=None,
        title="Passerelle",
        version="0.1.0",
        description="Services, organisations and practices that help migrants and refugees "
        "settle in rural Europe, as linked data.",
    )
    app.state.store = store
    app.state.settings = settings or get_settings()
    search_index.configure(store, enabled=app.state.settings.search_index)

    for router in (health.router, services.router, coverage.router, factfiles.router,
                   resources.router, vocabularies.router,
                   organisations.router, practices.router, events.router, pages.router,
                   exports.router, query_page.router, sparql.router, referral.router,
                   openreferral.router):
        app.include_router(router)
    for router in (graph_store.router, sparql_update.router, changes.router):
        app.include_router(router)
    app.include_router(language.router)
    app.add_exception_handler(Refusal, lambda _request, error: error.response)
    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _docs_page("Passerelle API", "swagger-ui.css", "swagger-ui-bundle.js",
                          "swagger-init.js")

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _docs_page("Passerelle API", None, "redoc.standalone.js", "redoc-init.js")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        icon = package_files.files("passerelle.api").joinpath("static", "favicon.svg").read_bytes()
        return Response(icon, media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})

    app.add_middleware(RelativeRedirects)
    app.add_middleware(AccessLog)
    app.mount("/static", StaticFiles(packages=[("passerelle.api", "static")]), name="static")
    app.mount("/docs-assets", StaticFiles(packages=[("fastapi_offline", "static")]),
              name="docs-assets")
    app.add_middleware(Conventions, router=app.router)
    return app
