"""Pull-request plan comments: one per stack, found by a hidden marker and edited in place on
every later push, so a pull request never collects a second one; duplicates left by two CI
runs racing are removed."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gmac.app.operations import RunRequest, load_plan, preview
from gmac.clients.gitea_pulls import PullRequest
from gmac.clients.http import Api
from gmac.errors import UsageError
from gmac.plan import Plan
from gmac.validate import validate_directory


def marker(env: str) -> str:
    return f"<!-- gmac-plan: {env} -->"


@dataclass(frozen=True)
class CommentOutcome:
    env: str
    action: Literal["created", "updated", "unchanged"]
    comment_id: int
    url: str
    length: int


def upsert_plan_comment(pr: PullRequest, env: str, body: str) -> CommentOutcome:
    """Create the stack's comment with `body` (which starts with `marker(env)`), or edit the
    one an earlier push left."""
    tag = marker(env)
    ours = [item for item in pr.comments() if str(item.get("body", "")).startswith(tag)]
    if not ours:
        created = pr.create(body)
        return CommentOutcome(
            env,
            "created",
            int(created.get("id", 0)),
            str(created.get("html_url", "")),
            len(body),
        )
    keep, extra = ours[0], ours[1:]
    for duplicate in extra:
        pr.delete(int(duplicate["id"]))
    action: Literal["updated", "unchanged"] = "unchanged"
    if keep.get("body") != body:
        pr.edit(int(keep["id"]), body)
        action = "updated"
    return CommentOutcome(env, action, int(keep["id"]), str(keep.get("html_url", "")), len(body))


def _repository(value: str | None) -> tuple[str, str]:
    # Gitea Actions, like GitHub Actions, names the repository in GITHUB_REPOSITORY.
    full = value or os.environ.get("GITEA_REPOSITORY") or os.environ.get("GITHUB_REPOSITORY")
    if not full or full.count("/") != 1:
        raise UsageError("--repo OWNER/NAME is needed (or GITHUB_REPOSITORY in CI)")
    owner, name = full.split("/")
    return owner, name


def _token() -> str:
    for variable in ("GMAC_GITEA_TOKEN", "GITEA_TOKEN", "GITHUB_TOKEN"):
        if os.environ.get(variable):
            return os.environ[variable]
    raise UsageError("a Gitea token is needed: set GMAC_GITEA_TOKEN (CI: GITEA_TOKEN)")


@dataclass(frozen=True)
class ForgeTarget:
    """Where pull requests live: the Gitea URL (default: the project's `git.url`) and the
    repository (default: the CI's own)."""

    specs: Path
    env: str
    gitea_url: str | None = None
    repo: str | None = None


def pull_request(target: ForgeTarget, number: int) -> PullRequest:
    base = target.gitea_url
    if base is None:
        project = validate_directory(target.specs, target.env)[target.env].project
        base = project.git.url if project.git else None
    if base is None:
        raise UsageError("--gitea-url is needed: the project has no 'git' section")
    owner, name = _repository(target.repo)
    return PullRequest(Api("gitea", base, authorization=f"token {_token()}"), owner, name, number)


def plans_to_comment(specs: Path, envs: Sequence[str], saved: Sequence[Path]) -> list[Plan]:
    """The plans saved by `gmac plan --json-out`, then a preview of each other stack."""
    plans = [load_plan(path) for path in saved]
    known = {plan.environment for plan in plans}
    return plans + [preview(RunRequest(specs=specs, env=env)) for env in envs if env not in known]
