"""A GitHub pull request through GitHub's REST API: its comments, and whether it is open.

A pull request is an issue to GitHub, so its conversation comments are the issue's:
`GET|POST /repos/{owner}/{repo}/issues/{number}/comments`, `PATCH|DELETE
/repos/{owner}/{repo}/issues/comments/{id}`; whether it is open is `GET
/repos/{owner}/{repo}/pulls/{number}` (`state`). Every request names the API version
(`X-GitHub-Api-Version`) and asks for `application/vnd.github+json`, as GitHub's REST
documentation asks. The `Api` holds the base (https://api.github.com, or a GitHub
Enterprise Server's `https://HOST/api/v3`) and the token (`Authorization: Bearer ...`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gmac.clients.http import Api

SERVICE = "github"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
PAGE_SIZE = 100  # the most GitHub lists at once


@dataclass(frozen=True)
class GitHubPullRequest:
    api: Api
    owner: str
    repo: str
    number: int

    @property
    def _base(self) -> str:
        return f"/repos/{self.owner}/{self.repo}/issues"

    def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        allow_missing: bool = False,
    ) -> Any:
        response = self.api.send(method, path, json=json, params=params, headers=HEADERS)
        if response.status_code == 404 and allow_missing:
            return None
        self.api.check(method, path, response)
        return response.json() if response.content else None

    def comments(self) -> Iterator[dict[str, Any]]:
        page = 1
        while True:
            batch = self._request(
                "GET",
                f"{self._base}/{self.number}/comments",
                params={"page": str(page), "per_page": str(PAGE_SIZE)},
            )
            if not isinstance(batch, list) or not batch:
                return
            yield from (item for item in batch if isinstance(item, dict))
            if len(batch) < PAGE_SIZE:
                return
            page += 1

    def create(self, body: str) -> dict[str, Any]:
        created = self._request("POST", f"{self._base}/{self.number}/comments", json={"body": body})
        return created if isinstance(created, dict) else {}

    def edit(self, comment_id: int, body: str) -> None:
        self._request("PATCH", f"{self._base}/comments/{comment_id}", json={"body": body})

    def delete(self, comment_id: int) -> None:
        self._request("DELETE", f"{self._base}/comments/{comment_id}", allow_missing=True)

    def is_open(self) -> bool:
        """Whether the pull request is still open (a missing one counts as closed)."""
        found = self._request(
            "GET", f"/repos/{self.owner}/{self.repo}/pulls/{self.number}", allow_missing=True
        )
        return isinstance(found, dict) and found.get("state") == "open"
