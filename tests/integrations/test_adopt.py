"""Adopting what already runs, end to end through the gmac console script and the real
engine: repositories, branch protections and hooks made through the real Gitea's API before
the first apply; a staging environment whose other integrations are live against
stripe-mock and the Turso stand-in, and whose Kubernetes objects are rendered to files.

- without --adopt, the first apply stops on the first repository it would make, names it and
  says `gmac adopt`, and changes nothing;
- `gmac adopt` finds each object by its natural identity and shows the one difference (a
  protection setting); `gmac plan --adopt` shows the imports;
- `gmac apply --adopt` imports them, sets the protection as declared, recreates nothing (the
  same repository IDs, no commit made), and the next plan has nothing to do.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gmac.dev import servers
from gmac.engine.toolchain import find
from tests.integrations.conftest import Receiver, RecordingProxy, require
from tests.integrations.live import ENV, LiveProject, make_live_project
from tests.integrations.turso_api import TursoStandIn

REPOS = ("api", "billing-worker", "control-panel")
PROTECTED = ("api", "control-panel")  # `protected_branches: [main]`
HOOKED = ("api", "control-panel")  # `webhooks: [ci]`


@pytest.fixture(scope="module")
def toolchain() -> Any:
    return require(find(), "the Pulumi toolchain", "run gmac toolchain install")


def _description(service: str) -> str:
    return f"{service}: a service of gmac-io, managed by gmac"  # as the spec declares it


@pytest.fixture
def business(
    tmp_path: Path,
    *,
    toolchain: Any,
    gitea: servers.Gitea,
    stripe_proxy: RecordingProxy,
    turso_stand_in: TursoStandIn,
    receiver: Receiver,
) -> Iterator[tuple[LiveProject, str, dict[str, int]]]:
    """A project whose Gitea objects exist already, made by hand through Gitea's API: the
    repositories, `main` protected in two of them (approvals: 2, where the spec says none)
    and the CI hook on the same two. Their IDs by repository name."""
    org = f"shop-{uuid.uuid4().hex[:6]}"
    gitea.create_org(org)
    hook_url = f"{receiver.url}/hooks/gitea"
    ids: dict[str, int] = {}
    for name in REPOS:
        made = gitea.api(
            "POST",
            f"/orgs/{org}/repos",
            {"name": name, "description": _description(name), "private": True},
        )
        ids[name] = int(made["id"])
    for name in PROTECTED:
        rule = {"rule_name": "main", "required_approvals": 2, "dismiss_stale_approvals": True}
        gitea.api("POST", f"/repos/{org}/{name}/branch_protections", rule)
    for name in HOOKED:
        hook = {
            "type": "gitea",
            "config": {"url": hook_url, "content_type": "json", "secret": "ci-hook-secret"},
            "events": ["push", "pull_request"],
            "active": True,
            "branch_filter": "*",
        }
        gitea.api("POST", f"/repos/{org}/{name}/hooks", hook)
    stripe_proxy.additions[("POST", "/v1/webhook_endpoints")] = lambda: {
        "secret": f"whsec_{uuid.uuid4().hex}"
    }
    project = make_live_project(
        tmp_path / "project",
        gitea_url=gitea.url,
        gitea_token=gitea.token,
        org=org,
        stripe_url=stripe_proxy.url,
        turso_url=turso_stand_in.url,
        turso_token=turso_stand_in.api_token,
        hook_url=hook_url,
    )
    yield project, org, ids
    for text in project.outputs:
        assert "Traceback" not in text, text


def _gitea_objects(gitea: servers.Gitea, org: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for repo in gitea.api("GET", f"/orgs/{org}/repos?limit=50"):
        name = repo["name"]
        rules = gitea.api("GET", f"/repos/{org}/{name}/branch_protections")
        found[name] = {
            "id": repo["id"],
            "empty": repo["empty"],
            "rules": [(r["rule_name"], r["required_approvals"]) for r in rules],
            "hooks": [h["id"] for h in gitea.api("GET", f"/repos/{org}/{name}/hooks")],
        }
    return found


def test_repositories_protections_and_hooks_made_by_hand_are_adopted(
    business: tuple[LiveProject, str, dict[str, int]], gitea: servers.Gitea
) -> None:
    project, org, ids = business
    before = _gitea_objects(gitea, org)

    # Never a silent takeover: the apply stops before it changes anything.
    refused = project.run("apply", "--env", ENV, "--yes", timeout=600)
    assert refused.code == 1, str(refused)
    errors = refused.stderr.strip().splitlines()
    assert errors[-1] == "nothing was changed", refused.stderr
    # One line for each object, naming it and saying what to do.
    assert (
        f"Gitea repository {org}/api ({ids['api']}) already exists and gmac did not make it: "
        f"`gmac adopt --env {ENV}` reviews it, `gmac apply --env {ENV} --adopt` takes it over"
    ) in errors, refused.stderr
    assert f"Gitea branch protection main of {org}/api ({org}/api:main) already" in "\n".join(
        errors
    )
    assert len(errors) == len(REPOS) + len(PROTECTED) + len(HOOKED) + 1
    assert all("`gmac adopt --env staging` reviews it" in line for line in errors[:-1])
    assert _gitea_objects(gitea, org) == before
    assert project.state_of("gitea:Repository") == []

    # gmac adopt: every Gitea object found by its identity, one difference.
    report = project.ok("adopt", "--env", ENV, "--json", timeout=600).json()
    assert report["ready"] is True
    found = {r["name"]: r for r in report["resources"] if r["status"] == "found"}
    assert {name for name in found} == {
        *(f"{repo}-repo" for repo in REPOS),
        *(f"{repo}-protect-main" for repo in PROTECTED),
        *(f"{repo}-hook-ci" for repo in HOOKED),
    }
    assert {found[f"{repo}-repo"]["id"] for repo in REPOS} == {str(i) for i in ids.values()}
    assert found["api-repo"]["how"] == "by owner/name"
    assert found["api-protect-main"]["how"] == "by branch"
    assert found["api-hook-ci"]["how"] == "by URL"
    changed = {name: r["changes"] for name, r in found.items() if r["changes"]}
    assert changed == {
        name: [{"path": "required_approvals", "kind": "update", "old": 2, "new": 0}]
        for name in ("api-protect-main", "control-panel-protect-main")
    }
    assert {r["then"] for name, r in found.items() if name not in changed} == {""}
    created = {r["name"] for r in report["resources"] if r["status"] == "missing"}
    assert {"stripe-product-pro", "turso-db-registry"} <= created
    table = project.ok("adopt", "--env", ENV, timeout=600).stdout
    assert "required_approvals: 2 → 0" in table
    assert f"Gitea repository {org}/api" in table

    # gmac plan --adopt: the same, as a plan (imports, then the update).
    code, plan = _plan(project, "--adopt")
    assert code == 2
    ops = {c["name"]: (c["op"], c["then"], c["import_id"]) for c in plan["changes"]}
    assert ops["api-repo"] == ("import", "", str(ids["api"]))
    assert ops["api-protect-main"][:2] == ("import", "update")
    assert ops["stripe-product-pro"][0] == "create"

    # gmac apply --adopt: imported, nothing recreated; the protection as declared.
    applied = project.ok("apply", "--env", ENV, "--adopt", "--yes", timeout=600)
    assert "applied: staging: " in applied.stdout
    after = _gitea_objects(gitea, org)
    assert {name: after[name]["id"] for name in REPOS} == ids
    assert all(after[name]["empty"] for name in REPOS)  # adopting commits nothing
    for name in PROTECTED:
        assert after[name]["rules"] == [("main", 0)]
        assert after[name]["hooks"] == before[name]["hooks"]
    states = {r["urn"].rsplit("::", 1)[-1]: r for r in project.state_of("gitea:Repository")}
    assert {name: states[f"{name}-repo"]["id"] for name in REPOS} == {
        name: str(i) for name, i in ids.items()
    }

    # The next plan has nothing to do.
    code, plan = _plan(project)
    assert code == 0, plan


def _plan(project: LiveProject, *flags: str) -> tuple[int, dict[str, Any]]:
    result = project.run("plan", "--env", ENV, "--json", *flags, timeout=600)
    assert result.code in (0, 2), str(result)
    return result.code, json.loads(result.stdout)
