"""Which forge holds the pull requests (Gitea or GitHub), where its API is, and which token
goes there, for `gmac pr comment` and `gmac preview cleanup`.

The forge is `--forge` when given, else the CI's own: Gitea Actions (`GITEA_ACTIONS=true`;
its runner also sets the `GITHUB_*` variables, to Gitea's values) or GitHub Actions
(`GITHUB_ACTIONS=true`), else Gitea (the forge of the project's `git`).

A token is only ever sent to the host it was issued for:

- gitea: the API is `--gitea-url` (`GMAC_GITEA_URL`), else the Gitea Actions server
  (`GITEA_SERVER_URL`, or `GITHUB_SERVER_URL` under Gitea Actions), else the project's
  `git.url`; the token `GMAC_GITEA_TOKEN`, else `GITEA_TOKEN`, which under Gitea Actions is
  the job's token and goes only to the job's own server.
- github: the API is `--github-api-url` (`GMAC_GITHUB_API_URL`), else `GITHUB_API_URL`, else
  https://api.github.com; the token `GMAC_GITHUB_TOKEN`, else `GITHUB_TOKEN`, which goes
  only to the host of `GITHUB_API_URL` (https://api.github.com when unset).

`GITHUB_TOKEN` never goes to Gitea, a Gitea token never to GitHub, and under Gitea Actions
the `GITHUB_*` variables (which describe the Gitea server) are not taken for GitHub.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

from gmac.clients.gitea_pulls import PullRequest
from gmac.clients.github_pulls import DEFAULT_GITHUB_API_URL, GitHubPullRequest
from gmac.clients.http import Api
from gmac.errors import UsageError
from gmac.validate import validate_directory

Forge = Literal["gitea", "github"]
FORGES: tuple[Forge, ...] = ("gitea", "github")


class PullRequestThread(Protocol):
    """What pull-request comments need of a forge (`gitea_pulls`, `github_pulls`)."""

    def comments(self) -> Iterator[dict[str, Any]]: ...
    def create(self, body: str) -> dict[str, Any]: ...
    def edit(self, comment_id: int, body: str) -> None: ...
    def delete(self, comment_id: int) -> None: ...
    def is_open(self) -> bool: ...


@dataclass(frozen=True)
class ForgeTarget:
    """Where pull requests live: the forge (default: the CI's), its API (default: see the
    module) and the repository (default: the CI's own)."""

    specs: Path
    env: str
    gitea_url: str | None = None
    repo: str | None = None
    forge: str | None = None
    github_api_url: str | None = None
    environ: Mapping[str, str] | None = field(default=None, repr=False)  # default: os.environ


def _ci(environ: Mapping[str, str]) -> Forge | None:
    if environ.get("GITEA_ACTIONS") == "true":
        return "gitea"
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    return None


def forge_of(target: ForgeTarget) -> Forge:
    environ = os.environ if target.environ is None else target.environ
    if target.forge is None:
        return _ci(environ) or "gitea"
    for forge in FORGES:
        if target.forge == forge:
            return forge
    raise UsageError(f"unknown forge '{target.forge}': choose {' or '.join(FORGES)}")


def _host(url: str) -> str:
    """`host:port` of a URL, the port filled in from the scheme."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


def _repository(value: str | None, ci_value: str | None, variable: str) -> tuple[str, str]:
    full = value or ci_value
    if not full or full.count("/") != 1:
        raise UsageError(f"--repo OWNER/NAME is needed (or {variable} in CI)")
    owner, name = full.split("/")
    return owner, name


def _gitea(target: ForgeTarget, environ: Mapping[str, str], number: int) -> PullRequest:
    on_gitea_ci = _ci(environ) == "gitea"
    server = (environ.get("GITEA_SERVER_URL") or environ.get("GITHUB_SERVER_URL")) or None
    ci_server = server if on_gitea_ci else None
    base = target.gitea_url or ci_server
    if base is None:
        project = validate_directory(target.specs, target.env)[target.env].project
        base = project.git.url if project.git else None
    if base is None:
        raise UsageError("--gitea-url is needed: the project has no 'git' section")
    token = environ.get("GMAC_GITEA_TOKEN")
    job_token = environ.get("GITEA_TOKEN")
    if not token and job_token:
        if ci_server and _host(ci_server) != _host(base):
            raise UsageError(
                f"GITEA_TOKEN is the token of {_host(ci_server)}, not of {_host(base)}: "
                "set GMAC_GITEA_TOKEN for that Gitea"
            )
        token = job_token
    if not token:
        raise UsageError("a Gitea token is needed: set GMAC_GITEA_TOKEN (CI: GITEA_TOKEN)")
    ci_repo = environ.get("GITEA_REPOSITORY") or (
        environ.get("GITHUB_REPOSITORY") if on_gitea_ci else None
    )
    owner, name = _repository(target.repo, ci_repo, "GITEA_REPOSITORY")
    return PullRequest(Api("gitea", base, authorization=f"token {token}"), owner, name, number)


def _github(target: ForgeTarget, environ: Mapping[str, str], number: int) -> GitHubPullRequest:
    # Under Gitea Actions the GITHUB_* variables describe the Gitea server: not GitHub's.
    ci = {} if _ci(environ) == "gitea" else environ
    issuer = ci.get("GITHUB_API_URL") or DEFAULT_GITHUB_API_URL
    base = target.github_api_url or issuer
    token = environ.get("GMAC_GITHUB_TOKEN")
    job_token = ci.get("GITHUB_TOKEN")
    if not token and job_token:
        if _host(issuer) != _host(base):
            raise UsageError(
                f"GITHUB_TOKEN is the token of {_host(issuer)}, not of {_host(base)}: "
                "set GMAC_GITHUB_TOKEN for that GitHub"
            )
        token = job_token
    if not token:
        raise UsageError("a GitHub token is needed: set GITHUB_TOKEN (or GMAC_GITHUB_TOKEN)")
    owner, name = _repository(target.repo, ci.get("GITHUB_REPOSITORY"), "GITHUB_REPOSITORY")
    api = Api("github", base, authorization=f"Bearer {token}")
    return GitHubPullRequest(api, owner, name, number)


def pull_request(target: ForgeTarget, number: int) -> PullRequestThread:
    """Pull request `number` on the target's forge, with the one token meant for it."""
    environ = os.environ if target.environ is None else target.environ
    if forge_of(target) == "github":
        return _github(target, environ, number)
    return _gitea(target, environ, number)
