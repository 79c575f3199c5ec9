"""Fixtures for the access tests: a copy of the example project with a second user, alice,
who is not an admin; the CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.gmac_process import gmac_command

REPO = Path(__file__).resolve().parents[2]
Gmac = Callable[..., subprocess.CompletedProcess[str]]
ACTOR_VARIABLES = ("GMAC_ACTOR", "GITEA_ACTOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN",
                   "CI_COMMIT_AUTHOR", "DRONE_COMMIT_AUTHOR")  # fmt: skip


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in list(os.environ):
        if (
            name.startswith(("GMAC_REGISTRY", "GMAC_SECRET_", "GMAC_IDENTITY"))
            or name in ACTOR_VARIABLES
        ):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(REPO / "specs", root / "specs", ignore=shutil.ignore_patterns("secrets"))
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    path = root / "specs" / "project.yaml"
    text = path.read_text()
    assert "users: [gmackie]" in text
    path.write_text(text.replace("users: [gmackie]", "users: [gmackie, alice]"))
    return root


@pytest.fixture
def gmac(project: Path) -> Gmac:
    def run(*args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            gmac_command(*args),
            cwd=project,
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
            check=False,
        )

    return run
