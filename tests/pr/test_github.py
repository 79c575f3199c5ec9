"""Pull-request comments and preview cleanup on GitHub, against the GitHub REST API stand-in
(tests/pr/github_api.py, written from GitHub's REST documentation: no GitHub runs here).
The same one-comment-per-stack upsert as on Gitea (test_comments.py, against the real
Gitea), and under GitHub Actions gmac talks to GitHub only: the recording proxy in front of
the real Gitea shows that nothing reached it."""

from __future__ import annotations

import json
from pathlib import Path

from gmac.app.pr_comments import marker, upsert_plan_comment
from gmac.clients.github_pulls import API_VERSION, GitHubPullRequest
from gmac.clients.http import Api
from gmac.dev.servers import Gitea
from gmac.plan import Plan
from gmac.render.plan import comment_body
from tests.pr.conftest import Project
from tests.pr.github_api import TOKEN, GitHubStandIn
from tests.recording_proxy import RecordingProxy

OWNER, REPO = "acme", "infra"


def _saved_plan(root: Path, env: str, *, changes: bool = False) -> str:
    """A plan as `gmac plan --json-out` writes it (no engine needed to comment it)."""
    plan = {
        "environment": env,
        "has_changes": changes,
        "changes": [],
        "diagnostics": [],
        "summary": {"create": 0, "update": 0, "replace": 0, "delete": 0, "import": 0, "same": 3},
    }
    name = f"plan-{env}.json"
    (root / name).write_text(json.dumps(plan), encoding="utf-8")
    return name


def _github_actions(project: Project, github: GitHubStandIn) -> None:
    """The variables GitHub Actions sets for a job, pointing at the stand-in."""
    project.env.update(
        {
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_API_URL": github.url,
            "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
            "GITHUB_TOKEN": TOKEN,
        }
    )


def test_one_comment_per_stack_on_github(github: GitHubStandIn) -> None:
    number = github.open_pull(OWNER, REPO)
    pr = GitHubPullRequest(
        Api("github", github.url, authorization=f"Bearer {TOKEN}"), OWNER, REPO, number
    )
    first = comment_body(Plan("staging", ()))
    assert upsert_plan_comment(pr, "staging", first).action == "created"
    assert upsert_plan_comment(pr, "staging", first).action == "unchanged"
    second = first + "\nanother push"
    assert upsert_plan_comment(pr, "staging", second).action == "updated"

    # Two CI runs raced and each created one: the duplicate goes.
    github.comments[9999] = {"id": 9999, "body": marker("staging"), "_issue": (OWNER, REPO, number)}
    assert upsert_plan_comment(pr, "staging", second).action == "unchanged"
    (kept,) = github.comments_on(OWNER, REPO, number)
    assert kept["body"] == second

    for seen in github.requests:
        assert seen.headers["authorization"] == f"Bearer {TOKEN}"
        assert seen.headers["x-github-api-version"] == API_VERSION
        assert seen.headers["accept"] == "application/vnd.github+json"
    assert pr.is_open()
    github.close_pull(OWNER, REPO, number)
    assert not pr.is_open()


def test_comments_are_read_through_every_page(github: GitHubStandIn) -> None:
    number = github.open_pull(OWNER, REPO)
    for n in range(230):
        github.comments[n] = {"id": n, "body": f"chatter {n}", "_issue": (OWNER, REPO, number)}
    pr = GitHubPullRequest(
        Api("github", github.url, authorization=f"Bearer {TOKEN}"), OWNER, REPO, number
    )
    assert len(list(pr.comments())) == 230
    assert [s.query for s in github.requests] == [
        {"page": "1", "per_page": "100"},
        {"page": "2", "per_page": "100"},
        {"page": "3", "per_page": "100"},
    ]


def test_gmac_pr_comment_under_github_actions_talks_only_to_github(
    project: Project, github: GitHubStandIn, gitea_proxy: RecordingProxy, gitea: Gitea
) -> None:
    # A Gitea is configured too (and has a token): under GitHub Actions it is not asked.
    project.env.update({"GMAC_GITEA_URL": gitea_proxy.url, "GMAC_GITEA_TOKEN": gitea.token})
    _github_actions(project, github)
    number = github.open_pull(OWNER, REPO)
    args = ["pr", "comment", "--pr", str(number), "--env", "staging"]
    args += ["--plan-json", _saved_plan(project.root, "staging")]

    for action in ("created", "unchanged"):
        result = project.gmac(*args)
        assert result.returncode == 0, result.stderr
        assert f"staging: comment {action}" in result.stdout

    (comment,) = github.comments_on(OWNER, REPO, number)
    assert str(comment["body"]).startswith(marker("staging"))
    assert gitea_proxy.seen == []


def test_a_rejected_github_token_is_one_clear_message(
    project: Project, github: GitHubStandIn
) -> None:
    _github_actions(project, github)
    project.env["GITHUB_TOKEN"] = "ghs_not_the_token"
    number = github.open_pull(OWNER, REPO)
    result = project.gmac(
        "pr", "comment", "--pr", str(number), "--env", "staging",
        "--plan-json", _saved_plan(project.root, "staging"),
    )  # fmt: skip
    assert result.returncode == 1
    assert "github: token rejected (401)" in result.stderr
    assert "ghs_not_the_token" not in result.stderr


def test_preview_cleanup_asks_github_under_github_actions(
    project: Project, github: GitHubStandIn, gitea_proxy: RecordingProxy
) -> None:
    project.env.update({"GMAC_GITEA_URL": gitea_proxy.url, "GMAC_GITEA_TOKEN": "not-for-github"})
    closed, still_open = github.open_pull(OWNER, REPO), github.open_pull(OWNER, REPO)
    for number in (closed, still_open):
        up = project.gmac("preview", "up", "--pr", str(number), "--base", "local")
        assert up.returncode == 0, up.stderr
    github.close_pull(OWNER, REPO, closed)
    _github_actions(project, github)

    result = project.gmac("preview", "cleanup", "--base", "local")

    assert result.returncode == 0, result.stderr
    assert f"pr-{closed}: closed, destroyed" in result.stdout
    asked = {s.path for s in github.requests}
    assert asked == {f"/repos/{OWNER}/{REPO}/pulls/{n}" for n in (closed, still_open)}
    assert gitea_proxy.seen == []
    listed = project.gmac("preview", "list", "--base", "local").stdout.split()
    assert listed == [f"pr-{still_open}"]
    assert (
        project.gmac("preview", "down", "--pr", str(still_open), "--base", "local").returncode == 0
    )
