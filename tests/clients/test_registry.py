"""The registry check against a local HTTP server answering as a registry's API v2."""

from __future__ import annotations

import socket

import pytest

from gmac.clients.registry import has_manifest, registry_parts
from tests.local_http import LocalServer

DIGEST = "sha256:" + "ab" * 32


def test_registry_parts_follow_dockers_rules() -> None:
    assert registry_parts("registry.example.com/team/api") == ("registry.example.com", "team/api")
    assert registry_parts("localhost:5000/api") == ("localhost:5000", "api")
    assert registry_parts("team/api") == ("registry-1.docker.io", "team/api")
    assert registry_parts("nginx") == ("registry-1.docker.io", "library/nginx")


def test_the_registry_says_whether_it_has_the_manifest(server: LocalServer) -> None:
    image = server.url.removeprefix("http://") + "/shop/api"
    manifest = f"/v2/shop/api/manifests/{DIGEST}"
    server.answer("HEAD", manifest, 200)
    assert has_manifest(image, DIGEST) is True
    assert "application/vnd.oci.image.index.v1+json" in server.requests[0].headers["accept"]
    server.answer("HEAD", manifest, 404)
    assert has_manifest(image, DIGEST) is False
    server.answer("HEAD", manifest, 401)  # wants credentials: cannot tell
    assert has_manifest(image, DIGEST) is None


def test_an_unreachable_registry_cannot_tell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMAC_HTTP_ATTEMPTS", "1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert has_manifest(f"127.0.0.1:{port}/shop/api", DIGEST) is None
