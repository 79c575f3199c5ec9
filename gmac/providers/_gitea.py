"""Gitea: a repository in an organization (branch protection and webhooks are beside it).

Every Gitea resource takes `base_url` (the Gitea root, such as https://git.example.com),
`token` (secret; sent as `Authorization: token ...`) and `token_secret` (the name of the gmac
secret holding it, for error messages); `gmac.clients.gitea` makes the calls.

A repository gmac creates carries gmac's marker at the end of its description (`(gmac:` and
twelve hex digits: a hash of the server, owner and name); `read` leaves it out, so it is never
a difference. It is what makes creating safe to repeat without taking over anyone else's
work: a create that meets a repository of the same name takes it over only when the marker
proves an earlier attempt made it (its answer lost, the server killed mid-apply), and stops
with `ExistingObjectError` otherwise. Branch protections and hooks have no field to carry a
marker: one found on a repository carrying gmac's marker was made by an earlier attempt
(nobody else protects or hooks a repository in the seconds gmac makes it); on any other
repository it stops the same way. `gmac adopt` finds each by its natural identity (the
repository by owner/name, a protection by branch, a hook by URL) and `--adopt` takes it over
through the `adopt` input (gmac.providers._adopt).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextlib import suppress
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

from gmac.clients.gitea import GiteaClient, GiteaRepo
from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers._adopt import (
    Candidate,
    Difference,
    Finding,
    adopt_id,
    differences,
    named_in_spec,
)
from gmac.providers._base import Props, compare, outputs, published, resource_marker, secret_options
from gmac.providers._connections import gitea_client

INITIAL_COMMIT_MESSAGE = "Initial commit from gmac"
_MARKER = re.compile(r" ?\(gmac:[0-9a-f]{12}\)$")


def repository_marker(p: Props) -> str:
    """`(gmac:<hash>)`: the same for the same server, owner and name, on every run."""
    identity = f"{p.text('owner').lower()}/{p.text('repo').lower()}"
    digest = resource_marker("gitea-repository", identity, {"base_url": p.text("base_url")})
    return f"(gmac:{digest[-12:]})"


def marked(description: str, marker: str) -> str:
    return f"{description} {marker}".strip() if marker else description


def unmarked(description: str) -> str:
    return _MARKER.sub("", description or "")


def made_by_gmac(client: GiteaClient, p: Props) -> bool:
    """Whether the repository `{owner}/{repo}` carries gmac's marker: gmac created it."""
    found = client.repository(p.text("owner"), p.text("repo"))
    description = str((found or {}).get("description") or "")
    return description.endswith(repository_marker(p))


def _repository(found: Mapping[str, Any]) -> Candidate:
    return Candidate(str(found["id"]), str(found.get("full_name", "")))


