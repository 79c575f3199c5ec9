"""The one local HTTP server of the tests: a real `ThreadingHTTPServer` on a free port of
127.0.0.1, served from a thread, always stopped.

- `serving(handler)`: any `BaseHTTPRequestHandler` class; yields the base URL.
- `LocalServer` (and the `server` fixture): routes a test defines, `(METHOD, path regex) ->
  handler(request, match) -> (status, body)`; it records every request (method, path,
  query, headers, body) so a test can check what a client sent.

A conftest that wants the fixture imports it: `from tests.local_http import server`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

LOCALHOST = "127.0.0.1"


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serves `handler` on a free port of 127.0.0.1 until the block ends; its base URL."""
    httpd = ThreadingHTTPServer((LOCALHOST, 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://{LOCALHOST}:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that keeps the test output clean: no line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


# A server of routes ---------------------------------------------------------------------------


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, str]:
        """A form-encoded body (the Stripe SDK's), flattened: `metadata[gmac_id]` -> value."""
        return {k: v[-1] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


Handler = Callable[[Request, re.Match[str]], tuple[int, Any]]


@dataclass
class LocalServer:
    """Routes are `(METHOD, path regex) -> handler(request, match) -> (status, body)`; the
    last route added wins. A body that is not bytes or str is sent as JSON; unknown routes
    answer 404."""

    url: str = ""
    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern), handler))

    def answer(self, method: str, pattern: str, status: int, body: Any = None) -> None:
        self.route(method, pattern, lambda _request, _match: (status, body))

    def handle(self, request: Request) -> tuple[int, Any]:
        self.requests.append(request)
        for method, pattern, handler in reversed(self.routes):
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                return handler(request, match)
        return 404, {"message": "not found"}

    def sent(self, method: str, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path == path]


def _routes_handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class RoutesHandler(QuietHandler):
        def _serve(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=parts.path,
                query={k: v[-1] for k, v in parse_qs(parts.query).items()},
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            status, body = server.handle(request)
            if isinstance(body, bytes | str):
                data = body.encode() if isinstance(body, str) else body
                kind = "text/plain"
            else:
                data = b"" if body is None else json.dumps(body).encode()
                kind = "application/json"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        # http.server dispatches on `do_<METHOD>`.
        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve  # noqa: N815

    return RoutesHandler


@contextmanager
def local_server() -> Iterator[LocalServer]:
    """A `LocalServer` with no routes yet, served until the block ends."""
    routes = LocalServer()
    with serving(_routes_handler(routes)) as url:
        routes.url = url
        yield routes


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as routes:
        yield routes
