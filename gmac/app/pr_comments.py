"""Pull-request plan comments: one per stack, found by a hidden marker and edited in place on
every later push, so a pull request never collects a second one; duplicates left by two CI
runs racing are removed. The same on Gitea and GitHub (the forge and its token:
gmac.app.forge)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gmac.app.forge import PullRequestThread
from gmac.app.operations import RunRequest, load_plan, preview
from gmac.plan import Plan


def marker(env: str) -> str:
    return f"<!-- gmac-plan: {env} -->"


@dataclass(frozen=True)
class CommentOutcome:
    env: str
    action: Literal["created", "updated", "unchanged"]
    comment_id: int
    url: str
    length: int


def upsert_plan_comment(pr: PullRequestThread, env: str, body: str) -> CommentOutcome:
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


def plans_to_comment(specs: Path, envs: Sequence[str], saved: Sequence[Path]) -> list[Plan]:
    """The plans saved by `gmac plan --json-out`, then a preview of each other stack."""
    plans = [load_plan(path) for path in saved]
    known = {plan.environment for plan in plans}
    return plans + [preview(RunRequest(specs=specs, env=env)) for env in envs if env not in known]
