"""Repository: a service's Gitea repository, its protected branches and its webhooks."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Sequence
from pathlib import Path

import pulumi

from components._integrations import secret_input, slug
from components.context import CompileContext
from components.webhook import hook_settings
from gmac.errors import IntegrationError, UsageError
from gmac.models import Service, WebhookIntegration
from gmac.models.service import Repo
from gmac.providers import GiteaBranchProtection, GiteaRepository, GiteaWebhook

TYPE = "gmac:index:Repository"
# Never part of a first commit: version control, dependencies and build output.
SKIPPED = frozenset({".git", "node_modules", ".next", "__pycache__", ".venv"})


def _ignored_by(directory: Path) -> list[str]:
    """The patterns of the folder's own `.gitignore` (no negations, which are rare there)."""
    ignore = directory / ".gitignore"
    if not ignore.is_file():
        return []
    lines = ignore.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and line[0] not in "#!"]


def _matches(relative: str, patterns: Sequence[str]) -> bool:
    """Whether `.gitignore` patterns cover the path `a/b/c` (or a folder above it)."""
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        bare = pattern.strip("/")
        if pattern.startswith("/") or "/" in bare:  # anchored at the folder's top
            if any(fnmatch.fnmatchcase(prefix, bare) for prefix in prefixes):
                return True
        elif any(fnmatch.fnmatchcase(part, bare) for part in parts):
            return True
    return False


def initial_files(service: Service, ctx: CompileContext) -> dict[str, str]:
    """The first commit of a new repository: the text files of the folder `repo.initial_files`
    (relative to the project root), by relative path, less what its `.gitignore` lists.
    Empty when the spec names no folder."""
    folder = service.repo.initial_files if service.repo is not None else None
    if folder is None:
        return {}
    root = (ctx.spec.root or Path.cwd()) / folder
    if not root.is_dir():
        raise UsageError(
            f"service '{service.name}': repo.initial_files: no folder '{root}'; "
            "run 'gmac validate' to check the specs"
        )
    ignored = _ignored_by(root)
    files: dict[str, str] = {}
    for directory, subdirs, names in os.walk(root):
        here = Path(directory).relative_to(root).as_posix()
        base = "" if here == "." else here
        subdirs[:] = sorted(
            d
            for d in subdirs
            if d not in SKIPPED and not _matches(f"{base}/{d}".lstrip("/"), ignored)
        )
        for name in sorted(names):
            relative = f"{base}/{name}".lstrip("/")
            if _matches(relative, ignored):
                continue
            try:
                files[relative] = (Path(directory) / name).read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # the contents API takes text here; binaries come with the code
    return dict(sorted(files.items()))


class Repository(pulumi.ComponentResource):
    """The Gitea repository `{git.org}/{service}` with its protected branches and the hooks
    of the webhook integrations the service lists.

    Children, named after the component: `{name}-repo`, `{name}-protect-{branch}`,
    `{name}-hook-{webhook}`.
    """

    clone_url: pulumi.Output[str]
    html_url: pulumi.Output[str]
    head_commit: pulumi.Output[str]
    default_branch: str
    full_name: str

    def __init__(
        self,
        name: str,
        service: Service,
        ctx: CompileContext,
        webhooks: Sequence[WebhookIntegration],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        git = ctx.project.git
        if git is None:
            raise IntegrationError(
                "gitea",
                f"service '{service.name}' has a repository but the project has no 'git'",
                hint="add git: {url, org, credentials} to the project",
            )
        repo = service.repo or Repo()
        token_secret = git.credentials.secret if git.credentials is not None else ""
        token = secret_input(ctx, token_secret)
        child = pulumi.ResourceOptions(parent=self)

        self.repository = GiteaRepository(
            f"{name}-repo",
            base_url=git.url,
            token=token,
            token_secret=token_secret,
            owner=git.org,
            repo=service.name,
            description=f"{service.name}: a service of {ctx.project.name}, managed by gmac",
            private=repo.private,
            default_branch=repo.default_branch,
            files=initial_files(service, ctx),
            opts=child,
        )
        self.protections = [
            GiteaBranchProtection(
                f"{name}-protect-{slug(branch)}",
                base_url=git.url,
                token=token,
                token_secret=token_secret,
                owner=git.org,
                repo=self.repository.repo,
                branch=branch,
                opts=child,
            )
            for branch in repo.protected_branches
        ]
        self.hooks = []
        for integration in webhooks:
            hook = hook_settings(integration, ctx)
            self.hooks.append(
                GiteaWebhook(
                    f"{name}-hook-{hook.name}",
                    base_url=git.url,
                    token=token,
                    token_secret=token_secret,
                    owner=git.org,
                    repo=self.repository.repo,
                    url=hook.url,
                    events=hook.events,
                    secret=hook.secret,
                    content_type=hook.content_type,
                    opts=child,
                )
            )

        self.full_name = f"{git.org}/{service.name}"
        self.default_branch = repo.default_branch
        self.clone_url = self.repository.clone_url
        self.html_url = self.repository.html_url
        self.head_commit = self.repository.head_commit
        self.register_outputs(
            {
                "full_name": self.full_name,
                "default_branch": self.default_branch,
                "clone_url": self.clone_url,
                "html_url": self.html_url,
                "head_commit": self.head_commit,
            }
        )
