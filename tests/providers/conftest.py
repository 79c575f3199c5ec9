"""Fixtures for the provider and integration component tests.

- `spec`/`ctx`: the small project in tests/providers/specs, validated for `production`.
- `mocks`: Pulumi's mocks, recording every resource registered (components too).
- `server`: a real HTTP server on 127.0.0.1 whose routes a test defines; it records every
  request (method, path, query, headers, body) so a test can check what a provider sent.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pulumi
import pytest
from pulumi.runtime.mocks import MockMonitor

from components.context import CompileContext
from gmac.validate import Spec, validate_directory

SPECS = Path(__file__).resolve().parent / "specs"
SECRET_VALUES = {
    "gitea-token": "gitea-secret-token",
    "stripe-key": "sk_test_secretkey",
    "turso-api-token": "turso-platform-token",
    "ci-secret": "ci-hook-secret",
}

# What the fake engine answers for the outputs a provider computes.
FAKE_OUTPUTS: dict[str, dict[str, Any]] = {
    "pulumi-python:dynamic/gitea:Repository": {
        "clone_url": "https://git.example.com/shop/api.git",
        "html_url": "https://git.example.com/shop/api",
        "full_name": "shop/api",
        "head_commit": "0123456789abcdef0123456789abcdef01234567",
    },
    "pulumi-python:dynamic/stripe:WebhookEndpoint": {"signing_secret": "whsec_mock"},
    "pulumi-python:dynamic/turso:Database": {"url": "libsql://orders-shop.turso.io"},
    "pulumi-python:dynamic/turso:DatabaseToken": {"jwt": "jwt-mock"},
    "pulumi-python:dynamic/image:Build": {
        "ref": "registry.example.com/shop/api:0123456789ab@sha256:" + "a" * 64
    },
}


@pytest.fixture(scope="session")
def spec() -> Spec:
    return validate_directory(SPECS, "production")["production"]


@pytest.fixture
def ctx(spec: Spec) -> CompileContext:
    return CompileContext(spec=spec, secret_values=SECRET_VALUES)


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.monitor = MockMonitor(self)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        self.resources.append(args)
        state = {**args.inputs, **FAKE_OUTPUTS.get(args.typ, {})}
        return (f"{args.name}-id" if args.custom else None), state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        return {}, None

    def named(self, name: str) -> pulumi.runtime.MockResourceArgs:
        for item in self.resources:
            if item.name == name:
                return item
        raise KeyError(f"no resource {name!r} among {[item.name for item in self.resources]}")

    def urns(self) -> dict[str, str]:
        """Resource name -> URN, as the mock monitor made them (the URN carries the parent)."""
        return {urn.rsplit("::", 1)[1]: urn for urn in self.monitor.resources}


@pytest.fixture
def mocks() -> RecordingMocks:
    recording = RecordingMocks()
    pulumi.runtime.set_mocks(
        recording, project="gmac", stack="production", preview=False, monitor=recording.monitor
    )
    return recording


# A real local HTTP server -------------------------------------------------------------------


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
    """Routes are `(METHOD, path regex) -> handler(request, match) -> (status, body)`.
    A body that is not bytes or str is sent as JSON; unknown routes answer 404."""

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


def _handler_class(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
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

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Handler


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(local))
    local.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield local
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