@published
class GiteaRepositoryProvider(ResourceProvider):
    """A repository in an organization; its ID is Gitea's numeric repository ID.

    `files` (path -> text) are committed once, on create, as the first commit of the default
    branch; later changes to them are ignored, the repository belongs to its developers then
    (an adopted repository gets none). Renaming (`repo`) and the description, visibility and
    default branch change in place; a new organization or server is a new repository.
    """

    UPDATE: ClassVar[tuple[str, ...]] = ("repo", "description", "private", "default_branch")
    REPLACE: ClassVar[tuple[str, ...]] = ("base_url", "owner")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(olds, news, replace=self.REPLACE, update=self.UPDATE, credentials=("token",))

    def find(self, props: dict[str, Any]) -> Finding:
        p = Props(props)
        client = gitea_client(p)
        what = f"Gitea repository {p.text('owner')}/{p.text('repo')}"
        wanted = adopt_id(p)
        if wanted:
            by_id = client.repository_by_id(wanted)
            return named_in_spec(what, wanted, _repository(by_id) if by_id else None)
        found = client.repository(p.text("owner"), p.text("repo"))
        if found is None:
            return Finding(what)
        ours = str(found.get("description") or "").endswith(repository_marker(p))
        return Finding(what, (_repository(found),), how="by owner/name", ours=ours)

    def differences(self, id_: str, props: dict[str, Any]) -> tuple[Difference, ...]:
        live = self.read(id_, props).outs or {}
        return differences(live, props, update=self.UPDATE, replace=self.REPLACE)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        if adopt_id(p):
            return self._adopt(p)
        client = gitea_client(p)
        repo = client.repo(p.text("owner"), p.text("repo"))
        branch = p.text("default_branch", "main")
        marker = repository_marker(p)
        body: dict[str, Any] = {
            "name": p.text("repo"),
            "description": marked(p.text("description"), marker),
            "private": p.flag("private", True),
            "default_branch": branch,
            "auto_init": False,
        }
        found = client.create_repository(p.text("owner"), body)
        created = found is not None
        if found is None:
            if not made_by_gmac(client, p):
                raise ExistingObjectError("gitea", f"repository {p.text('owner')}/{p.text('repo')}")
            # Made by an earlier attempt that never heard back: take it over as declared.
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
        return CreateResult(str(found["id"]), self._outputs(repo, p, found, marker))

    def _adopt(self, p: Props) -> CreateResult:
        """Take over the repository the `adopt` input names: set the declared settings (a
        rename included), commit nothing; it keeps no marker (gmac did not make it)."""
        client = gitea_client(p)
        found = client.repository_by_id(adopt_id(p))
        if found is None:
            raise IntegrationError("gitea", f"repository {adopt_id(p)} to adopt does not exist")
        owner = found["owner"]["login"]
        if owner.lower() != p.text("owner").lower():
            raise IntegrationError(
                "gitea",
                f"repository {found.get('full_name')} is not in organization {p.text('owner')}",
            )
        body: dict[str, Any] = {
            "description": p.text("description"),
            "private": p.flag("private", True),
            "default_branch": p.text("default_branch", "main"),
        }
        if found["name"] != p.text("repo"):
            body["name"] = p.text("repo")
        edited = client.repo(owner, found["name"]).edit(body)
        repo = client.repo(p.text("owner"), p.text("repo"))
        return CreateResult(str(edited["id"]), self._outputs(repo, p, edited, ""))

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
                "description": unmarked(found.get("description", "")),
                "private": found.get("private", True),
                "default_branch": found.get("default_branch", p.text("default_branch")),
            }
        )
        repo = client.repo(live.text("owner"), live.text("repo"))
        return ReadResult(id_, self._outputs(repo, live, found, p.text("marker")))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        client = gitea_client(new)
        # A repository gmac made keeps its marker (under its new name, if renamed).
        marker = repository_marker(new) if old.text("marker") else ""
        body: dict[str, Any] = {
            "description": marked(new.text("description"), marker),
            "private": new.flag("private", True),
            "default_branch": new.text("default_branch", "main"),
        }
        if new.text("repo") != old.text("repo"):
            body["name"] = new.text("repo")
        found = client.repo(old.text("owner"), old.text("repo")).edit(body)
        repo = client.repo(new.text("owner"), new.text("repo"))
        return UpdateResult(self._outputs(repo, new, found, marker))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        p = Props(props)
        gitea_client(p).repo(p.text("owner"), p.text("repo")).delete()

    @staticmethod
    def _outputs(
        repo: GiteaRepo, p: Props, found: Mapping[str, Any], marker: str
    ) -> dict[str, Any]:
        return outputs(
            p,
            full_name=found.get("full_name", f"{p.text('owner')}/{p.text('repo')}"),
            clone_url=found.get("clone_url", ""),
            html_url=found.get("html_url", ""),
            ssh_url=found.get("ssh_url", ""),
            head_commit=repo.head_commit(p.text("default_branch", "main")),
            marker=marker,
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
            "marker": None,
        }
        super().__init__(
            GiteaRepositoryProvider(), resource_name, props, secret_options(opts, "token")
        )
