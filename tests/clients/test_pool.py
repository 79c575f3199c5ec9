"""One `httpx.Client` per integration in a process (gmac.clients.pool): a run's requests to
one service share its connections, against a real local HTTP/1.1 server that keeps them
open, and counts the connections it accepted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gmac.clients.http import Api
from gmac.clients.pool import close_all
from tests.local_http import QuietHandler, serving

ports: list[int] = []  # the client's port of every request the server answered


class KeepAlive(QuietHandler):
    protocol_version = "HTTP/1.1"  # the connection stays open after an answer

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        ports.append(int(self.client_address[1]))
        body = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def url() -> Iterator[str]:
    ports.clear()
    close_all()
    with serving(KeepAlive) as served:
        yield served
    close_all()


def _api(url: str, service: str, **kwargs: Any) -> Api:
    return Api(service, url, authorization="token t", credential="token", **kwargs)


def test_requests_to_one_integration_share_one_connection(url: str) -> None:
    for _ in range(5):
        assert _api(url, "gitea").request("GET", "/thing") == {"ok": True}
    # Another call site of the same integration (a second Api, another timeout) too.
    assert _api(url, "gitea", timeout=5.0).request("GET", "/other") == {"ok": True}
    assert len(ports) == 6
    assert len(set(ports)) == 1, f"{len(set(ports))} connections for 6 requests"


def test_each_integration_has_its_own_client_and_closing_opens_anew(url: str) -> None:
    _api(url, "gitea").request("GET", "/a")
    _api(url, "turso").request("GET", "/b")
    assert len(set(ports)) == 2
    close_all()
    _api(url, "gitea").request("GET", "/c")
    assert len(set(ports)) == 3
