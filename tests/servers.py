"""Starting and stopping the processes tests and benchmarks talk to: ``passerelle serve``, an
Oxigraph server, Virtuoso, Chromium. One way to do it, so that a server that dies at start says
why, a server that never answers is killed, and a stopped server leaves no process behind.

Logs go to files: a pipe nobody reads fills up and blocks a server once enough is logged.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

PASSERELLE = Path(sys.executable).with_name("passerelle")
OXIGRAPH = Path(sys.executable).with_name("oxigraph")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str, **params: str) -> Callable[[], bool]:
    """A readiness check: ``url`` answers a GET (with ``params``) with 200."""
    def ready() -> bool:
        return httpx.get(url, params=params, timeout=2).status_code == 200
    return ready


def start(command: list[str], ready: Callable[[], bool], *, what: str, seconds: float = 120,
          env: dict[str, str] | None = None, log: Path | None = None, cwd: Path | None = None
          ) -> subprocess.Popen:
    """Start ``command`` and wait until ``ready()`` holds; a process that exits first, or is not
    ready within ``seconds``, raises with the end of its log (and is killed)."""
    out = log.open("ab") if log else subprocess.DEVNULL
    try:
        process = subprocess.Popen(command, env={**os.environ, **(env or {})}, cwd=cwd,
                                   stdout=subprocess.DEVNULL, stderr=out)
    finally:
        if log:
            out.close()
    wait(process, ready, what=what, seconds=seconds, log=log)
    return process


def wait(process: subprocess.Popen, ready: Callable[[], bool], *, what: str,
         seconds: float = 120, log: Path | None = None) -> None:
    """Wait until ``ready()`` holds for a started process (see ``start``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}: {_tail(log)}")
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{what} did not answer within {seconds:g} s: {_tail(log)}")


def stop(process: subprocess.Popen, seconds: float = 20) -> None:
    """Ask the process to end (SIGTERM), then kill it if it has not within ``seconds``."""
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_passerelle(store: Path | None, *, backend: list[str] | None = None,
                     env: dict[str, str] | None = None, log: Path | None = None,
                     seconds: float = 120) -> tuple[subprocess.Popen, str]:
    """``passerelle serve`` on ``store`` (or on ``backend`` options such as ``--endpoint URL``)
    on a free loopback port, ready when ``/healthz`` answers; the process and its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start([str(PASSERELLE), "serve", *(backend or ["--store", str(store)]),
                     "--port", str(port)], answers(url + "/healthz"), what="the server",
                    env={"PASSERELLE_PUBLIC_URL": url, **(env or {})}, log=log, seconds=seconds)
    return process, url


def start_oxigraph(location: Path, *, union_default_graph: bool = True, log: Path | None = None
                   ) -> tuple[subprocess.Popen, str]:
    """``oxigraph serve`` on ``location`` on a free loopback port, ready when it answers a
    query; the process and its base URL."""
    address = f"127.0.0.1:{free_port()}"
    url = f"http://{address}"
    process = start([str(OXIGRAPH), "serve", "--location", str(location), "--bind", address,
                     *(["--union-default-graph"] if union_default_graph else [])],
                    answers(url + "/query", query="ASK {}"), what="the Oxigraph server", log=log)
    return process, url


@contextlib.contextmanager
def chromium() -> Iterator:
    """Debian's Chromium driven by Playwright, headless and offline-minded; closed on leaving."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def _tail(log: Path | None) -> str:
    return log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
