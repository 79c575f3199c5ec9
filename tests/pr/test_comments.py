"""`gmac pr comment` against a real Gitea: one comment per stack, edited on every push, and
only Gitea's own token sent there (GitHub: test_github.py)."""

from __future__ import annotations

import json

from gmac.app.pr_comments import marker, upsert_plan_comment
from gmac.clients.gitea_pulls import PullRequest
from gmac.clients.http import Api
from gmac.dev.servers import Gitea
from gmac.plan import Change, Plan
from gmac.render.plan import MARKDOWN_LIMIT, comment_body
from tests.pr.conftest import ORG, REPO, Project, Pulls
from tests.recording_proxy import RecordingProxy


def _comment(project: Project, number: int, *plans: str) -> str:
    args = ["pr", "comment", "--pr", str(number), "--repo", f"{ORG}/{REPO}"]
    for plan in plans:
        args += ["--env", plan.removeprefix("plan-").removesuffix(".json"), "--plan-json", plan]
    result = project.gmac(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _ours(pulls: Pulls, number: int, env: str) -> list[dict[str, object]]:
    return [c for c in pulls.comments(number) if str(c["body"]).startswith(marker(env))]


def test_one_comment_per_stack_created_then_edited(project: Project, pulls: Pulls) -> None:
    number = pulls.open()
    assert project.gmac("plan", "--env", "local", "--json-out", "plan-local.json").returncode == 2

    assert "local: comment created" in _comment(project, number, "plan-local.json")
    first = _ours(pulls, number, "local")
    assert len(first) == 1
    assert "to create" in str(first[0]["body"])

    # The next push: applied, planned again, commented again: the same comment, edited.
    assert project.gmac("apply", "--env", "local", "--yes").returncode == 0
    assert project.gmac("plan", "--env", "local", "--json-out", "plan-local.json").returncode == 0
    assert "local: comment updated" in _comment(project, number, "plan-local.json")
    second = _ours(pulls, number, "local")
    assert [c["id"] for c in second] == [c["id"] for c in first]
    assert "no changes" in str(second[0]["body"])

    assert "local: comment unchanged" in _comment(project, number, "plan-local.json")
    assert len(pulls.comments(number)) == 1


def test_a_comment_per_stack_and_duplicates_removed(
    project: Project, pulls: Pulls, gitea: Gitea
) -> None:
    number = pulls.open()
    plan = {
        "environment": "staging",
        "has_changes": False,
        "changes": [],
        "diagnostics": [],
        "summary": {"create": 0, "update": 0, "replace": 0, "delete": 0, "import": 0, "same": 3},
    }
    (project.root / "plan-staging.json").write_text(json.dumps(plan))
    assert project.gmac("plan", "--env", "local", "--json-out", "plan-local.json").returncode == 2
    _comment(project, number, "plan-local.json", "plan-staging.json")
    # Two CI runs raced and each created a staging comment:
    gitea.api(
        "POST",
        f"/repos/{ORG}/{REPO}/issues/{number}/comments",
        {"body": marker("staging") + "\nan older run"},
    )
    assert len(_ours(pulls, number, "staging")) == 2
    _comment(project, number, "plan-local.json", "plan-staging.json")
    assert len(_ours(pulls, number, "staging")) == 1
    assert len(_ours(pulls, number, "local")) == 1
    assert len(pulls.comments(number)) == 2


def test_a_huge_plan_stays_under_the_limit_with_a_note(pulls: Pulls, gitea: Gitea) -> None:
    number = pulls.open()
    changes = tuple(
        Change(
            "create",
            f"urn:pulumi:s::gmac::kubernetes:apps/v1:Deployment::svc-{i:04}",
            "kubernetes:apps/v1:Deployment",
            f"svc-{i:04}",
            "Service",
            owner=f"Service {i}",
        )
        for i in range(3000)
    )
    plan = Plan("production", changes)
    target = PullRequest(
        Api("gitea", gitea.url, authorization=f"token {gitea.token}"), ORG, REPO, number
    )
    outcome = upsert_plan_comment(target, plan.environment, comment_body(plan))
    assert outcome.action == "created"
    body = str(_ours(pulls, number, "production")[0]["body"])
    assert len(body) <= MARKDOWN_LIMIT
    assert body.index("3000 to create") < body.index("svc-0000")  # the summary comes first
    assert "were cut" in body


def test_a_rejected_token_is_one_clear_message(project: Project, pulls: Pulls) -> None:
    number = pulls.open()
    assert project.gmac("plan", "--env", "local", "--json-out", "plan-local.json").returncode == 2
    project.env["GMAC_GITEA_TOKEN"] = "not-a-token"
    result = project.gmac(
        "pr",
        "comment",
        "--pr",
        str(number),
        "--repo",
        f"{ORG}/{REPO}",
        "--env",
        "local",
        "--plan-json",
        "plan-local.json",
    )
    assert result.returncode == 1
    assert "gitea: token rejected (401)" in result.stderr
    assert "not-a-token" not in result.stderr


def test_a_github_token_in_the_environment_never_reaches_gitea(
    project: Project, pulls: Pulls, gitea_proxy: RecordingProxy, gitea: Gitea
) -> None:
    """Gitea's recording proxy shows every header Gitea received: none holds GITHUB_TOKEN."""
    github_token = "ghs_github_job_token_not_for_gitea"
    number = pulls.open()
    plan = {
        "environment": "staging",
        "has_changes": False,
        "changes": [],
        "diagnostics": [],
        "summary": {"create": 0, "update": 0, "replace": 0, "delete": 0, "import": 0, "same": 3},
    }
    (project.root / "plan-staging.json").write_text(json.dumps(plan))
    project.env.update({"GMAC_GITEA_URL": gitea_proxy.url, "GITHUB_TOKEN": github_token})
    del project.env["GMAC_GITEA_TOKEN"]
    args = ["pr", "comment", "--pr", str(number), "--repo", f"{ORG}/{REPO}", "--env", "staging"]
    args += ["--plan-json", "plan-staging.json"]

    refused = project.gmac(*args)
    assert refused.returncode == 1
    assert "a Gitea token is needed: set GMAC_GITEA_TOKEN" in refused.stderr
    assert gitea_proxy.seen == []

    project.env["GMAC_GITEA_TOKEN"] = gitea.token
    posted = project.gmac(*args)
    assert posted.returncode == 0, posted.stderr
    assert len(_ours(pulls, number, "staging")) == 1
    assert gitea_proxy.seen
    for seen in gitea_proxy.seen:
        assert github_token not in json.dumps(seen.headers) + seen.body.decode()
        assert {k.lower(): v for k, v in seen.headers.items()}["authorization"] == (
            f"token {gitea.token}"
        )
