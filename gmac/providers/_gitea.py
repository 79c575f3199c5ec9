"""Gitea (REST API v1): a repository in an organization, branch protection, a webhook.

Every resource takes `base_url` (the Gitea root, such as https://git.example.com), `token`
(secret; sent as `Authorization: token ...`) and `token_secret` (the name of the gmac secret
holding it, for error messages).

Creating is safe to repeat: a run that died after Gitea made something (a lost answer, a
server killed mid-apply) finds it the next time instead of making a second one. The
repository `{owner}/{repo}` and the protection of a branch are unique by name, and a hook is
the repository's hook of type `gitea` with the same URL: each is adopted and set to the
declared settings.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from contextlib import suppress
from typing import Any
from urllib.parse import quote

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.http import Api
from gmac.errors import IntegrationError
from gmac.providers._base import Props, compare, outputs, secret_options

INITIAL_COMMIT_MESSAGE = "Initial commit from gmac"


def _api(p: Props) -> Api:
    token = p.text("token")
    api = Api(
        "gitea",
        p.text("base_url").rstrip("/") + "/api/v1",
        authorization=f"token {token}" if token else None,
        credential=p.text("token_secret"),
    )
    api.require_credentials()
    return api


def _segment(value: str) -> str:
    return quote(value, safe="")


def _repo_path(p: Props) -> str:
    return f"/repos/{_segment(p.text('owner'))}/{_segment(p.text('repo'))}"


# Repository ---------------------------------------------------------------------------------


class GiteaRepositoryProvider(ResourceProvider):
    """A repository in an organization; its ID is Gitea's numeric repository ID.

    `files` (path -> text) are committed once, on create, as the first commit of the default
    branch; later changes to them are ignored, the repository belongs to its developers then.
    Renaming (`repo`) and the description, visibility and default branch change in place; a
    new organization or server is a new repository.
    """

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=("base_url", "owner"),
            update=("repo", "description", "private", "default_branch"),
            credentials=("token",),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = _api(p)
        owner = p.text("owner")
        body = {
            "name": p.text("repo"),
            "description": p.text("description"),
            "private": p.flag("private", True),
            "default_branch": p.text("default_branch", "main"),
            "auto_init": False,
        }
        path = f"/orgs/{_segment(owner)}/repos"
        answer = api.send("POST", path, json=body)
        created = answer.status_code != 409
        if created:
            api.check("POST", path, answer)
            repo = answer.json()
        else:
            # Made by an earlier run that never heard back: take it over as declared.
            settings = {key: body[key] for key in ("description", "private")}
            repo = api.request("PATCH", _repo_path(p), json=settings, idempotent=True)
        files = p.mapping("files")
        if files and repo.get("empty", True):
            try:
                _commit_files(api, p, files)
            except IntegrationError:
                # A failed create must leave nothing behind: the next run creates it again.
                if created:
                    with suppress(IntegrationError):
                        api.request("DELETE", _repo_path(p), allow_missing=True)
                raise
        if not created and repo.get("default_branch") != body["default_branch"]:
            default = {"default_branch": body["default_branch"]}
            repo = api.request("PATCH", _repo_path(p), json=default, idempotent=True)
        return CreateResult(str(repo["id"]), self._outputs(api, p, repo))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        api = _api(p)
        repo = api.request("GET", f"/repositories/{_segment(id_)}", allow_missing=True)
        if repo is None:
            return ReadResult(None, {})
        live = Props(
            {
                **p.raw,
                "owner": repo["owner"]["login"],
                "repo": repo["name"],
                "description": repo.get("description", ""),
                "private": repo.get("private", True),
                "default_branch": repo.get("default_branch", p.text("default_branch")),
            }
        )
        return ReadResult(id_, self._outputs(api, live, repo))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        api = _api(new)
        body: dict[str, Any] = {
            "description": new.text("description"),
            "private": new.flag("private", True),
            "default_branch": new.text("default_branch", "main"),
        }
        if new.text("repo") != old.text("repo"):
            body["name"] = new.text("repo")
        repo = api.request("PATCH", _repo_path(old), json=body, idempotent=True)
        return UpdateResult(self._outputs(api, new, repo))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        p = Props(props)
        _api(p).request("DELETE", _repo_path(p), allow_missing=True)

    @staticmethod
    def _outputs(api: Api, p: Props, repo: Mapping[str, Any]) -> dict[str, Any]:
        return outputs(
            p,
            full_name=repo.get("full_name", f"{p.text('owner')}/{p.text('repo')}"),
            clone_url=repo.get("clone_url", ""),
            html_url=repo.get("html_url", ""),
            ssh_url=repo.get("ssh_url", ""),
            head_commit=_head_commit(api, p),
        )


def _commit_files(api: Api, p: Props, files: Mapping[str, str]) -> None:
    operations = [
        {
            "operation": "create",
            "path": path,
            "content": base64.b64encode(text.encode()).decode(),
        }
        for path, text in sorted(files.items())
    ]
    body = {
        "branch": p.text("default_branch", "main"),
        "message": INITIAL_COMMIT_MESSAGE,
        "files": operations,
    }
    api.request("POST", f"{_repo_path(p)}/contents", json=body)


def _head_commit(api: Api, p: Props) -> str:
    """The commit at the tip of the default branch; empty for a repository without commits."""
    branch = _segment(p.text("default_branch", "main"))
    found = api.request("GET", f"{_repo_path(p)}/branches/{branch}", allow_missing=True)
    if not found:
        return ""
    return str((found.get("commit") or {}).get("id", ""))


class GiteaRepository(Resource, module="gitea", name="Repository"):
    """A Gitea repository (see `GiteaRepositoryProvider`)."""

    repo: pulumi.Output[str]
    full_name: pulumi.Output[str]
    clone_url: pulumi.Output[str]
    html_url: pulumi.Output[str]
    ssh_url: pulumi.Output[str]
    head_commit: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        base_url: str,
        token: pulumi.Input[str],
        token_secret: str,
        owner: str,
        repo: str,
        description: str = "",
        private: bool = True,
        default_branch: str = "main",
        files: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "base_url": base_url,
            "token": token,
            "token_secret": token_secret,
            "owner": owner,
            "repo": repo,
            "description": description,
            "private": private,
            "default_branch": default_branch,
            "files": dict(files or {}),
            "full_name": None,
            "clone_url": None,
            "html_url": None,
            "ssh_url": None,
            "head_commit": None,
        }
        super().__init__(
            GiteaRepositoryProvider(), resource_name, props, secret_options(opts, "token")
        )


# Branch protection --------------------------------------------------------------------------

_PROTECTION_SETTINGS = (
    "enable_push",
    "enable_force_push",
    "required_approvals",
    "dismiss_stale_approvals",
)


def _protection_body(p: Props) -> dict[str, Any]:
    return {
        "enable_push": p.flag("enable_push"),
        "enable_force_push": p.flag("enable_force_push"),
        "required_approvals": p.number("required_approvals"),
        "dismiss_stale_approvals": p.flag("dismiss_stale_approvals"),
    }


def _protection_path(p: Props) -> str:
    return f"{_repo_path(p)}/branch_protections/{_segment(p.text('branch'))}"


class GiteaBranchProtectionProvider(ResourceProvider):
    """A branch protection rule named after the branch (or glob) it protects."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=("base_url", "owner", "repo", "branch"),
            update=_PROTECTION_SETTINGS,
            credentials=("token",),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = _api(p)
        if api.request("GET", _protection_path(p), allow_missing=True) is None:
            body = {"rule_name": p.text("branch"), **_protection_body(p)}
            api.request("POST", f"{_repo_path(p)}/branch_protections", json=body)
        else:
            api.request("PATCH", _protection_path(p), json=_protection_body(p), idempotent=True)
        return CreateResult(f"{p.text('owner')}/{p.text('repo')}:{p.text('branch')}", p.raw)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        rule = _api(p).request("GET", _protection_path(p), allow_missing=True)
        if rule is None:
            return ReadResult(None, {})
        live = {key: rule[key] for key in _PROTECTION_SETTINGS if key in rule}
        return ReadResult(id_, outputs(p, **live))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = Props(news)
        _api(p).request("PATCH", _protection_path(p), json=_protection_body(p), idempotent=True)
        return UpdateResult(p.raw)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        p = Props(props)
        _api(p).request("DELETE", _protection_path(p), allow_missing=True)


