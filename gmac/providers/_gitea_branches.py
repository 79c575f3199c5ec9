"""Gitea: the protection of one branch of a repository (see `_gitea` for the inputs every
Gitea resource takes, and for when a create takes over a protection already there)."""

from __future__ import annotations

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
from gmac.providers._adopt import Candidate, Difference, Finding, adopt_id, differences
from gmac.providers._base import Props, compare, outputs, published, secret_options
from gmac.providers._connections import gitea_client
from gmac.providers._gitea import made_by_gmac

_PROTECTION_SETTINGS = (
    "enable_push",
    "enable_force_push",
    "required_approvals",
    "dismiss_stale_approvals",
)


def _settings(p: Props) -> dict[str, Any]:
    return {
        "enable_push": p.flag("enable_push"),
        "enable_force_push": p.flag("enable_force_push"),
        "required_approvals": p.number("required_approvals"),
        "dismiss_stale_approvals": p.flag("dismiss_stale_approvals"),
    }


def _repo(p: Props) -> GiteaRepo:
    return gitea_client(p).repo(p.text("owner"), p.text("repo"))


def _id(p: Props) -> str:
    return f"{p.text('owner')}/{p.text('repo')}:{p.text('branch')}"


def _what(p: Props) -> str:
    return f"branch protection {p.text('branch')} of {p.text('owner')}/{p.text('repo')}"


@published
class GiteaBranchProtectionProvider(ResourceProvider):
    """A branch protection rule named after the branch (or glob) it protects; its ID is
    `owner/repo:branch`."""

    UPDATE: ClassVar[tuple[str, ...]] = _PROTECTION_SETTINGS
    REPLACE: ClassVar[tuple[str, ...]] = ("base_url", "owner", "repo", "branch")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(olds, news, replace=self.REPLACE, update=self.UPDATE, credentials=("token",))

    def find(self, props: dict[str, Any]) -> Finding:
        p = Props(props)
        what = f"Gitea {_what(p)}"
        if _repo(p).branch_protection(p.text("branch")) is None:
            return Finding(what)
        ours = made_by_gmac(gitea_client(p), p)
        return Finding(what, (Candidate(_id(p)),), how="by branch", ours=ours)

    def differences(self, id_: str, props: dict[str, Any]) -> tuple[Difference, ...]:
        live = self.read(id_, props).outs or {}
        return differences(live, props, update=self.UPDATE, replace=self.REPLACE)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        repo, branch = _repo(p), p.text("branch")
        existing = repo.branch_protection(branch)
        if adopt_id(p) and existing is None:
            raise IntegrationError("gitea", f"{_what(p)} to adopt does not exist")
        if existing is None:
            repo.create_branch_protection(branch, _settings(p))
        elif adopt_id(p) or made_by_gmac(gitea_client(p), p):
            repo.edit_branch_protection(branch, _settings(p))
        else:
            raise ExistingObjectError("gitea", _what(p))
        return CreateResult(_id(p), p.raw)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        rule = _repo(p).branch_protection(p.text("branch"))
        if rule is None:
            return ReadResult(None, {})
        live = {key: rule[key] for key in _PROTECTION_SETTINGS if key in rule}
        return ReadResult(id_, outputs(p, **live))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        p = Props(news)
        _repo(p).edit_branch_protection(p.text("branch"), _settings(p))
        return UpdateResult(p.raw)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        p = Props(props)
        _repo(p).delete_branch_protection(p.text("branch"))


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
