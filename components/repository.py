"""Repository: a service's Gitea repository, its protected branches and its webhooks."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components._integrations import secret_input, slug
from components.webhook import hook_settings
from gmac.compile.context import CompileContext
from gmac.errors import IntegrationError
from gmac.models import Service, WebhookIntegration
from gmac.models.service import Repo
from gmac.providers import GiteaBranchProtection, GiteaRepository, GiteaWebhook
from gmac.templates import catalogue

TYPE = "gmac:index:Repository"
TEMPLATE_FILES = "files"


def template_files(service: Service) -> dict[str, str]:
    """The first commit of a new repository: the text files under the service template's
    `files/` folder, by relative path. Empty without a template or such a folder."""
    if service.template is None:
        return {}
    info = catalogue().get(service.template)
    root = info.directory / TEMPLATE_FILES if info is not None else None
    if root is None or not root.is_dir():
        return {}
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            try:
                files[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue  # the contents API takes text here; binaries come with the code
    return files


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
            files=template_files(service),
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
