"""The Gitea providers against a local HTTP server speaking the few REST v1 calls they make."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers import (
    GiteaBranchProtectionProvider,
    GiteaRepositoryProvider,
    GiteaWebhookProvider,
)
from gmac.providers._base import Props
from gmac.providers._gitea import repository_marker
from tests.local_http import LocalServer

TOKEN = "gitea-secret-token"


def _repo_json(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "name": "api",
        "full_name": "shop/api",
        "owner": {"login": "shop"},
        "description": "the api",
        "private": True,
        "default_branch": "main",
        "clone_url": f"{server.url}/shop/api.git",
        "html_url": f"{server.url}/shop/api",
        "ssh_url": "git@git.example.com:shop/api.git",
        **changes,
    }


@pytest.fixture
def gitea(server: LocalServer) -> LocalServer:
    server.route("POST", "/api/v1/orgs/shop/repos", lambda r, m: (201, _repo_json(server)))
    server.answer("POST", "/api/v1/repos/shop/api/contents", 201, {"commit": {"sha": "c0ffee"}})
    server.answer("GET", "/api/v1/repos/shop/api/branches/main", 200, {"commit": {"id": "c0ffee"}})
    server.route("GET", "/api/v1/repositories/7", lambda r, m: (200, _repo_json(server)))
    server.route(
        "PATCH",
        "/api/v1/repos/shop/api",
        lambda r, m: (200, _repo_json(server, **{"name": r.json().get("name", "api")})),
    )
    server.answer("DELETE", "/api/v1/repos/shop/api", 204)
    return server


def _repo_props(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "base_url": server.url,
        "token": TOKEN,
        "token_secret": "gitea-token",
        "owner": "shop",
        "repo": "api",
        "description": "the api",
        "private": True,
        "default_branch": "main",
        "files": {"README.md": "# api\n", "Dockerfile": "FROM scratch\n"},
        **changes,
    }


def test_create_repository_with_an_initial_commit(gitea: LocalServer) -> None:
    result = GiteaRepositoryProvider().create(_repo_props(gitea))

    assert result.id == "7"
    create = gitea.sent("POST", "/api/v1/orgs/shop/repos")[0]
    assert create.headers["authorization"] == f"token {TOKEN}"
    marker = repository_marker(Props(_repo_props(gitea)))
    assert marker.startswith("(gmac:")
    assert create.json() == {
        "name": "api",
        "description": f"the api {marker}",
        "private": True,
        "default_branch": "main",
        "auto_init": False,
    }
    commit = gitea.sent("POST", "/api/v1/repos/shop/api/contents")[0].json()
    assert commit["branch"] == "main"
    assert [(f["operation"], f["path"]) for f in commit["files"]] == [
        ("create", "Dockerfile"),
        ("create", "README.md"),
    ]
    assert base64.b64decode(commit["files"][1]["content"]) == b"# api\n"
    outs = result.outs or {}
    assert outs["clone_url"] == f"{gitea.url}/shop/api.git"
    assert outs["head_commit"] == "c0ffee"
    assert outs["full_name"] == "shop/api"
    assert outs["marker"] == marker
    assert "__provider" not in outs


def test_create_without_files_makes_no_commit(gitea: LocalServer) -> None:
    GiteaRepositoryProvider().create(_repo_props(gitea, files={}))
    assert gitea.sent("POST", "/api/v1/repos/shop/api/contents") == []


def test_a_failed_initial_commit_removes_the_new_repository(gitea: LocalServer) -> None:
    gitea.answer("POST", "/api/v1/repos/shop/api/contents", 422, {"message": "bad path"})
    with pytest.raises(IntegrationError, match=r"POST /repos/shop/api/contents: bad path \(422\)"):
        GiteaRepositoryProvider().create(_repo_props(gitea))
    assert len(gitea.sent("DELETE", "/api/v1/repos/shop/api")) == 1


def test_read_returns_live_state_for_refresh(gitea: LocalServer) -> None:
    gitea.route(
        "GET",
        "/api/v1/repositories/7",
        lambda r, m: (200, _repo_json(gitea, description="edited in the UI", private=False)),
    )
    result = GiteaRepositoryProvider().read("7", _repo_props(gitea))
    assert result.id == "7"
    outs = result.outs or {}
    assert outs["description"] == "edited in the UI"
    assert outs["private"] is False
    assert outs["token"] == TOKEN  # kept for the next call, stored as a secret by the engine


def test_read_of_a_deleted_repository_reports_it_gone(gitea: LocalServer) -> None:
    gitea.answer("GET", "/api/v1/repositories/7", 404, {"message": "not found"})
    assert GiteaRepositoryProvider().read("7", _repo_props(gitea)).id is None


def test_update_renames_and_edits_in_place(gitea: LocalServer) -> None:
    old = _repo_props(gitea)
    new = _repo_props(gitea, repo="api2", description="renamed")
    gitea.answer("GET", "/api/v1/repos/shop/api2/branches/main", 200, {"commit": {"id": "beef"}})
    result = GiteaRepositoryProvider().update("7", old, new)
    patch = gitea.sent("PATCH", "/api/v1/repos/shop/api")[0].json()
    assert patch == {
        "name": "api2",
        "description": "renamed",
        "private": True,
        "default_branch": "main",
    }
    assert (result.outs or {})["head_commit"] == "beef"


def test_delete_repository_and_a_missing_one_is_fine(gitea: LocalServer) -> None:
    GiteaRepositoryProvider().delete("7", _repo_props(gitea))
    assert len(gitea.sent("DELETE", "/api/v1/repos/shop/api")) == 1
    gitea.answer("DELETE", "/api/v1/repos/shop/api", 404, {"message": "gone"})
    GiteaRepositoryProvider().delete("7", _repo_props(gitea))


def test_a_rejected_token_is_a_clear_error_without_the_token(server: LocalServer) -> None:
    server.answer("POST", "/api/v1/orgs/shop/repos", 401, {"message": "token is required"})
    with pytest.raises(IntegrationError) as caught:
        GiteaRepositoryProvider().create(_repo_props(server))
    assert str(caught.value) == "gitea: token rejected (401); check secret 'gitea-token'"
    assert caught.value.status == 401
    assert TOKEN not in str(caught.value)


def test_a_missing_token_fails_before_any_request(server: LocalServer) -> None:
    with pytest.raises(IntegrationError, match=r"gitea: no API token; set secret 'gitea-token'"):
        GiteaRepositoryProvider().create(_repo_props(server, token=""))
    assert server.requests == []


def test_server_messages_are_passed_on(server: LocalServer) -> None:
    message = "invalid repo name"
    server.answer("POST", "/api/v1/orgs/shop/repos", 422, {"message": message})
    with pytest.raises(IntegrationError) as caught:
        GiteaRepositoryProvider().create(_repo_props(server))
    assert str(caught.value) == f"gitea: POST /orgs/shop/repos: {message} (422)"


def test_a_repository_made_by_a_run_that_died_is_taken_over(gitea: LocalServer) -> None:
    """409 from create, and the repository carries gmac's marker: an earlier attempt made it
    and never heard back. It is set as declared, and gets its first commit only if it has
    none."""
    message = "The repository with the same name already exists."
    marker = repository_marker(Props(_repo_props(gitea)))
    gitea.answer("POST", "/api/v1/orgs/shop/repos", 409, {"message": message})
    gitea.answer("GET", "/api/v1/repos/shop/api", 200, _repo_json(gitea, description=marker))
    gitea.route(
        "PATCH",
        "/api/v1/repos/shop/api",
        lambda r, m: (200, _repo_json(gitea, empty=False, default_branch="main", **r.json())),
    )

    result = GiteaRepositoryProvider().create(_repo_props(gitea, description="declared"))

    assert result.id == "7"
    assert gitea.sent("PATCH", "/api/v1/repos/shop/api")[0].json() == {
        "description": f"declared {marker}",
        "private": True,
    }
    assert gitea.sent("POST", "/api/v1/repos/shop/api/contents") == []


def test_a_repository_gmac_did_not_make_stops_the_create(gitea: LocalServer) -> None:
    """409 from create, and no marker: someone's repository; it is left as it is."""
    gitea.answer("POST", "/api/v1/orgs/shop/repos", 409, {"message": "exists"})
    gitea.answer("GET", "/api/v1/repos/shop/api", 200, _repo_json(gitea, description="ours"))

    with pytest.raises(ExistingObjectError) as caught:
        GiteaRepositoryProvider().create(_repo_props(gitea))

    assert str(caught.value).startswith(
        "gitea: repository shop/api already exists and gmac did not make it; run `gmac adopt`"
    )
    assert gitea.sent("PATCH", "/api/v1/repos/shop/api") == []
    assert gitea.sent("POST", "/api/v1/repos/shop/api/contents") == []


