"""Gitea's REST API v1: an organization's repositories, their first commit, branches, branch
protections and webhooks; the server's version, the token's user; rotating an access token.

A `GiteaConnection` says where and as whom: the Gitea root (https://git.example.com), a token
(sent as `Authorization: token ...`) or a login (basic authentication, which Gitea asks for
to manage tokens), the name of the gmac secret holding the token (for messages), the timeout
and the retries. Failures are `gitea: ...` IntegrationErrors, never with the credential.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gmac.clients.http import Api, RetryPolicy, default_timeout
from gmac.clients.tokens import NewToken
from gmac.errors import IntegrationError

SERVICE = "gitea"
LAST_EIGHT = 8  # Gitea lists a token by its last eight characters
_PAGE_SIZE = 50


def _segment(value: str) -> str:
    """One path segment: a branch such as `release/*` must not become two."""
    return quote(value, safe="")


@dataclass(frozen=True)
class GiteaConnection:
    """A Gitea server and the credential to use there: a token, else a login."""

    base_url: str
    token: str = field(default="", repr=False)
    token_secret: str = ""  # the gmac secret holding the token, named in errors
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = field(default_factory=default_timeout)
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_environment)

    def authorization(self) -> str | None:
        if self.token:
            return f"token {self.token}"
        if self.username and self.password:
            pair = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
            return f"Basic {pair}"
        return None

    def api(self) -> Api:
        return Api(
            SERVICE,
            self.base_url.rstrip("/") + "/api/v1",
            authorization=self.authorization(),
            credential=self.token_secret,
            timeout=self.timeout,
            retry=self.retry,
        )


class GiteaClient:
    """The server-wide calls; `repo(owner, name)` for the calls on one repository."""

    def __init__(self, connection: GiteaConnection) -> None:
        self.connection = connection
        self.api = connection.api()

    def require_credentials(self) -> None:
        """Fails before any request when there is no token (`gitea: no API token; ...`)."""
        self.api.require_credentials()

    def server_version(self) -> str | None:
        """The version Gitea reports (`?` when it names none); None for an answer that is no
        JSON object. Needs no credential."""
        answer = self.api.request("GET", "/version")
        return str(answer.get("version", "?")) if isinstance(answer, dict) else None

    def user(self) -> dict[str, Any]:
        """The user the token belongs to."""
        found: dict[str, Any] = self.api.request("GET", "/user")
        return found

    def organization(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.api.request("GET", f"/orgs/{_segment(name)}")
        return found

    def create_repository(self, owner: str, settings: Mapping[str, Any]) -> dict[str, Any] | None:
        """A new repository of organization `owner`; None when one of that name exists."""
        path = f"/orgs/{_segment(owner)}/repos"
        answer = self.api.send("POST", path, json=dict(settings))
        if answer.status_code == 409:
            return None
        self.api.check("POST", path, answer)
        created: dict[str, Any] = answer.json()
        return created

    def repository(self, owner: str, name: str) -> dict[str, Any] | None:
        """The repository `{owner}/{name}`, or None when there is none."""
        found: dict[str, Any] | None = self.api.request(
            "GET", f"/repos/{_segment(owner)}/{_segment(name)}", allow_missing=True
        )
        return found

    def repository_by_id(self, repository_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.api.request(
            "GET", f"/repositories/{_segment(repository_id)}", allow_missing=True
        )
        return found

    def repo(self, owner: str, name: str) -> GiteaRepo:
        return GiteaRepo(self.api, owner, name)

    # Access tokens (Gitea manages them only with a login, not with a token) ---------------

    def tokens(self, username: str) -> list[dict[str, Any]]:
        path = f"/users/{_segment(username)}/tokens"
        return list(self.api.request("GET", path, params={"limit": str(_PAGE_SIZE)}) or [])

    def create_token(self, username: str, name: str, scopes: list[str]) -> str:
        path = f"/users/{_segment(username)}/tokens"
        created = self.api.request("POST", path, json={"name": name, "scopes": scopes})
        value = str(created.get("sha1") or "")
        if not value:
            raise IntegrationError(SERVICE, f"POST {path}: no token in the answer")
        return value

    def delete_token(self, username: str, token_id: object) -> None:
        path = f"/users/{_segment(username)}/tokens/{token_id}"
        self.api.request("DELETE", path, allow_missing=True)


class GiteaRepo:
    """The calls on one repository, `{owner}/{name}`."""

    def __init__(self, api: Api, owner: str, name: str) -> None:
        self.api = api
        self.path = f"/repos/{_segment(owner)}/{_segment(name)}"

    def edit(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Sets the given settings (a rename with `name`); the repository as it is now."""
        edited: dict[str, Any] = self.api.request(
            "PATCH", self.path, json=dict(changes), idempotent=True
        )
        return edited

    def delete(self) -> None:
        """Deletes the repository; one already gone is fine."""
        self.api.request("DELETE", self.path, allow_missing=True)

    def commit_files(self, branch: str, message: str, files: Mapping[str, str]) -> None:
        """One commit on `branch` creating `files` (path -> text)."""
        operations = [
            {
                "operation": "create",
                "path": path,
                "content": base64.b64encode(text.encode()).decode(),
            }
            for path, text in sorted(files.items())
        ]
        body = {"branch": branch, "message": message, "files": operations}
        self.api.request("POST", f"{self.path}/contents", json=body)

    def head_commit(self, branch: str) -> str:
        """The commit at the tip of `branch`; empty when there is no such branch (yet)."""
        found = self.api.request(
            "GET", f"{self.path}/branches/{_segment(branch)}", allow_missing=True
        )
        if not found:
            return ""
        return str((found.get("commit") or {}).get("id", ""))

    # Branch protection: one rule per branch (or glob), named after it --------------------

    def _protection(self, branch: str) -> str:
        return f"{self.path}/branch_protections/{_segment(branch)}"

    def branch_protection(self, branch: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.api.request(
            "GET", self._protection(branch), allow_missing=True
        )
        return found

    def create_branch_protection(self, branch: str, settings: Mapping[str, Any]) -> None:
        body = {"rule_name": branch, **settings}
        self.api.request("POST", f"{self.path}/branch_protections", json=body)

    def edit_branch_protection(self, branch: str, settings: Mapping[str, Any]) -> None:
        self.api.request("PATCH", self._protection(branch), json=dict(settings), idempotent=True)

    def delete_branch_protection(self, branch: str) -> None:
        self.api.request("DELETE", self._protection(branch), allow_missing=True)

    # Webhooks ------------------------------------------------------------------------------

    def hooks(self) -> Iterator[dict[str, Any]]:
        """Every hook of the repository, page by page (as far as the caller reads); none
        when there is no such repository (yet)."""
        page = 1
        while True:
            params = {"page": str(page), "limit": str(_PAGE_SIZE)}
            path = f"{self.path}/hooks"
            found = self.api.request("GET", path, params=params, allow_missing=True) or []
            yield from found
            if len(found) < _PAGE_SIZE:
                return
            page += 1

    def hook(self, hook_id: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.api.request(
            "GET", f"{self.path}/hooks/{_segment(hook_id)}", allow_missing=True
        )
        return found

    def create_hook(self, settings: Mapping[str, Any]) -> str:
        """A new hook; its ID."""
        created = self.api.request("POST", f"{self.path}/hooks", json=dict(settings))
        return str(created["id"])

    def edit_hook(self, hook_id: str, settings: Mapping[str, Any]) -> None:
        path = f"{self.path}/hooks/{_segment(hook_id)}"
        self.api.request("PATCH", path, json=dict(settings), idempotent=True)

    def delete_hook(self, hook_id: str) -> None:
        self.api.request("DELETE", f"{self.path}/hooks/{_segment(hook_id)}", allow_missing=True)


def rotate_gitea_token(
    base_url: str, username: str, password: str, current: str, name: str
) -> NewToken:
    """A new token for `username` with the scopes of `current`, found among the user's tokens
    by its last eight characters; `revoke` deletes `current`."""
    client = GiteaClient(GiteaConnection(base_url, username=username, password=password))
    old = next(
        (
            token
            for token in client.tokens(username)
            if current and str(token.get("token_last_eight", "")) == current[-LAST_EIGHT:]
        ),
        None,
    )
    if old is None:
        raise IntegrationError(
            SERVICE,
            f"the current token is not among {username}'s tokens, so its scopes are unknown",
            hint="create a new token in Gitea and store it with `gmac secrets set`",
        )
    value = client.create_token(username, name, list(old.get("scopes") or []))

    def revoke() -> str | None:
        client.delete_token(username, old["id"])
        return str(old.get("name") or old["id"])

    return NewToken(value, name, revoke)
