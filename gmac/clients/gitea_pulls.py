"""A Gitea pull request through Gitea's REST API: its comments, and whether it is open."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gmac.clients.http import Api

PAGE_SIZE = 50


@dataclass(frozen=True)
class PullRequest:
    api: Api
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