class GiteaBranchProtection(Resource, module="gitea", name="BranchProtection"):
    """Protection of one branch: no direct pushes unless `enable_push`, never force pushes."""

    def __init__(
        self,
        resource_name: str,
        *,
        base_url: str,
        token: pulumi.Input[str],
        token_secret: str,
        owner: str,
        repo: pulumi.Input[str],
        branch: str,
        enable_push: bool = False,
        enable_force_push: bool = False,
        required_approvals: int = 0,
        dismiss_stale_approvals: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "base_url": base_url,
            "token": token,
            "token_secret": token_secret,
            "owner": owner,
            "repo": repo,
            "branch": branch,
            "enable_push": enable_push,
            "enable_force_push": enable_force_push,
            "required_approvals": required_approvals,
            "dismiss_stale_approvals": dismiss_stale_approvals,
        }
        super().__init__(
            GiteaBranchProtectionProvider(), resource_name, props, secret_options(opts, "token")
        )


# Webhook ------------------------------------------------------------------------------------


def _hook_body(p: Props) -> dict[str, Any]:
    config = {"url": p.text("url"), "content_type": p.text("content_type", "json")}
    if p.text("secret"):
        config["secret"] = p.text("secret")
    return {
        "config": config,
        "events": p.strings("events"),
        "active": p.flag("active", True),
        "branch_filter": p.text("branch_filter", "*"),
    }


