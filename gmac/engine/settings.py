"""Where state lives and how its secrets are encrypted, for one project."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from gmac.errors import EngineError
from gmac.fs import create_exclusively
from gmac.models import Project

STATE_DIR = ".gmac"
PASSPHRASE_FILE = "passphrase"


@dataclass(frozen=True)
class EngineSettings:
    root: Path  # the folder holding Pulumi.yaml, stacks/ and .gmac/
    backend_url: str
    passphrase: str = field(repr=False)
    passphrase_source: str = ""


def _backend_url(root: Path, project: Project) -> str:
    url = os.environ.get("GMAC_BACKEND") or project.backend or f"file://{STATE_DIR}/state"
    if url.startswith("file://") and not url.startswith("file:///"):
        # A relative file backend is relative to the project, not to wherever gmac runs.
        local = root / url.removeprefix("file://")
        local.mkdir(parents=True, exist_ok=True)
        return f"file://{local.resolve()}"
    return url


def _passphrase(root: Path) -> tuple[str, str]:
    """GMAC_PASSPHRASE, or a key generated once into .gmac/passphrase (kept out of git)."""
    from_env = os.environ.get("GMAC_PASSPHRASE")
    if from_env:
        return from_env, "GMAC_PASSPHRASE"
    path = root / STATE_DIR / PASSPHRASE_FILE
    if not path.exists():
        # Written whole, then linked into place: of two first runs at once, one key wins and
        # neither ever reads the file empty.
        create_exclusively(path, (secrets.token_urlsafe(32) + "\n").encode(), mode=0o600)
    key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise EngineError(
            f"{path} is empty (left by a run killed while creating it): if no stack was ever "
            "created with it, delete it and run again; otherwise set GMAC_PASSPHRASE"
        )
    return key, str(path)


def engine_settings(root: Path, project: Project) -> EngineSettings:
    passphrase, source = _passphrase(root)
    return EngineSettings(
        root=root,
        backend_url=_backend_url(root, project),
        passphrase=passphrase,
        passphrase_source=source,
    )
