"""A loopback HTTP server that records every connection and request it receives.

Why: "nothing was fetched" must be observed, not assumed. Hostile queries and updates name the
canary's URL as their SERVICE or LOAD target; after each, the test asserts the canary saw no
connection at all. If something does reach it, it answers with data carrying ``SECRET``, so a
test can also check that no answer echoes what was fetched.
"""

from __future__ import annotations

import http.server
import socketserver
import threading

SECRET = "canary-secret-7f3a"
TURTLE = f'<http://canary.example/s> <http://canary.example/p> "{SECRET}" .\n'.encode()
RESULTS = ('{"head":{"vars":["s"]},"results":{"bindings":[{"s":{"type":"literal","value":"'
           + SECRET + '"}}]}}').encode()


class Canary:
    """Start with ``start()``; ``url`` is its base URL, ``port`` its port, ``hits`` every
    connection (its peer) and request line received, in order."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def setup(self) -> None:
                canary.hits.append(f"connection from {self.client_address[0]}")
                super().setup()

            def do_GET(self) -> None:
                canary.hits.append(f"{self.command} {self.path}")
                sparql = "sparql-results" in self.headers.get("Accept", "")
                body = RESULTS if sparql else TURTLE
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json" if sparql
                                 else "text/turtle")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, *args) -> None:
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}/"

    def start(self) -> Canary:
        threading.Thread(target=self._server.serve_forever, name="canary", daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
