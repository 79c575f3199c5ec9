"""Gitea: a repository in an organization (branch protection and webhooks are beside it).

Every Gitea resource takes `base_url` (the Gitea root, such as https://git.example.com),
`token` (secret; sent as `Authorization: token ...`) and `token_secret` (the name of the gmac
secret holding it, for error messages); `gmac.clients.gitea` makes the calls.

Creating is safe to repeat: a run that died after Gitea made something (a lost answer, a
server killed mid-apply) finds it the next time instead of making a second one. The
repository `{owner}/{repo}` and the protection of a branch are unique by name, and a hook is
the repository's hook of type `gitea` with the same URL: each is adopted and set to the
declared settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

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
from gmac.errors import IntegrationError
from gmac.providers._base import Props, compare, outputs, secret_options
from gmac.providers._connections import gitea_client

INITIAL_COMMIT_MESSAGE = "Initial commit from gmac"


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
        client = gitea_client(p)
        repo = client.repo(p.text("owner"), p.text("repo"))
        branch = p.text("default_branch", "main")
        body: dict[str, Any] = {
            "name": p.text("repo"),
            "description": p.text("description"),
            "private": p.flag("private", True),
            "default_branch": branch,
            "auto_init": False,
        }
        found = client.create_repository(p.text("owner"), body)
        created = found is not None
        if found is None:
            # Made by an earlier run that never heard back: take it over as declared.
            found = repo.edit({key: body[key] for key in ("description", "private")})
        files = p.mapping("files")
        if files and found.get("empty", True):
            try:
                repo.commit_files(branch, INITIAL_COMMIT_MESSAGE, files)
            except IntegrationError:
                # A failed create must leave nothing behind: the next run creates it again.
                if created:
                    with suppress(IntegrationError):
                        repo.delete()
                raise
        if not created and found.get("default_branch") != branch:
            found = repo.edit({"default_branch": branch})
        return CreateResult(str(found["id"]), self._outputs(repo, p, found))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        client = gitea_client(p)
        found = client.repository_by_id(id_)
        if found is None:
            return ReadResult(None, {})
        live = Props(
            {
                **p.raw,
                "owner": found["owner"]["login"],
                "repo": found["name"],
                "description": found.get("description", ""),
                "private": found.get("private", True),
                "default_branch": found.get("default_branch", p.text("default_branch")),
            }
        )
        repo = client.repo(live.text("owner"), live.text("repo"))
        return ReadResult(id_, self._outputs(repo, live, found))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        client = gitea_client(new)
        body: dict[str, Any] = {
            "description": new.text("description"),
            "private": new.flag("private", True),
            "default_branch": new.text("default_branch", "main"),
        }
        if new.text("repo") != old.text("repo"):
            body["name"] = new.text("repo")
        found = client.repo(old.text("owner"), old.text("repo")).edit(body)
        repo = client.repo(new.text("owner"), new.text("repo"))
        return UpdateResult(self._outputs(repo, new, found))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        p = Props(props)
        gitea_client(p).repo(p.text("owner"), p.text("repo")).delete()

    @staticmethod
    def _outputs(repo: GiteaRepo, p: Props, found: Mapping[str, Any]) -> dict[str, Any]:
        return outputs(
            p,
            full_name=found.get("full_name", f"{p.text('owner')}/{p.text('repo')}"),
            clone_url=found.get("clone_url", ""),
            html_url=found.get("html_url", ""),
            ssh_url=found.get("ssh_url", ""),
            head_commit=repo.head_commit(p.text("default_branch", "main")),
        )


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
