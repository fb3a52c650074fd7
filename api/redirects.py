"""Redirects that never carry the Host header a client sent.

Starlette answers ``/store/`` with a redirect to ``/store``, built as an absolute URL from the
request's ``Host`` header: a client (or a cache poisoned by one) could make the site send people to
any host. A redirect to the request's own host is made relative instead, which every browser
resolves against the address it actually asked; redirects elsewhere are left as they are.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RelativeRedirects:
    """ASGI middleware: ``Location: http://HOST/path`` becomes ``/path`` when HOST is the one
    the request named."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()

        async def relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                message["headers"] = [
                    (name, _relative(value, host) if name.lower() == b"location" else value)
                    for name, value in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, relative)


def _relative(location: bytes, host: str) -> bytes:
    url = urlsplit(location.decode("latin-1"))
    if not url.netloc or url.netloc.lower() != host:
        return location
    path = url.path if url.path.startswith("/") else "/" + url.path
    if path.startswith("//"):
        path = "/" + path.lstrip("/")  # "//x" would name a host
    return urlunsplit(("", "", path, url.query, url.fragment)).encode("latin-1")
