"""Fixtures for the registry tests: a project folder whose registry is `.gmac/registry.db`,
opened through libsql-client with its `file:` URL, and the CLI in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gmac.registry import Registry
from tests.gmac_process import gmac_command

REPO = Path(__file__).resolve().parents[2]
Gmac = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GMAC_REGISTRY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GMAC_ACTOR", "gmackie")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "specs", tmp_path / "specs", ignore=shutil.ignore_patterns("secrets"))
    return tmp_path


@pytest.fixture
def registry(root: Path) -> Iterator[Registry]:
    with Registry.open(root) as opened:
        yield opened


@pytest.fixture
def db_path(root: Path, registry: Registry) -> Path:
    return root / ".gmac" / "registry.db"


@pytest.fixture
def gmac(root: Path) -> Gmac:
    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            gmac_command(*args),
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            timeout=120,
            check=False,
        )

    return run
