"""The Gitea providers against a real Gitea: repositories with their first commit, default
branch, branch protection, webhooks; create, read (refresh and drift), update, delete; a
create repeated after a lost answer; and a real push delivered to a webhook receiver with a
signature that verifies with the hook's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from gmac.dev.servers import Gitea
from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers import (
    GiteaBranchProtectionProvider,
    GiteaRepositoryProvider,
    GiteaWebhookProvider,
)
from gmac.providers._base import Props
from gmac.providers._gitea import INITIAL_COMMIT_MESSAGE, repository_marker
from tests.integrations.conftest import GITEA_ORG, Delivery, Receiver

FILES = {
    "README.md": "# shop\n\nManaged by gmac.\n",
    "cmd/api/main.go": "package main\n\nfunc main() {}\n",
}


def _name() -> str:
    return f"svc-{uuid.uuid4().hex[:8]}"


def _repo_props(gitea: Gitea, repo: str, **changes: Any) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "base_url": gitea.url,
        "token": gitea.token,
        "token_secret": "gitea-token",
        "owner": GITEA_ORG,
        "repo": repo,
        "description": f"{repo}: managed by gmac",
        "private": True,
        "default_branch": "main",
        "files": FILES,
        **changes,
    }


def _content(gitea: Gitea, repo: str, path: str, ref: str = "main") -> str:
    found = gitea.api("GET", f"/repos/{GITEA_ORG}/{repo}/contents/{path}?ref={ref}")
    return base64.b64decode(found["content"]).decode()


def _commits(gitea: Gitea, repo: str) -> list[dict[str, Any]]:
    return list(gitea.api("GET", f"/repos/{GITEA_ORG}/{repo}/commits?sha=main&limit=50"))


def test_repository_lifecycle(gitea: Gitea) -> None:
    provider = GiteaRepositoryProvider()
    repo = _name()
    props = _repo_props(gitea, repo)

    created = provider.create(props)

    live = gitea.api("GET", f"/repos/{GITEA_ORG}/{repo}")
    assert created.id == str(live["id"])
    assert live["default_branch"] == "main"
    assert live["private"] is True
    marker = repository_marker(Props(props))
    assert live["description"] == f"{repo}: managed by gmac {marker}"
    assert _content(gitea, repo, "README.md") == FILES["README.md"]
    assert _content(gitea, repo, "cmd/api/main.go") == FILES["cmd/api/main.go"]
    commits = _commits(gitea, repo)
    assert [c["commit"]["message"].strip() for c in commits] == [INITIAL_COMMIT_MESSAGE]
    outs = created.outs or {}
    assert outs["head_commit"] == commits[0]["sha"]
    assert outs["full_name"] == f"{GITEA_ORG}/{repo}"
    assert outs["clone_url"] == f"{gitea.url}/{GITEA_ORG}/{repo}.git"

    # Refresh: nothing changed, nothing to do.
    state = {**props, **outs}
    read = provider.read(created.id, state)
    assert read.id == created.id
    assert provider.diff(created.id, read.outs or {}, props).changes is False

    # Drift: changed by hand in Gitea; read shows it, the next diff puts it back.
    gitea.api("PATCH", f"/repos/{GITEA_ORG}/{repo}", {"description": "edited by hand"})
    drifted = provider.read(created.id, state).outs or {}
    assert drifted["description"] == "edited by hand"
    assert provider.diff(created.id, drifted, props).changes is True

    # Update: description, visibility, default branch (to a branch that exists), a new name.
    gitea.api(
        "POST",
        f"/repos/{GITEA_ORG}/{repo}/branches",
        {"new_branch_name": "develop", "old_branch_name": "main"},
    )
    renamed = f"{repo}-v2"
    news = _repo_props(
        gitea,
        renamed,
        description="the second version",
        private=False,
        default_branch="develop",
    )
    updated = provider.update(created.id, drifted, news).outs or {}
    live = gitea.api("GET", f"/repositories/{created.id}")
    assert (live["name"], live["description"], live["private"], live["default_branch"]) == (
        renamed,
        f"the second version {repository_marker(Props(news))}",  # marked under its new name
        False,
        "develop",
    )
    reread = provider.read(created.id, {**news, **updated}).outs or {}
    assert reread["description"] == "the second version"  # the marker is never a difference
    assert updated["full_name"] == f"{GITEA_ORG}/{renamed}"

    # Delete; deleting what is gone is quiet, and reads as gone.
    provider.delete(created.id, news)
    assert gitea.api("GET", f"/repos/{GITEA_ORG}/{renamed}", ok=(404,)) is None
    provider.delete(created.id, news)
    assert provider.read(created.id, news).id is None


def test_a_create_repeated_after_a_lost_answer_takes_over_what_the_first_made(
    gitea: Gitea,
) -> None:
    """The first create went through but its answer was lost (the run died): the second
    finds the repository with gmac's marker and its first commit, takes it over, and commits
    nothing again."""
    provider = GiteaRepositoryProvider()
    repo = _name()
    first = provider.create(_repo_props(gitea, repo))
    gitea.api("PATCH", f"/repos/{GITEA_ORG}/{repo}", {"private": False})

    second = provider.create(_repo_props(gitea, repo))

    assert second.id == first.id
    assert len(_commits(gitea, repo)) == 1
    assert gitea.api("GET", f"/repos/{GITEA_ORG}/{repo}")["private"] is True  # as declared
    repos = gitea.api("GET", f"/orgs/{GITEA_ORG}/repos?limit=50")
    assert [r["name"] for r in repos].count(repo) == 1
    provider.delete(first.id, _repo_props(gitea, repo))


def test_a_repository_gmac_did_not_make_is_never_taken_over(gitea: Gitea) -> None:
    """Made through Gitea's API, without gmac's marker: the create stops with one line
    naming it, and the repository is left exactly as it was."""
    repo = _name()
    made = gitea.api(
        "POST",
        f"/orgs/{GITEA_ORG}/repos",
        {"name": repo, "description": "by hand", "private": False},
    )

    with pytest.raises(ExistingObjectError) as caught:
        GiteaRepositoryProvider().create(_repo_props(gitea, repo))

    assert str(caught.value) == (
        f"gitea: repository {GITEA_ORG}/{repo} already exists and gmac did not make it; run "
        "`gmac adopt` to review it, then `gmac apply --adopt` to take it over"
    )
    live = gitea.api("GET", f"/repos/{GITEA_ORG}/{repo}")
    assert (live["id"], live["description"], live["private"]) == (made["id"], "by hand", False)
    assert gitea.api("GET", f"/repos/{GITEA_ORG}/{repo}/commits", ok=(409,)) is None  # empty
    gitea.api("DELETE", f"/repos/{GITEA_ORG}/{repo}")


def test_an_empty_repository_taken_over_gets_its_first_commit(gitea: Gitea) -> None:
    """A run that died between creating the repository (with gmac's marker) and its first
    commit."""
    repo = _name()
    marker = repository_marker(Props(_repo_props(gitea, repo)))
    body = {"name": repo, "auto_init": False, "description": f"{repo}: managed by gmac {marker}"}
    gitea.api("POST", f"/orgs/{GITEA_ORG}/repos", body)

    created = GiteaRepositoryProvider().create(_repo_props(gitea, repo))

    assert _content(gitea, repo, "README.md") == FILES["README.md"]
    assert (created.outs or {})["head_commit"] == _commits(gitea, repo)[0]["sha"]
    GiteaRepositoryProvider().delete(created.id, _repo_props(gitea, repo))


def _protection_props(gitea: Gitea, repo: str, **changes: Any) -> dict[str, Any]:
    return {
        "base_url": gitea.url,
        "token": gitea.token,
        "token_secret": "gitea-token",
        "owner": GITEA_ORG,
        "repo": repo,
        "branch": "main",
        "enable_push": False,
        "enable_force_push": False,
        "required_approvals": 1,
        "dismiss_stale_approvals": True,
        **changes,
    }


def test_branch_protection_lifecycle(gitea: Gitea) -> None:
    repo = _name()
    repos = GiteaRepositoryProvider()
    made = repos.create(_repo_props(gitea, repo))
    provider = GiteaBranchProtectionProvider()
    props = _protection_props(gitea, repo)
    rule = f"/repos/{GITEA_ORG}/{repo}/branch_protections/main"

    created = provider.create(props)
    assert created.id == f"{GITEA_ORG}/{repo}:main"
    live = gitea.api("GET", rule)
    assert (live["enable_push"], live["required_approvals"]) == (False, 1)

    # A second create (a lost answer) sets the same rule; there is still one.
    provider.create(props)
    rules = gitea.api("GET", f"/repos/{GITEA_ORG}/{repo}/branch_protections")
    assert [r["rule_name"] for r in rules] == ["main"]

    gitea.api("PATCH", rule, {"required_approvals": 3})
    drifted = provider.read(created.id, props).outs or {}
    assert drifted["required_approvals"] == 3
    assert provider.diff(created.id, drifted, props).changes is True

    provider.update(created.id, drifted, _protection_props(gitea, repo, required_approvals=2))
    assert gitea.api("GET", rule)["required_approvals"] == 2

    provider.delete(created.id, props)
    assert gitea.api("GET", rule, ok=(404,)) is None
    assert provider.read(created.id, props).id is None
    repos.delete(made.id, _repo_props(gitea, repo))


def _hook_props(gitea: Gitea, repo: str, url: str, **changes: Any) -> dict[str, Any]:
    return {
        "base_url": gitea.url,
        "token": gitea.token,
        "token_secret": "gitea-token",
        "owner": GITEA_ORG,
        "repo": repo,
        "url": url,
        "events": ["push", "pull_request"],
        "secret": "hook-secret",
        "content_type": "json",
        "active": True,
        "branch_filter": "*",
        **changes,
    }


def test_webhook_lifecycle(gitea: Gitea, receiver: Receiver) -> None:
    repo = _name()
    repos = GiteaRepositoryProvider()
    made = repos.create(_repo_props(gitea, repo))
    provider = GiteaWebhookProvider()
    props = _hook_props(gitea, repo, f"{receiver.url}/hooks/gitea")
    hooks = f"/repos/{GITEA_ORG}/{repo}/hooks"

    created = provider.create(props)
    live = gitea.api("GET", f"{hooks}/{created.id}")
    assert live["config"]["url"] == props["url"]
    assert {"push", "pull_request", "pull_request_comment"} <= set(live["events"])

    # A second create (a lost answer) finds the hook to the same URL: still one hook.
    assert provider.create(props).id == created.id
    assert [hook["id"] for hook in gitea.api("GET", hooks)] == [int(created.id)]

    gitea.api("PATCH", f"{hooks}/{created.id}", {"active": False})
    drifted = provider.read(created.id, props).outs or {}
    assert drifted["active"] is False
    assert drifted["secret"] == "hook-secret"  # Gitea never shows it: the stored one stays
    assert provider.diff(created.id, drifted, props).changes is True

    news = _hook_props(gitea, repo, f"{receiver.url}/hooks/moved", events=["push"])
    provider.update(created.id, drifted, news)
    live = gitea.api("GET", f"{hooks}/{created.id}")
    assert (live["config"]["url"], live["events"], live["active"]) == (
        news["url"],
        ["push"],
        True,
    )

    provider.delete(created.id, news)
    assert gitea.api("GET", hooks) == []
    assert provider.read(created.id, news).id is None
    repos.delete(made.id, _repo_props(gitea, repo))


def test_a_push_is_delivered_signed_with_the_hook_secret(
    gitea: Gitea, receiver: Receiver, tmp_path: Path
) -> None:
    repo = _name()
    repos = GiteaRepositoryProvider()
    made = repos.create(_repo_props(gitea, repo))
    secret = f"whsec-{uuid.uuid4().hex}"
    GiteaWebhookProvider().create(
        _hook_props(gitea, repo, f"{receiver.url}/ci", events=["push"], secret=secret)
    )

    # A real push over HTTP, as a developer's git would.
    remote = f"http://{gitea.admin}:{gitea.token}@127.0.0.1:{gitea.port}/{GITEA_ORG}/{repo}.git"
    work = tmp_path / "clone"
    git = ["git", "-c", "user.name=dev", "-c", "user.email=dev@example.com"]
    subprocess.run([*git, "clone", "-q", remote, str(work)], check=True, capture_output=True)
    (work / "CHANGELOG.md").write_text("- first change\n", encoding="utf-8")
    subprocess.run([*git, "-C", str(work), "add", "."], check=True, capture_output=True)
    subprocess.run(
        [*git, "-C", str(work), "commit", "-q", "-m", "first change"],
        check=True,
        capture_output=True,
    )
    subprocess.run([*git, "-C", str(work), "push", "-q"], check=True, capture_output=True)

    def our_push(delivery: Delivery) -> bool:
        # The initial commit's push may be delivered too, queued before the hook existed.
        commits = delivery.json().get("commits") or []
        return delivery.headers.get("x-gitea-event") == "push" and any(
            commit["message"].strip() == "first change" for commit in commits
        )

    delivery = receiver.wait_for(our_push)

    assert delivery.path == "/ci"
    expected = hmac.new(secret.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivery.headers["x-gitea-signature"], expected)
    forged = hmac.new(b"not-the-secret", delivery.body, hashlib.sha256).hexdigest()
    assert not hmac.compare_digest(delivery.headers["x-gitea-signature"], forged)
    payload = delivery.json()
    assert payload["ref"] == "refs/heads/main"
    assert payload["repository"]["full_name"] == f"{GITEA_ORG}/{repo}"
    assert [commit["message"].strip() for commit in payload["commits"]] == ["first change"]
    repos.delete(made.id, _repo_props(gitea, repo))


def test_a_rejected_token_is_one_clear_message(gitea: Gitea) -> None:
    props = _repo_props(gitea, _name(), token="not-a-token")
    with pytest.raises(IntegrationError) as caught:
        GiteaRepositoryProvider().create(props)
    assert str(caught.value) == "gitea: token rejected (401); check secret 'gitea-token'"
    assert "not-a-token" not in str(caught.value)
