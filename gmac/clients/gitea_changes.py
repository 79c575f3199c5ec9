"""Proposing a change on Gitea: a branch with one commit of new files, a pull request for
it, and the open pull requests of a repository (Gitea's REST API v1).

    POST /repos/{owner}/{repo}/contents   files committed to a new branch made from `base`
    POST /repos/{owner}/{repo}/pulls      a pull request from that branch
    GET  /repos/{owner}/{repo}/pulls      the open ones, newest first
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from gmac.clients.gitea import GiteaConnection
from gmac.clients.gitea_pulls import PullRequest

PAGE_SIZE = 50


@dataclass(frozen=True)
class OpenPull:
    number: int
    title: str
    url: str
    branch: str
    author: str
    updated_at: str


def _pull(item: Mapping[str, Any]) -> OpenPull:
    return OpenPull(
        number=int(item.get("number", 0)),
        title=str(item.get("title", "")),
        url=str(item.get("html_url", "")),
        branch=str((item.get("head") or {}).get("ref", "")),
        author=str((item.get("user") or {}).get("login", "")),
        updated_at=str(item.get("updated_at", "")),
    )


class GiteaChanges:
    """Branches, commits and pull requests on `owner/name`."""

    def __init__(self, connection: GiteaConnection, owner: str, name: str) -> None:
        self.connection = connection
        self.api = connection.api()
        self.owner, self.name = owner, name
        self.path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"

    def default_branch(self) -> str:
        found = self.api.request("GET", self.path)
        return str((found or {}).get("default_branch") or "main")

    def commit_to_new_branch(
        self, base: str, branch: str, message: str, files: Mapping[str, bytes]
    ) -> None:
        operations = [
            {"operation": "create", "path": path, "content": base64.b64encode(data).decode()}
            for path, data in sorted(files.items())
        ]
        body = {"branch": base, "new_branch": branch, "message": message, "files": operations}
        self.api.request("POST", f"{self.path}/contents", json=body)

    def open_pull_request(self, base: str, branch: str, title: str, body: str) -> OpenPull:
        created = self.api.request(
            "POST",
            f"{self.path}/pulls",
            json={"base": base, "head": branch, "title": title, "body": body},
        )
        return _pull(created or {})

    def open_pulls(self, limit: int = PAGE_SIZE) -> list[OpenPull]:
        params = {"state": "open", "sort": "recentupdate", "limit": str(limit)}
        found = self.api.request("GET", f"{self.path}/pulls", params=params) or []
        return [_pull(item) for item in found if isinstance(item, dict)]

    def thread(self, number: int) -> PullRequest:
        """The pull request's comments (gmac.clients.gitea_pulls), on the server's root."""
        api = self.connection.api()
        root = type(api)(
            api.service,
            self.connection.base_url.rstrip("/"),
            authorization=api.authorization,
            credential=api.credential,
            timeout=api.timeout,
            retry=api.retry,
        )
        return PullRequest(root, self.owner, self.name, number)
