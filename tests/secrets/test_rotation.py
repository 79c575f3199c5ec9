"""Rotation: what is due, and the Gitea and Turso API tokens against a local HTTP server
that speaks the few calls gmac makes (real Gitea comes with the Gitea server tests)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gmac.app.secrets import context, rotate_secrets
from gmac.errors import IntegrationError, SecretsError
from gmac.secrets import Identity, SecretStore, due_generated, due_secrets
from tests.local_http import LocalServer, server  # noqa: F401 - the fixture

OLD_GITEA = "0123456789abcdef0123456789abcdef12345678"
OLD_TURSO = "turso-old-platform-token"


@pytest.fixture
def git_project(project: Path, server: LocalServer) -> Path:  # noqa: F811
    path = project / "specs" / "project.yaml"
    path.write_text(path.read_text().replace("https://git.gmac.io", server.url))
    return project


def _store_value(store: SecretStore, identity: Identity, name: str, value: str) -> None:
    with store.edit("local", [identity], create_as="gmackie") as opened:
        opened.put(name, value)


def _value(store: SecretStore, identity: Identity, name: str) -> str:
    return store.open("local", [identity]).get(name)


@pytest.fixture
def gitea(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> LocalServer:  # noqa: F811
    monkeypatch.setenv("GMAC_GITEA_USERNAME", "gmackie")
    monkeypatch.setenv("GMAC_GITEA_PASSWORD", "hunter2")
    old = {
        "id": 3,
        "name": "ci",
        "scopes": ["write:repository", "write:organization"],
        "token_last_eight": OLD_GITEA[-8:],
    }
    server.answer("GET", "/api/v1/users/gmackie/tokens", 200, [old])
    server.route(
        "POST",
        "/api/v1/users/gmackie/tokens",
        lambda request, _: (201, {"id": 4, "name": request.json()["name"], "sha1": "f" * 40}),
    )
    server.answer("DELETE", "/api/v1/users/gmackie/tokens/3", 204)
    return server


def test_the_gitea_token_rotates_with_its_scopes(
    git_project: Path, gitea: LocalServer, identity: Identity
) -> None:
    ctx = context(git_project / "specs", "local")
    _store_value(ctx.store, identity, "gitea-token", OLD_GITEA)
    (outcome,) = rotate_secrets(ctx, ["gitea-token"])
    assert outcome.rotated is not None and "revoked 'ci'" in outcome.rotated.how
    assert _value(ctx.store, identity, "gitea-token") == "f" * 40
    (created,) = gitea.sent("POST", "/api/v1/users/gmackie/tokens")
    basic = base64.b64encode(b"gmackie:hunter2").decode()
    assert created.headers["authorization"] == f"Basic {basic}"
    assert created.json()["scopes"] == ["write:repository", "write:organization"]
    assert created.json()["name"].startswith("gmac-gmac-io-local-")
    assert len(gitea.sent("DELETE", "/api/v1/users/gmackie/tokens/3")) == 1
    # The old token is deleted only after the new one is stored.
    methods = [request.method for request in gitea.requests]
    assert methods == ["GET", "POST", "DELETE"]


def test_gitea_rotation_needs_a_login(
    git_project: Path, gitea: LocalServer, identity: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GMAC_GITEA_PASSWORD")
    ctx = context(git_project / "specs", "local")
    _store_value(ctx.store, identity, "gitea-token", OLD_GITEA)
    with pytest.raises(SecretsError, match=r"needs a Gitea login.*GMAC_GITEA_PASSWORD"):
        rotate_secrets(ctx, ["gitea-token"])
    assert gitea.requests == []


def test_an_unknown_gitea_token_is_left_alone(
    git_project: Path, gitea: LocalServer, identity: Identity
) -> None:
    ctx = context(git_project / "specs", "local")
    _store_value(ctx.store, identity, "gitea-token", "a-token-gitea-does-not-list")
    with pytest.raises(IntegrationError, match="not among gmackie's tokens"):
        rotate_secrets(ctx, ["gitea-token"])
    assert _value(ctx.store, identity, "gitea-token") == "a-token-gitea-does-not-list"
    assert gitea.sent("POST", "/api/v1/users/gmackie/tokens") == []


def test_a_failed_gitea_call_changes_nothing(
    git_project: Path, gitea: LocalServer, identity: Identity
) -> None:
    gitea.answer("POST", "/api/v1/users/gmackie/tokens", 500, {"message": "db locked"})
    ctx = context(git_project / "specs", "local")
    _store_value(ctx.store, identity, "gitea-token", OLD_GITEA)
    with pytest.raises(IntegrationError, match="db locked"):
        rotate_secrets(ctx, ["gitea-token"])
    assert _value(ctx.store, identity, "gitea-token") == OLD_GITEA
    assert gitea.sent("DELETE", "/api/v1/users/gmackie/tokens/3") == []


def test_the_turso_platform_token_rotates_and_revokes_the_one_gmac_made(
    project: Path,
    server: LocalServer,  # noqa: F811
    identity: Identity,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GMAC_TURSO_API_BASE", server.url)
    made: list[str] = []

    def create(request: object, match: object) -> tuple[int, dict[str, str]]:
        made.append(f"platform-{len(made) + 1}")
        name = match.group(1)
        return 200, {"name": name, "id": "x", "token": made[-1]}

    server.route("POST", r"/v1/auth/api-tokens/([^/]+)", create)
    server.route("DELETE", r"/v1/auth/api-tokens/([^/]+)", lambda r, m: (200, {"token": m[1]}))
    ctx = context(project / "specs", "local")
    _store_value(ctx.store, identity, "turso-platform-token", OLD_TURSO)

    (first,) = rotate_secrets(ctx, ["turso-platform-token"])
    assert first.rotated is not None and "the old token still works" in first.rotated.how
    assert _value(ctx.store, identity, "turso-platform-token") == "platform-1"
    assert server.requests[0].headers["authorization"] == f"Bearer {OLD_TURSO}"
    first_name = server.requests[0].path.rsplit("/", 1)[-1]
    stored = ctx.store.read("local")
    assert stored is not None
    assert stored.entries["turso-platform-token"].meta["api_token"] == first_name

    later = datetime.now(UTC) + timedelta(seconds=2)
    (second,) = rotate_secrets(ctx, ["turso-platform-token"], now=later)
    assert second.rotated is not None and f"revoked '{first_name}'" in second.rotated.how
    assert _value(ctx.store, identity, "turso-platform-token") == "platform-2"
    (revoke,) = server.sent("DELETE", f"/v1/auth/api-tokens/{first_name}")
    assert revoke.headers["authorization"] == "Bearer platform-2"


def test_due_secrets(project: Path, identity: Identity) -> None:
    """Secrets set by hand are due by the dates of the file; generated ones, which live in
    the state, by the dates the state gives (`due_generated`)."""
    path = project / "specs" / "project.yaml"
    text = path.read_text()
    old = 'gitea-token: {description: "Gitea API token with repository admin rights"}'
    assert old in text
    path.write_text(text.replace(old, old[:-1] + ", rotate_every: 90d}"))
    ctx = context(project / "specs", "local")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with ctx.store.edit("local", [identity], create_as="gmackie") as opened:
        opened.put("gitea-token", "x", now=start)  # rotate_every: 90d
        opened.put("stripe-secret-key", "y", now=start)  # no rotation period
    file = ctx.store.read("local")
    names = lambda now: [d.name for d in due_secrets(ctx.spec.project, file, now)]  # noqa: E731
    assert names(start + timedelta(days=89)) == []
    assert names(start + timedelta(days=90)) == ["gitea-token"]
    made = {"nextauth-secret": "2025-01-01T00:00:00Z", "ci-webhook-secret": "2025-03-01T00:00:00Z"}
    due = due_generated(ctx.spec.project, made, start + timedelta(days=91))
    assert [(d.name, d.reason) for d in due] == [
        ("nextauth-secret", "last changed 91 days ago, rotates every 90d")
    ]
