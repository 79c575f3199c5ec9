"""The project's `access` rules: who acts, who may, and the refusal that says who may."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gmac.app.access import allowed_principals, authorize
from gmac.app.actor import Actor, current_actor
from gmac.errors import AccessDeniedError
from gmac.models.project import Project
from tests.access.conftest import Gmac


def _project(access: dict[str, object] | None) -> Project:
    data: dict[str, object] = {
        "kind": "Project",
        "name": "shop",
        "owner": "gmackie",
        "environments": {
            "local": {"kubernetes": {"render_to": ".r"}},
            "staging": {"kubernetes": {"context": "s"}},
            "production": {"kubernetes": {"context": "p"}},
        },
    }
    if access is not None:
        data["access"] = access
    return Project.model_validate(data)


TEAM = _project(
    {
        "users": ["gmackie", "alice", "bob"],
        "roles": {"admin": ["gmackie"], "ops": ["gmackie", "bob"]},
        "rules": [
            {"environments": ["production"], "apply": ["admin"], "reveal_secrets": ["admin"]},
            {"environments": ["staging"], "apply": ["ops", "alice"], "destroy": ["admin"]},
        ],
    }
)


def _may(project: Project, action: str, env: str, who: str) -> bool:
    try:
        authorize(project, action, env, Actor(who, "test"))
    except AccessDeniedError:
        return False
    return True


def test_the_actor_comes_from_gmac_actor_then_ci_then_git() -> None:
    git = {"gmac.actor": "from-gmac-actor", "user.name": "From Git"}.get
    assert current_actor({"GMAC_ACTOR": "x", "GITHUB_ACTOR": "y"}, lambda k: "") == Actor(
        "x", "GMAC_ACTOR"
    )
    assert (
        current_actor({"GITEA_ACTOR": "g", "GITHUB_ACTOR": "y"}, lambda k: "").source
        == "GITEA_ACTOR"
    )
    assert current_actor({"CI_COMMIT_AUTHOR": "w"}, lambda k: "") == Actor("w", "CI_COMMIT_AUTHOR")
    assert current_actor({}, lambda k: git(k) or "") == Actor(
        "from-gmac-actor", "git config gmac.actor"
    )
    assert current_actor({}, lambda k: "Just Name" if k == "user.name" else "").source == (
        "git config user.name"
    )
    assert current_actor({}, lambda k: "").name == "unknown"


def test_without_access_everyone_may() -> None:
    project = _project(None)
    assert _may(project, "apply", "production", "anyone")
    assert _may(project, "reveal_secrets", "production", "anyone")


def test_single_user_restriction() -> None:
    project = _project({"users": ["gmackie"]})
    assert _may(project, "apply", "production", "gmackie")
    with pytest.raises(AccessDeniedError) as caught:
        authorize(project, "apply", "local", Actor("eve", "GMAC_ACTOR"))
    assert str(caught.value) == (
        "'eve' (actor from GMAC_ACTOR) is not a user of project 'shop': only gmackie may "
        "apply to 'local' (access.users)"
    )


@pytest.mark.parametrize(
    ("action", "env", "who", "allowed"),
    [
        ("apply", "production", "gmackie", True),
        ("apply", "production", "alice", False),
        ("apply", "production", "bob", False),
        ("apply", "staging", "alice", True),  # a user named directly
        ("apply", "staging", "bob", True),  # through a role
        ("destroy", "staging", "bob", False),  # destroy has its own list here
        ("destroy", "staging", "gmackie", True),
        ("destroy", "production", "gmackie", True),  # else those who may apply
        ("destroy", "production", "bob", False),
        ("reveal_secrets", "production", "bob", False),
        ("reveal_secrets", "staging", "bob", False),  # the staging rule names no one
        ("write_secrets", "production", "alice", False),  # as apply
        ("write_secrets", "staging", "alice", True),
        ("apply", "local", "alice", True),  # no rule: every user
        ("reveal_secrets", "local", "bob", True),
    ],
)
def test_rules(action: str, env: str, who: str, allowed: bool) -> None:
    assert _may(TEAM, action, env, who) is allowed


def test_a_refusal_names_who_may() -> None:
    with pytest.raises(AccessDeniedError) as caught:
        authorize(TEAM, "apply", "production", Actor("alice", "GITEA_ACTOR"))
    assert str(caught.value) == (
        "'alice' (actor from GITEA_ACTOR) may not apply to 'production': only admin (gmackie) may"
    )
    with pytest.raises(AccessDeniedError, match=r"only nobody \(no rule grants it\) may"):
        authorize(TEAM, "reveal_secrets", "staging", Actor("bob", "test"))
    assert allowed_principals(TEAM.access, "apply", "staging") == ["ops", "alice"]  # type: ignore[arg-type]


def test_a_non_admin_applying_to_production_is_refused(gmac: Gmac, project: Path) -> None:
    result = gmac("apply", "--env", "production", "--yes", GMAC_ACTOR="alice")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: 'alice' (actor from GMAC_ACTOR) may not apply to 'production': only admin "
        "(gmackie) may"
    )
    destroy = gmac("destroy", "--env", "production", "--yes", GITHUB_ACTOR="alice")
    assert destroy.returncode == 1
    assert "'alice' (actor from GITHUB_ACTOR) may not destroy 'production'" in destroy.stderr
    stranger = gmac("apply", "--env", "local", "--yes", GMAC_ACTOR="eve")
    assert stranger.returncode == 1 and "is not a user of project 'gmac-io'" in stranger.stderr
    for run in (result, destroy, stranger):
        assert "Traceback" not in run.stderr
    audit = json.loads(gmac("audit", "--json").stdout)
    assert [(e["actor"], e["action"], e["environment"], e["outcome"]) for e in audit] == [
        ("alice", "apply", "production", "denied"),
        ("alice", "destroy", "production", "denied"),
        ("eve", "apply", "local", "denied"),
    ]
    assert "only admin (gmackie) may" in audit[0]["detail"]


def test_revealing_a_secret_needs_reveal_secrets(gmac: Gmac) -> None:
    refused = gmac("secrets", "get", "stripe-secret-key", "--env", "production", GMAC_ACTOR="alice")
    assert refused.returncode == 1
    assert (
        "'alice' (actor from GMAC_ACTOR) may not reveal the secrets of 'production'"
        in refused.stderr
    )
    assert "only admin (gmackie) may" in refused.stderr
    written = gmac(
        "secrets", "set", "stripe-secret-key", "--env", "production", GMAC_ACTOR="alice", stdin="v"
    )
    assert (
        written.returncode == 1 and "may not change the secrets of 'production'" in written.stderr
    )
    # Where no rule applies, every user may: alice gets past access to the store itself.
    local = gmac("secrets", "get", "stripe-secret-key", "--env", "local", GMAC_ACTOR="alice")
    assert local.returncode == 1 and "'local' has no secrets yet" in local.stderr