class GiteaWebhookProvider(ResourceProvider):
    """A repository webhook of type `gitea`; its ID is Gitea's hook ID.

    Gitea never returns a hook's secret, so `read` keeps the stored one; a new secret value
    is sent with an update.
    """

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=("base_url", "owner", "repo"),
            update=("url", "events", "content_type", "active", "branch_filter"),
            credentials=("token", "secret"),
            unordered=("events",),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = _api(p)
        existing = _find_hook(api, p)
        if existing is not None:
            path = f"{_repo_path(p)}/hooks/{existing}"
            api.request("PATCH", path, json=_hook_body(p), idempotent=True)
            return CreateResult(existing, p.raw)
        body = {"type": "gitea", **_hook_body(p)}
        hook = api.request("POST", f"{_repo_path(p)}/hooks", json=body)
        return CreateResult(str(hook["id"]), p.raw)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        hook = _api(p).request("GET", f"{_repo_path(p)}/hooks/{_segment(id_)}", allow_missing=True)
        if hook is None:
            return ReadResult(None, {})
        config = hook.get("config") or {}
        live: dict[str, Any] = {
            "url": config.get("url", p.text("url")),
            "content_type": config.get("content_type", p.text("content_type")),
            "events": _declared_events(hook.get("events", p.strings("events")), p),
            "active": hook.get("active", True),
        }
        if "branch_filter" in hook:
            live["branch_filter"] = hook["branch_filter"]
        return ReadResult(id_, outputs(p, **live))

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        if not new.text("secret"):
            new.raw["secret"] = old.text("secret")
        path = f"{_repo_path(new)}/hooks/{_segment(id_)}"
        _api(new).request("PATCH", path, json=_hook_body(new), idempotent=True)
        return UpdateResult(new.raw)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        p = Props(props)
        _api(p).request("DELETE", f"{_repo_path(p)}/hooks/{_segment(id_)}", allow_missing=True)


# Gitea stores `pull_request` as every pull request event (`pull_request_comment`, ...) and
# `issues` as every issue event, and lists them all back.
_EVENT_GROUPS = {"pull_request": "pull_request_", "issues": "issue_"}


def _declared_events(live: list[str], p: Props) -> list[str]:
    """The live events as the spec would write them: a group without the events it implies
    (those the spec names itself are kept)."""
    declared = set(p.strings("events"))
    implied = tuple(prefix for group, prefix in _EVENT_GROUPS.items() if group in live)
    return [e for e in live if e in declared or not e.startswith(implied) or not implied]


def _find_hook(api: Api, p: Props) -> str | None:
    """The ID of the repository's `gitea` hook to the same URL, if there is one."""
    page = 1
    while True:
        params = {"page": str(page), "limit": "50"}
        hooks = api.request("GET", f"{_repo_path(p)}/hooks", params=params) or []
        for hook in hooks:
            config = hook.get("config") or {}
            if hook.get("type") == "gitea" and config.get("url") == p.text("url"):
                return str(hook["id"])
        if len(hooks) < 50:
            return None
        page += 1


class GiteaWebhook(Resource, module="gitea", name="Webhook"):
    """A webhook on one repository (see `GiteaWebhookProvider`)."""

    def __init__(
        self,
        resource_name: str,
        *,
        base_url: str,
        token: pulumi.Input[str],
        token_secret: str,
        owner: str,
        repo: pulumi.Input[str],
        url: str,
        events: Sequence[str],
        secret: pulumi.Input[str],
        content_type: str = "json",
        active: bool = True,
        branch_filter: str = "*",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "base_url": base_url,
            "token": token,
            "token_secret": token_secret,
            "owner": owner,
            "repo": repo,
            "url": url,
            "events": list(events),
            "secret": secret,
            "content_type": content_type,
            "active": active,
            "branch_filter": branch_filter,
        }
        super().__init__(
            GiteaWebhookProvider(), resource_name, props, secret_options(opts, "token", "secret")
        )
