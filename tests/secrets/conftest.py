"""Fixtures for the secret store tests.

- Every test runs with its own identity in GMAC_IDENTITY, its own XDG_CONFIG_HOME (so no
  test reads or writes ~/.config/gmac) and GMAC_ACTOR=gmackie, the example project's owner.
- `project`: a copy of the example project (specs/ and Pulumi.yaml) in a temporary folder.
- `gmac`: runs the real CLI in a subprocess, in the project's folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gmac.secrets import Identity, SecretStore
from gmac.validate import Spec, validate_directory
from tests.gmac_process import gmac_command

REPO = Path(__file__).resolve().parents[2]
CANARY = "canary-7f3c1e9a-d2b4-4c8e-9a61-5e0f8b2d4c17"

Gmac = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True)
def _isolated(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Identity:
    for name in list(os.environ):
        if name.startswith(("GMAC_SECRET_", "GMAC_REGISTRY", "GMAC_GITEA", "GMAC_TURSO")):
            monkeypatch.delenv(name)
    identity = Identity.generate()
    monkeypatch.setenv("GMAC_IDENTITY", str(identity))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("GMAC_ACTOR", "gmackie")
    return identity


@pytest.fixture
def identity(_isolated: Identity) -> Identity:
    return _isolated


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(REPO / "specs", root / "specs", ignore=shutil.ignore_patterns("secrets"))
    shutil.copy(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    return root


@pytest.fixture
def specs(project: Path) -> Path:
    return project / "specs"


@pytest.fixture
def store(specs: Path) -> SecretStore:
    return SecretStore(specs)


@pytest.fixture
def local_spec(specs: Path) -> Spec:
    return validate_directory(specs, "local")["local"]


@pytest.fixture
def gmac(project: Path) -> Iterator[Gmac]:
    def run(*args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            gmac_command(*args),
            cwd=project,
            input=stdin,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=300,
            check=False,
        )

    yield run


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    assert "internal error" not in result.stderr
