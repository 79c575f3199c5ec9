"""A real Gitea with a repository and pull requests (and a recording proxy in front of it),
the GitHub stand-in (github_api.py: no GitHub runs here), and a copy of the example project
whose gmac runs see no forge variable of the CI running the tests."""

from __future__ import annotations

import base64
import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gmac.dev import servers
from tests.gmac_process import gmac_command
from tests.pr.github_api import GitHubStandIn, serve
from tests.real import require, require_toolchain
from tests.recording_proxy import RecordingProxy, recording_proxy

ROOT = Path(__file__).parents[2]
ORG = "gmac"
REPO = "infra"


@pytest.fixture(scope="session")
def gitea(tmp_path_factory: pytest.TempPathFactory) -> Iterator[servers.Gitea]:
    build = require(servers.find_gitea(), f"gitea {servers.GITEA_VERSION}")
    started = servers.start_gitea(tmp_path_factory.mktemp("gitea-pr"), build)
    try:
        started.create_org(ORG)
        started.api(
            "POST",
            f"/orgs/{ORG}/repos",
            {"name": REPO, "auto_init": True, "default_branch": "main"},
        )
        yield started
    finally:
        started.stop()


_BRANCHES = itertools.count(1)  # one Gitea per session: branch names must not repeat


@dataclass
class Pulls:
    gitea: servers.Gitea

    def open(self) -> int:
        """A new branch with one commit, and a pull request from it into main."""
        n = next(_BRANCHES)
        content = base64.b64encode(f"change {n}\n".encode()).decode()
        self.gitea.api(
            "POST",
            f"/repos/{ORG}/{REPO}/contents/change-{n}.txt",
            {
                "content": content,
                "branch": "main",
                "new_branch": f"change-{n}",
                "message": f"change {n}",
            },
        )
        pull = self.gitea.api(
            "POST",
            f"/repos/{ORG}/{REPO}/pulls",
            {"head": f"change-{n}", "base": "main", "title": f"change {n}"},
        )
        return int(pull["number"])

    def close(self, number: int) -> None:
        self.gitea.api("PATCH", f"/repos/{ORG}/{REPO}/pulls/{number}", {"state": "closed"})

    def comments(self, number: int) -> list[dict[str, object]]:
        found = self.gitea.api("GET", f"/repos/{ORG}/{REPO}/issues/{number}/comments")
        return list(found or [])


@pytest.fixture
def pulls(gitea: servers.Gitea) -> Pulls:
    return Pulls(gitea)


@pytest.fixture
def gitea_proxy(gitea: servers.Gitea) -> Iterator[RecordingProxy]:
    """The real Gitea behind a proxy that records every request that reached it."""
    with recording_proxy(gitea.url) as proxy:
        yield proxy


@pytest.fixture
def github() -> Iterator[GitHubStandIn]:
    """The GitHub REST API stand-in (pull requests and their comments)."""
    with serve() as api:
        yield api


# The variables by which gmac tells which CI (and forge) it runs in: the tests set their own.
_FORGE_PREFIXES = ("GMAC_", "GITHUB_", "GITEA_")


@dataclass
class Project:
    root: Path
    env: dict[str, str]

    def gmac(self, *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            gmac_command(*args),
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result


@pytest.fixture
def project(tmp_path: Path, gitea: servers.Gitea) -> Project:
    require_toolchain()
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FORGE_PREFIXES)}
    env.update(
        {
            "GMAC_GITEA_TOKEN": gitea.token,
            "GMAC_GITEA_URL": gitea.url,
            "GMAC_PASSPHRASE": "pr-tests",
            "GMAC_ACTOR": "gmackie",
            # Its registry is the temporary project's: allowed in CI too.
            "GMAC_EPHEMERAL_REGISTRY": "1",
        }
    )
    return Project(tmp_path, env)
