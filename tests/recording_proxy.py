"""A recording proxy in front of a real server (stripe-mock, Gitea): it forwards every
request, records what reached the server (method, path, query, headers, body) with the
status it got, and can answer a fault instead. A test reads the recording to check what a
client sent, and what it never sent (a token meant for another host).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.local_http import QuietHandler, serving


@dataclass
class Forwarded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class RecordingProxy:
    """Forwards every request to `upstream` and records it with the status it got. A test can
    queue faults: the next requests are answered with them instead of being forwarded."""

    upstream: str
    url: str = ""
    seen: list[Forwarded] = field(default_factory=list)
    faults: list[tuple[int, dict[str, str], str | None]] = field(default_factory=list)
    # Fields added to the JSON answers of (method, path): stripe-mock's fixtures leave out
    # some that Stripe documents (a webhook endpoint's `secret`, returned only by create).
    additions: dict[tuple[str, str], Callable[[], dict[str, Any]]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(
        self,
        status: int,
        count: int = 1,
        headers: dict[str, str] | None = None,
        method: str | None = None,
    ) -> None:
        """The next `count` requests (of `method` only, when given) are answered `status`."""
        with self.lock:
            self.faults.extend([(status, dict(headers or {}), method)] * count)

    def sent(self, method: str, path: str) -> list[Forwarded]:
        return [f for f in self.seen if f.method == method and f.path == path]

    def forward(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(target)
        with self.lock:
            fault = next((f for f in self.faults if f[2] in (None, method)), None)
            if fault is not None:
                self.faults.remove(fault)
        if fault is not None:
            status, extra, _method = fault
            data = json.dumps({"error": {"message": "injected", "type": "api_error"}}).encode()
            self.seen.append(Forwarded(method, parts.path, parts.query, headers, body, status))
            return status, {"Content-Type": "application/json", **extra}, data
        passed = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length")}
        response = httpx.request(
            method, self.upstream + target, headers=passed, content=body, timeout=30.0
        )
        self.seen.append(
            Forwarded(method, parts.path, parts.query, headers, body, response.status_code)
        )
        kept = {"Content-Type": response.headers.get("content-type", "application/json")}
        for name in ("request-id", "idempotency-key", "stripe-version", "link"):
            if name in response.headers:
                kept[name] = response.headers[name]
        content = response.content
        addition = self.additions.get((method, parts.path))
        if addition is not None and response.status_code == 200:
            content = json.dumps({**response.json(), **addition()}).encode()
        return response.status_code, kept, content


def _proxy_handler(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = dict(self.headers.items())
            status, answer_headers, data = proxy.forward(self.command, self.path, headers, body)
            self.send_response(status)
            for name, value in answer_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    return Handler


@contextmanager
def recording_proxy(upstream: str) -> Iterator[RecordingProxy]:
    """A proxy to `upstream` on a free port of 127.0.0.1, until the block ends."""
    proxy = RecordingProxy(upstream)
    with serving(_proxy_handler(proxy)) as url:
        proxy.url = url
        yield proxy
