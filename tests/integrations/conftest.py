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

import pytest

from gmac.dev import servers
from tests.integrations.turso_api import TursoStandIn, serve
from tests.local_http import QuietHandler, serving
from tests.real import require
from tests.recording_proxy import Forwarded, RecordingProxy, recording_proxy

__all__ = ["Forwarded", "RecordingProxy", "require"]

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


@pytest.fixture
def stripe_proxy(stripe_mock: servers.Server) -> Iterator[RecordingProxy]:
    """stripe-mock behind a proxy that records each request (fresh for every test)."""
    with recording_proxy(stripe_mock.url) as proxy:
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
