"""Where state lives and how its secrets are encrypted, for one project."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gmac.errors import EngineError
from gmac.fs import create_exclusively, write_if_changed

if TYPE_CHECKING:
    from gmac.models import Project

STATE_DIR = ".gmac"
PASSPHRASE_FILE = "passphrase"


@dataclass(frozen=True)
class EngineSettings:
    root: Path  # the folder holding Pulumi.yaml, stacks/ and .gmac/
    backend_url: str
    passphrase: str = field(repr=False)
    passphrase_source: str = ""
    # Where the engine runs: the project (its Pulumi.yaml, stack settings in stacks/), or for
    # one person's environment a workspace of its own under .gmac/ (see `personal_workspace`).
    work_dir: Path | None = None

    @property
    def workspace(self) -> Path:
        return self.work_dir or self.root


def _backend_url(root: Path, project: Project) -> str:
    url = os.environ.get("GMAC_BACKEND") or project.backend or f"file://{STATE_DIR}/state"
    if url.startswith("file://") and not url.startswith("file:///"):
        # A relative file backend is relative to the project, not to wherever gmac runs.
        local = root / url.removeprefix("file://")
        local.mkdir(parents=True, exist_ok=True)
        return f"file://{local.resolve()}"
    return url


def existing_passphrase(root: Path) -> str | None:
    """The passphrase a run would use, if there is one already: nothing is generated."""
    from_env = os.environ.get("GMAC_PASSPHRASE")
    if from_env:
        return from_env
    try:
        return (root / STATE_DIR / PASSPHRASE_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


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


PASSPHRASE_VARIABLE = "GMAC_PASSPHRASE"


def _pulumi_project(root: Path) -> dict[str, Any]:
    """The project's Pulumi.yaml, or {} where there is none to read."""
    # Imported here: a plan answered the short way (gmac.app.operations.plan_index) reads
    # the passphrase from this module and no YAML at all.
    import yaml  # noqa: PLC0415

    try:
        project = yaml.safe_load((root / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return project if isinstance(project, dict) else {}


def stack_settings_path(root: Path, env: str) -> Path:
    """`Pulumi.<env>.yaml` in the project's `stackConfigDir` (Pulumi.yaml; `stacks/` here):
    the salt of the passphrase the stack's secrets are encrypted with."""
    folder = root
    project = _pulumi_project(root)
    if isinstance(project.get("stackConfigDir"), str):
        folder = root / project["stackConfigDir"]
    return folder / f"Pulumi.{env}.yaml"


PERSONAL_WORKSPACE = Path(STATE_DIR) / "workspace"


def personal_workspace(root: Path, env: str) -> Path:
    """A workspace under .gmac/ for an environment that is one person's (`local`): its stack
    settings (the salt of this machine's passphrase) stay there, out of the project's
    `stacks/`, which holds only what the team shares and commits. Same project name, so the
    stack and its state are the same; settings an earlier gmac left in `stacks/` move here."""
    import yaml  # noqa: PLC0415 - see _pulumi_project

    folder = root / PERSONAL_WORKSPACE
    name = _pulumi_project(root).get("name", "gmac")
    text = yaml.safe_dump(
        {"name": name, "runtime": "python", "description": "one person's environments"},
        sort_keys=False,
    )
    write_if_changed(folder / "Pulumi.yaml", text)
    earlier, here = stack_settings_path(root, env), folder / f"Pulumi.{env}.yaml"
    if earlier.is_file() and not here.exists():
        earlier.replace(here)
    return folder
