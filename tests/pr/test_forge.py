"""Which forge, which API and which token: chosen from the CI's variables (gmac.app.forge),
and a token only ever for the host it was issued for. Nothing is sent here: the tests read
the client each choice builds (its base URL and Authorization)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.app.forge import ForgeTarget, forge_of, pull_request
from gmac.clients.gitea_pulls import PullRequest
from gmac.clients.github_pulls import GitHubPullRequest
from gmac.errors import UsageError

SPECS = Path("specs")
GITEA = "https://git.example.com"
GITHUB_ACTIONS = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_API_URL": "https://api.github.com",
    "GITHUB_REPOSITORY": "acme/infra",
    "GITHUB_TOKEN": "ghs_job_token",
}
# Gitea's runner sets the GITHUB_* variables too, to the Gitea server's values.
GITEA_ACTIONS = {
    "GITEA_ACTIONS": "true",
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": GITEA,
    "GITHUB_API_URL": f"{GITEA}/api/v1",
    "GITHUB_REPOSITORY": "acme/infra",
    "GITEA_TOKEN": "gitea_job_token",
}


def _target(environ: dict[str, str], **fields: str) -> ForgeTarget:
    return ForgeTarget(SPECS, "staging", environ=environ, **fields)  # type: ignore[arg-type]


def test_the_forge_is_the_ci_s_unless_asked() -> None:
    assert forge_of(_target({})) == "gitea"
    assert forge_of(_target(GITHUB_ACTIONS)) == "github"
    assert forge_of(_target(GITEA_ACTIONS)) == "gitea"  # though GITHUB_ACTIONS=true too
    assert forge_of(_target(GITHUB_ACTIONS, forge="gitea")) == "gitea"
    with pytest.raises(UsageError, match="unknown forge 'gitlab': choose gitea or github"):
        forge_of(_target({}, forge="gitlab"))


def test_github_actions_talks_to_github_with_its_job_token() -> None:
    pr = pull_request(_target(GITHUB_ACTIONS), 7)
    assert isinstance(pr, GitHubPullRequest)
    assert (pr.api.base_url, pr.api.authorization) == (
        "https://api.github.com",
        "Bearer ghs_job_token",
    )
    assert (pr.owner, pr.repo, pr.number) == ("acme", "infra", 7)


def test_gitea_actions_talks_to_its_own_server_with_its_job_token() -> None:
    pr = pull_request(_target(GITEA_ACTIONS), 7)
    assert isinstance(pr, PullRequest)
    assert (pr.api.base_url, pr.api.authorization) == (GITEA, "token gitea_job_token")
    assert (pr.owner, pr.repo) == ("acme", "infra")


def test_a_github_token_is_never_sent_to_gitea() -> None:
    environ = {**GITHUB_ACTIONS}
    with pytest.raises(UsageError, match="a Gitea token is needed: set GMAC_GITEA_TOKEN"):
        pull_request(_target(environ, forge="gitea", gitea_url=GITEA, repo="acme/infra"), 1)
    pr = pull_request(
        _target(
            {**environ, "GMAC_GITEA_TOKEN": "gitea-token"},
            forge="gitea",
            gitea_url=GITEA,
            repo="acme/infra",
        ),
        1,
    )
    assert isinstance(pr, PullRequest)
    assert pr.api.authorization == "token gitea-token"
    # ... and GITHUB_REPOSITORY, GitHub's name for the repository, is not taken for Gitea's.
    with pytest.raises(UsageError, match=r"--repo OWNER/NAME is needed"):
        pull_request(
            _target({"GMAC_GITEA_TOKEN": "t", **environ}, forge="gitea", gitea_url=GITEA), 1
        )


def test_a_gitea_token_is_never_sent_to_github() -> None:
    environ = {"GMAC_GITEA_TOKEN": "gitea-token", "GITEA_TOKEN": "gitea-job-token"}
    with pytest.raises(UsageError, match="a GitHub token is needed"):
        pull_request(_target(environ, forge="github", repo="acme/infra"), 1)


def test_github_s_token_goes_only_to_the_host_of_github_api_url() -> None:
    elsewhere = "https://ghe.example.com/api/v3"
    with pytest.raises(UsageError, match=r"GITHUB_TOKEN is the token of api\.github\.com:443"):
        pull_request(_target(GITHUB_ACTIONS, github_api_url=elsewhere), 1)
    pr = pull_request(
        _target({**GITHUB_ACTIONS, "GMAC_GITHUB_TOKEN": "ghe-token"}, github_api_url=elsewhere), 1
    )
    assert (pr.api.base_url, pr.api.authorization) == (elsewhere, "Bearer ghe-token")  # type: ignore[attr-defined]
    # GitHub Enterprise Server's own Actions: GITHUB_API_URL is its API, the job token its own.
    server = {**GITHUB_ACTIONS, "GITHUB_API_URL": elsewhere}
    pr = pull_request(_target(server), 1)
    assert (pr.api.base_url, pr.api.authorization) == (elsewhere, "Bearer ghs_job_token")  # type: ignore[attr-defined]


def test_the_gitea_job_token_goes_only_to_its_own_server() -> None:
    other = "https://other-git.example.com"
    with pytest.raises(UsageError, match=r"GITEA_TOKEN is the token of git\.example\.com:443"):
        pull_request(_target(GITEA_ACTIONS, gitea_url=other), 1)
    pr = pull_request(_target({**GITEA_ACTIONS, "GMAC_GITEA_TOKEN": "t"}, gitea_url=other), 1)
    assert (pr.api.base_url, pr.api.authorization) == (other, "token t")  # type: ignore[attr-defined]


def test_under_gitea_actions_the_github_variables_are_not_github_s() -> None:
    """They describe the Gitea server: asking for GitHub there needs GitHub's own settings."""
    with pytest.raises(UsageError, match="a GitHub token is needed"):
        pull_request(_target({**GITEA_ACTIONS, "GITHUB_TOKEN": "gitea-job"}, forge="github"), 1)
    environ = {**GITEA_ACTIONS, "GMAC_GITHUB_TOKEN": "ghp_user"}
    pr = pull_request(_target(environ, forge="github", repo="acme/infra"), 1)
    assert (pr.api.base_url, pr.api.authorization) == (  # type: ignore[attr-defined]
        "https://api.github.com",
        "Bearer ghp_user",
    )
