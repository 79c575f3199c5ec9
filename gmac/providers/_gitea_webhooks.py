"""Gitea: a webhook on one repository (see `_gitea` for the inputs every Gitea resource
takes, and for when a create takes over a hook already there)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.gitea import GiteaRepo
from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers._adopt import (
    Candidate,
    Difference,
    Finding,
    adopt_id,
    differences,
    named_in_spec,
)
from gmac.providers._base import Props, compare, outputs, published, secret_options
from gmac.providers._connections import gitea_client
from gmac.providers._gitea import made_by_gmac

# Gitea stores `pull_request` as every pull request event (`pull_request_comment`, ...) and
# `issues` as every issue event, and lists them all back.
_EVENT_GROUPS = {"pull_request": "pull_request_", "issues": "issue_"}


def _settings(p: Props) -> dict[str, Any]:
    config = {"url": p.text("url"), "content_type": p.text("content_type", "json")}
    if p.text("secret"):
        config["secret"] = p.text("secret")
    return {
        "config": config,
        "events": p.strings("events"),
        "active": p.flag("active", True),
        "branch_filter": p.text("branch_filter", "*"),
    }


def _repo(p: Props) -> GiteaRepo:
    return gitea_client(p).repo(p.text("owner"), p.text("repo"))


def _declared_events(live: list[str], p: Props) -> list[str]:
    """The live events as the spec would write them: a group without the events it implies
    (those the spec names itself are kept)."""
    declared = set(p.strings("events"))
    implied = tuple(prefix for group, prefix in _EVENT_GROUPS.items() if group in live)
    return [e for e in live if e in declared or not e.startswith(implied) or not implied]


def _same_url(repo: GiteaRepo, url: str) -> list[dict[str, Any]]:
    """The repository's `gitea` hooks to `url`."""
    return [
        hook
        for hook in repo.hooks()
        if hook.get("type") == "gitea" and (hook.get("config") or {}).get("url") == url
    ]


def _candidate(hook: dict[str, Any]) -> Candidate:
    state = "active" if hook.get("active", True) else "inactive"
    events = ", ".join(hook.get("events") or [])
    return Candidate(str(hook["id"]), f"hook {hook['id']}, {state}, events: {events}")


def _what(p: Props) -> str:
    return f"hook to {p.text('url')} on {p.text('owner')}/{p.text('repo')}"


@published
class GiteaWebhookProvider(ResourceProvider):
    """A repository webhook of type `gitea`; its ID is Gitea's hook ID.

    Gitea never returns a hook's secret, so `read` keeps the stored one; a new secret value
    is sent with an update (and an adopted hook gets the declared one).
    """

    UPDATE: ClassVar[tuple[str, ...]] = (
        "url",
        "events",
        "content_type",
        "active",
        "branch_filter",
    )
    REPLACE: ClassVar[tuple[str, ...]] = ("base_url", "owner", "repo")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=self.REPLACE,
            update=self.UPDATE,
            credentials=("token", "secret"),
            unordered=("events",),
        )

    def find(self, props: dict[str, Any]) -> Finding:
        p = Props(props)
        repo = _repo(p)
        what = f"Gitea {_what(p)}"
        wanted = adopt_id(p)
        if wanted:
            hook = repo.hook(wanted)
            return named_in_spec(what, wanted, _candidate(hook) if hook else None)
        same = tuple(map(_candidate, _same_url(repo, p.text("url"))))
        ours = len(same) == 1 and made_by_gmac(gitea_client(p), p)
        return Finding(what, same, how="by URL" if same else "", ours=ours)

    def differences(self, id_: str, props: dict[str, Any]) -> tuple[Difference, ...]:
        live = self.read(id_, props).outs or {}
        return differences(
            live, props, update=self.UPDATE, replace=self.REPLACE, unordered=("events",)
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        repo = _repo(p)
        wanted = adopt_id(p)
        if wanted:
            if repo.hook(wanted) is None:
                raise IntegrationError("gitea", f"hook {wanted} to adopt does not exist")
            repo.edit_hook(wanted, _settings(p))
            return CreateResult(wanted, p.raw)
        same = _same_url(repo, p.text("url"))
        if len(same) == 1 and made_by_gmac(gitea_client(p), p):
            # Made by an earlier attempt that never heard back.
            existing = str(same[0]["id"])
            repo.edit_hook(existing, _settings(p))
            return CreateResult(existing, p.raw)
        if same:
            raise ExistingObjectError("gitea", _what(p))
        return CreateResult(repo.create_hook({"type": "gitea", **_settings(p)}), p.raw)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        hook = _repo(p).hook(id_)
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
        _repo(new).edit_hook(id_, _settings(new))
        return UpdateResult(new.raw)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _repo(Props(props)).delete_hook(id_)


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
