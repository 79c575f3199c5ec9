"""Where state lives and how its secrets are encrypted, for one project."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

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
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two first runs at once must not each write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text(encoding="utf-8").strip(), str(path)


def engine_settings(root: Path, project: Project) -> EngineSettings:
    passphrase, source = _passphrase(root)
    return EngineSettings(
        root=root,
        backend_url=_backend_url(root, project),
        passphrase=passphrase,
        passphrase_source=source,
    )