def test_read_leaves_the_marker_out(gitea: LocalServer) -> None:
    marker = repository_marker(Props(_repo_props(gitea)))
    gitea.route(
        "GET",
        "/api/v1/repositories/7",
        lambda r, m: (200, _repo_json(gitea, description=f"the api {marker}")),
    )
    outs = GiteaRepositoryProvider().read("7", _repo_props(gitea, marker=marker)).outs or {}
    assert outs["description"] == "the api"
    assert outs["marker"] == marker


def test_an_unreachable_server_is_named_without_credentials() -> None:
    props = _repo_props(LocalServer(), base_url="http://user:pw@127.0.0.1:9")
    with pytest.raises(IntegrationError) as caught:
        GiteaRepositoryProvider().create(props)
    assert "cannot reach http://127.0.0.1:9/api/v1" in str(caught.value)
    assert "pw" not in str(caught.value)


# Branch protection --------------------------------------------------------------------------


def _protection_props(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {
        "base_url": server.url,
        "token": TOKEN,
        "token_secret": "gitea-token",
        "owner": "shop",
        "repo": "api",
        "branch": "main",
        "enable_push": False,
        "enable_force_push": False,
        "required_approvals": 1,
        "dismiss_stale_approvals": True,
        **changes,
    }


def test_branch_protection_lifecycle(server: LocalServer) -> None:
    rules = "/api/v1/repos/shop/api/branch_protections"
    server.answer("POST", rules, 201, {"rule_name": "main"})
    server.answer("PATCH", f"{rules}/main", 200, {"rule_name": "main"})
    server.answer("DELETE", f"{rules}/main", 204)
    provider = GiteaBranchProtectionProvider()

    created = provider.create(_protection_props(server))
    assert created.id == "shop/api:main"
    server.answer(
        "GET",
        f"{rules}/main",
        200,
        {"rule_name": "main", "enable_push": True, "required_approvals": 1},
    )
    body = server.sent("POST", rules)[0].json()
    assert body == {
        "rule_name": "main",
        "enable_push": False,
        "enable_force_push": False,
        "required_approvals": 1,
        "dismiss_stale_approvals": True,
    }

    read = provider.read(created.id, _protection_props(server))
    assert (read.outs or {})["enable_push"] is True  # changed by hand: the next diff shows it

    provider.update(created.id, _protection_props(server), _protection_props(server))
    assert server.sent("PATCH", f"{rules}/main")[0].json()["enable_push"] is False

    provider.delete(created.id, _protection_props(server))
    assert len(server.sent("DELETE", f"{rules}/main")) == 1


def test_branch_names_are_one_path_segment(server: LocalServer) -> None:
    server.answer("GET", "/api/v1/repos/shop/api/branch_protections/release%2F%2A", 404)
    provider = GiteaBranchProtectionProvider()
    assert provider.read("x", _protection_props(server, branch="release/*")).id is None


# Webhook ------------------------------------------------------------------------------------


def _hook_props(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {
        "base_url": server.url,
        "token": TOKEN,
        "token_secret": "gitea-token",
        "owner": "shop",
        "repo": "api",
        "url": "https://ci.example.com/hook",
        "events": ["push", "pull_request"],
        "secret": "hook-secret",
        "content_type": "json",
        "active": True,
        "branch_filter": "*",
        **changes,
    }


def test_webhook_lifecycle(server: LocalServer) -> None:
    hooks = "/api/v1/repos/shop/api/hooks"
    server.answer("GET", hooks, 200, [])
    server.answer("POST", hooks, 201, {"id": 42})
    server.answer(
        "GET",
        f"{hooks}/42",
        200,
        {
            "id": 42,
            "type": "gitea",
            "config": {"url": "https://ci.example.com/moved", "content_type": "json"},
            "events": ["push"],
            "active": True,
        },
    )
    server.answer("PATCH", f"{hooks}/42", 200, {"id": 42})
    server.answer("DELETE", f"{hooks}/42", 204)
    provider = GiteaWebhookProvider()

    created = provider.create(_hook_props(server))
    assert created.id == "42"
    assert server.sent("POST", hooks)[0].json() == {
        "type": "gitea",
        "config": {
            "url": "https://ci.example.com/hook",
            "content_type": "json",
            "secret": "hook-secret",
        },
        "events": ["push", "pull_request"],
        "active": True,
        "branch_filter": "*",
    }

    outs = provider.read("42", _hook_props(server)).outs or {}
    assert outs["url"] == "https://ci.example.com/moved"
    assert outs["events"] == ["push"]
    assert outs["secret"] == "hook-secret"  # Gitea never shows it: the stored one is kept

    # A run without the secret store: the stored secret is sent again, not an empty one.
    provider.update("42", _hook_props(server), _hook_props(server, secret="", url="https://x"))
    patch = server.sent("PATCH", f"{hooks}/42")[0].json()
    assert patch["config"] == {"url": "https://x", "content_type": "json", "secret": "hook-secret"}

    provider.delete("42", _hook_props(server))
    assert len(server.sent("DELETE", f"{hooks}/42")) == 1
