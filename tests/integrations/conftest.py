"""The servers of the integration tests, each on a free port of 127.0.0.1, stopped at the end.

Real servers, started once per session (`gmac.dev.servers`):

- `gitea`: Gitea built from its Go module, an admin token, and the organization `gmac`;
- `stripe_mock`: stripe-mock, with a `stripe_proxy` in front that records what reached it
  and can answer a fault instead (stripe-mock itself keeps no state);
- `alertmanager`, `pushgateway`: Debian's packages.

Ours, for each test:

- `turso_stand_in`: a stand-in for the Turso Platform API, written from its documentation
  (turso_api.py, turso_api_facts.json): no Turso server can run here, so it is not Turso;
- `receiver`: a webhook receiver that records every delivery.

A server whose binary is missing skips its tests with the reason; in CI that skip is a
failure (tests/conftest.py). Build them with scripts/install-servers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from gmac.dev import servers
from tests.integrations.turso_api import TursoStandIn, serve
from tests.local_http import QuietHandler, serving
from tests.real import require

GITEA_ORG = "gmac"


@pytest.fixture(scope="session")
def servers_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("servers")


@pytest.fixture(scope="session")
def gitea(servers_home: Path) -> Iterator[servers.Gitea]:
    build = require(servers.find_gitea(), f"gitea {servers.GITEA_VERSION}")
    started = servers.start_gitea(servers_home / "gitea", build)
    try:
        started.create_org(GITEA_ORG)
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def stripe_mock(servers_home: Path) -> Iterator[servers.Server]:
    binary = require(servers.find_stripe_mock(), f"stripe-mock {servers.STRIPE_MOCK_VERSION}")
    started = servers.start_stripe_mock(servers_home / "stripe-mock", binary)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def alertmanager(servers_home: Path) -> Iterator[servers.Server]:
    binary = require(
        servers.find_alertmanager(),
        servers.ALERTMANAGER_BINARY,
        "run scripts/install-system-packages",
    )
    started = servers.start_alertmanager(servers_home / "alertmanager", binary)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def pushgateway(servers_home: Path) -> Iterator[servers.Server]:
    binary = require(
        servers.find_pushgateway(),
        servers.PUSHGATEWAY_BINARY,
        "run scripts/install-system-packages",
    )
    started = servers.start_pushgateway(servers_home / "pushgateway", binary)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def turso_stand_in() -> Iterator[TursoStandIn]:
    """The Turso Platform API stand-in; `turso_stand_in.api_token` is a token it accepts."""
    with serve() as api:
        yield api


# A recording proxy (in front of stripe-mock) -------------------------------------------------


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
        for name in ("request-id", "idempotency-key", "stripe-version"):
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

        do_GET = do_POST = do_DELETE = _serve  # noqa: N815

    return Handler


@pytest.fixture
def stripe_proxy(stripe_mock: servers.Server) -> Iterator[RecordingProxy]:
    """stripe-mock behind a proxy that records each request (fresh for every test)."""
    proxy = RecordingProxy(stripe_mock.url)
    with serving(_proxy_handler(proxy)) as url:
        proxy.url = url
        yield proxy


# A webhook receiver ---------------------------------------------------------------------------


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; `wait_for` blocks until a delivery matches."""

    url: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def record(self, delivery: Delivery) -> None:
        with self.arrived:
            self.deliveries.append(delivery)
            self.arrived.notify_all()

    def wait_for(self, match: Callable[[Delivery], bool], timeout: float = 30.0) -> Delivery:
        with self.arrived:
            found: list[Delivery] = []

            def ready() -> bool:
                found[:] = [d for d in self.deliveries if match(d)]
                return bool(found)

            if not self.arrived.wait_for(ready, timeout):
                raise AssertionError(
                    f"no matching delivery within {timeout:g}s; got {len(self.deliveries)}"
                )
            return found[0]


def _receiver_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server dispatches on do_<METHOD>
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            receiver.record(Delivery(self.path, headers, body))
            self.send_response(204)
            self.end_headers()

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hooks = Receiver()
    with serving(_receiver_handler(hooks)) as url:
        hooks.url = url
        yield hooks
