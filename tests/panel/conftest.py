"""Fixtures for the panel's tests without a cluster: a copy of the example project with a
second user, alice (no admin role), the panel as its ASGI application (FastAPI's
TestClient drives the real app in process), and `gmac` in a subprocess for its commands.

Every test has its own age identity (GMAC_IDENTITY), config folder and GMAC_ACTOR=gmackie.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gmac.app.panel.credentials import PanelCredentials
from gmac.secrets import Identity
from gmac.web import RateLimits, ServeOptions, create_app
from tests.gmac_process import run_gmac
from tests.gmac_result import Result

REPO = Path(__file__).resolve().parents[2]
ONCE = "a-one-time-token-for-the-panel-tests-0123456789"


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("GMAC_SECRET_", "GMAC_REGISTRY", "GMAC_GITEA", "GMAC_PANEL")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GMAC_IDENTITY", str(Identity.generate()))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("GMAC_ACTOR", "gmackie")


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
def specs(project: Path) -> Path:
    return project / "specs"


@pytest.fixture
def gmac(project: Path) -> Callable[..., Result]:
    def run(*args: str, stdin: str | None = None, **env: str) -> Result:
        return run_gmac(
            [*args, "--specs", str(project / "specs")],
            cwd=project,
            env={**os.environ, **env},
            stdin=stdin,
            timeout=120,
        )

    return run


def make_client(specs: Path, **changes: Any) -> TestClient:
    settings: dict[str, Any] = {
        "envs": ("local",),
        "once_token": ONCE,
        "credentials": PanelCredentials.load(specs, "local"),
        **changes,
    }
    options = ServeOptions(specs=specs, **settings)
    return TestClient(create_app(options), base_url="http://127.0.0.1:8300")


@pytest.fixture
def client(specs: Path) -> Iterator[TestClient]:
    with make_client(specs) as found:
        yield found


def signed_in(client: TestClient) -> TestClient:
    answer = client.get(f"/signin/once?token={ONCE}", follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def limits() -> RateLimits:
    return RateLimits()
