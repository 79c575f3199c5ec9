"""The Gitea client against a local HTTP server answering the REST v1 shapes it reads (real
Gitea comes with the integration tests): credentials, paths, pages, and token rotation."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from gmac.clients.gitea import GiteaClient, GiteaConnection, rotate_gitea_token
from gmac.errors import IntegrationError
from tests.local_http import LocalServer, Request

TOKEN = "gitea-secret-token"


def _client(server: LocalServer, **changes: Any) -> GiteaClient:
    settings: dict[str, Any] = {"token": TOKEN, "token_secret": "gitea-token", **changes}
    return GiteaClient(GiteaConnection(server.url + "/", **settings))


def test_a_token_or_a_login_authenticates(server: LocalServer) -> None:
    server.answer("GET", "/api/v1/user", 200, {"login": "ci"})
    assert _client(server).user() == {"login": "ci"}
    _client(server, token="", username="admin", password="pw").user()
    first, second = (request.headers["authorization"] for request in server.requests)
    assert first == f"token {TOKEN}"
    assert second == "Basic " + base64.b64encode(b"admin:pw").decode()


def test_no_token_fails_before_any_request(server: LocalServer) -> None:
    with pytest.raises(IntegrationError) as caught:
        _client(server, token="").require_credentials()
    assert str(caught.value) == "gitea: no API token; set secret 'gitea-token'"
    assert server.requests == []
    assert TOKEN not in repr(GiteaConnection(server.url, token=TOKEN))


def test_the_server_version_needs_no_credential(server: LocalServer) -> None:
    server.answer("GET", "/api/v1/version", 200, {"version": "1.26.0"})
    assert _client(server, token="").server_version() == "1.26.0"
    assert "authorization" not in server.requests[0].headers
    server.answer("GET", "/api/v1/version", 200, "not json")
    assert _client(server).server_version() is None


def test_an_existing_repository_is_none_not_an_error(server: LocalServer) -> None:
    server.answer("POST", "/api/v1/orgs/shop/repos", 409, {"message": "already exists"})
    assert _client(server).create_repository("shop", {"name": "api"}) is None
    server.answer("POST", "/api/v1/orgs/shop/repos", 422, {"message": "name is invalid"})
    with pytest.raises(IntegrationError) as caught:
        _client(server).create_repository("shop", {"name": "API!"})
    assert str(caught.value) == "gitea: POST /orgs/shop/repos: name is invalid (422)"


def test_names_are_single_path_segments(server: LocalServer) -> None:
    server.answer(
        "GET", "/api/v1/repos/shop/api/branches/release%2F1", 200, {"commit": {"id": "c1"}}
    )
    repo = _client(server).repo("shop", "api")
    assert repo.head_commit("release/1") == "c1"
    assert repo.head_commit("main") == ""  # no such branch yet
    assert repo.branch_protection("release/*") is None
    assert server.requests[-1].path == "/api/v1/repos/shop/api/branch_protections/release%2F%2A"


def test_the_first_commit_creates_every_file(server: LocalServer) -> None:
    server.answer("POST", "/api/v1/repos/shop/api/contents", 201, {})
    _client(server).repo("shop", "api").commit_files("main", "first", {"b.txt": "b", "a.md": "a"})
    body = server.sent("POST", "/api/v1/repos/shop/api/contents")[0].json()
    assert (body["branch"], body["message"]) == ("main", "first")
    assert [(f["operation"], f["path"]) for f in body["files"]] == [
        ("create", "a.md"),
        ("create", "b.txt"),
    ]
    assert base64.b64decode(body["files"][0]["content"]) == b"a"


def test_hooks_are_read_page_by_page_as_far_as_needed(server: LocalServer) -> None:
    def page(request: Request, _match: Any) -> tuple[int, Any]:
        number = int(request.query["page"])
        first = (number - 1) * 50
        return 200, [{"id": i} for i in range(first, min(first + 50, 120))]

    server.route("GET", "/api/v1/repos/shop/api/hooks", page)
    repo = _client(server).repo("shop", "api")
    assert [hook["id"] for hook in repo.hooks()] == list(range(120))
    assert [r.query["page"] for r in server.requests] == ["1", "2", "3"]
    server.requests.clear()
    assert next(hook for hook in repo.hooks() if hook["id"] == 3) == {"id": 3}
    assert len(server.requests) == 1


def test_rotation_copies_the_scopes_then_revokes_the_old_token(server: LocalServer) -> None:
    current = "0123456789abcdef0123456789abcdef12345678"
    old = {"id": 3, "name": "gmac-1", "token_last_eight": current[-8:], "scopes": ["write:org"]}
    server.answer("GET", "/api/v1/users/admin/tokens", 200, [{"id": 1}, old])
    server.answer("POST", "/api/v1/users/admin/tokens", 201, {"sha1": "new-token"})
    server.answer("DELETE", "/api/v1/users/admin/tokens/3", 204)

    token = rotate_gitea_token(server.url, "admin", "pw", current, "gmac-2")

    assert (token.value, token.name) == ("new-token", "gmac-2")
    created = server.sent("POST", "/api/v1/users/admin/tokens")[0].json()
    assert created == {"name": "gmac-2", "scopes": ["write:org"]}
    assert server.sent("DELETE", "/api/v1/users/admin/tokens/3") == []  # not before revoke
    assert token.revoke() == "gmac-1"
    assert len(server.sent("DELETE", "/api/v1/users/admin/tokens/3")) == 1


def test_rotation_refuses_a_token_it_cannot_find(server: LocalServer) -> None:
    server.answer("GET", "/api/v1/users/admin/tokens", 200, [])
    with pytest.raises(IntegrationError, match="not among admin's tokens"):
        rotate_gitea_token(server.url, "admin", "pw", "unknown-token", "gmac-2")
    assert server.sent("POST", "/api/v1/users/admin/tokens") == []
