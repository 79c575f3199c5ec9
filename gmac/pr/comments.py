"""Find gmac's comment for a stack on a pull request, and create or edit it.

Each comment starts with a hidden marker naming the stack, so a later push edits the same
comment instead of adding another; duplicates left by two concurrent CI runs are removed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from gmac.clients.http import Api as HttpApi
from gmac.plan import MARKDOWN_LIMIT, Plan, render_markdown

PAGE_SIZE = 50


def marker(env: str) -> str:
    return f"<!-- gmac-plan: {env} -->"


@dataclass(frozen=True)
class PullRequest:
    api: HttpApi
    owner: str
    repo: str
    number: int

    @property
    def _base(self) -> str:
        return f"/api/v1/repos/{self.owner}/{self.repo}/issues"

    def comments(self) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            batch = self.api.request(
                "GET",
                f"{self._base}/{self.number}/comments",
                params={"page": str(page), "limit": str(PAGE_SIZE)},
            )
            if not isinstance(batch, list) or not batch:
                return
            yield from (item for item in batch if isinstance(item, dict))
            if len(batch) < PAGE_SIZE:
                return
            page += 1

    def create(self, body: str) -> dict[str, Any]:
        created = self.api.request(
            "POST", f"{self._base}/{self.number}/comments", json={"body": body}
        )
        return created if isinstance(created, dict) else {}

    def edit(self, comment_id: int, body: str) -> None:
        self.api.request("PATCH", f"{self._base}/comments/{comment_id}", json={"body": body})

    def is_open(self) -> bool:
        """Whether the pull request is still open (a missing one counts as closed)."""
        found = self.api.request(
            "GET", f"/api/v1/repos/{self.owner}/{self.repo}/pulls/{self.number}", allow_missing=True
        )
        return isinstance(found, dict) and found.get("state") == "open"

    def delete(self, comment_id: int) -> None:
        self.api.request("DELETE", f"{self._base}/comments/{comment_id}", allow_missing=True)


@dataclass(frozen=True)
class CommentOutcome:
    env: str
    action: Literal["created", "updated", "unchanged"]
    comment_id: int
    url: str
    length: int


def comment_body(plan: Plan) -> str:
    head = marker(plan.environment) + "\n"
    return head + render_markdown(plan, limit=MARKDOWN_LIMIT - len(head))


def upsert_plan_comment(pr: PullRequest, plan: Plan) -> CommentOutcome:
    """Create the stack's comment, or edit the one an earlier push left."""
    body = comment_body(plan)
    tag = marker(plan.environment)
    ours = [item for item in pr.comments() if str(item.get("body", "")).startswith(tag)]
    if not ours:
        created = pr.create(body)
        return CommentOutcome(
            plan.environment,
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
    return CommentOutcome(
        plan.environment, action, int(keep["id"]), str(keep.get("html_url", "")), len(body)
    )
