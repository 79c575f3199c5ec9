"""Which environments are shared, and creating a shared environment's stack on purpose.

An environment that renders its manifests to a folder (`local`) is one person's: its stack
and its passphrase (`.gmac/passphrase`) are made on first use and stay on that machine. Every
other environment is shared: the team's CI and people apply to it, so its stack settings
(`stacks/Pulumi.<env>.yaml`, the salt of the passphrase its secrets are encrypted with) are
committed, and its passphrase is the team's, from `GMAC_PASSPHRASE`. They are created once,
on purpose, with `gmac stack init --env ENV`: never as a side effect of a plan, which would
salt them with one laptop's key. Preview environments are made by `gmac preview up`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from gmac.app.preview_spec import preview_number
from gmac.app.toolchain import require_toolchain
from gmac.engine.settings import (
    PASSPHRASE_VARIABLE,
    EngineSettings,
    engine_settings,
    personal_workspace,
    stack_settings_path,
)
from gmac.errors import UsageError
from gmac.load.files import display_path
from gmac.validate import Spec, validate_directory


def is_shared(spec: Spec) -> bool:
    return spec.environment.kubernetes.render_to is None


def engine_settings_for(spec: Spec, root: Path) -> EngineSettings:
    """How the engine is set up for `spec.env`: one person's environment runs in a workspace
    of its own under .gmac/, so nothing of it lands in the project's `stacks/`."""
    settings = engine_settings(root, spec.project)
    if is_shared(spec):
        return settings
    return replace(settings, work_dir=personal_workspace(root, spec.env))


def check_shared_stack(spec: Spec, root: Path) -> None:
    """A shared environment's stack must have been created on purpose, with the team's
    passphrase: otherwise the first plan would make settings nobody else can open."""
    if not is_shared(spec) or preview_number(spec.env) is not None:
        return
    settings = stack_settings_path(root, spec.env)
    if not settings.is_file():
        raise UsageError(
            f"'{spec.env}' is a shared environment and {display_path(settings)} does not exist: "
            f"create its stack once with `gmac stack init --env {spec.env}` (with the team's "
            f"passphrase in {PASSPHRASE_VARIABLE}) and commit that file, or restore it from git"
        )
    _check_passphrase(spec.env)


def _check_passphrase(env: str) -> None:
    import os  # noqa: PLC0415 - only this check reads the variable itself

    if not os.environ.get(PASSPHRASE_VARIABLE):
        raise UsageError(
            f"'{env}' is a shared environment: its stack's passphrase is the team's, set "
            f"{PASSPHRASE_VARIABLE} (this machine's .gmac/passphrase is for local environments)"
        )


@dataclass(frozen=True)
class StackInit:
    env: str
    settings: Path
    created: bool  # False: the settings existed already


def init_stack(specs: Path, env: str) -> StackInit:
    """Create the stack of `env` in the backend, and its settings file, with the team's
    passphrase."""
    spec = validate_directory(specs, env)[env]
    root = specs.resolve().parent
    settings_path = (
        stack_settings_path(root, env)
        if is_shared(spec)
        else personal_workspace(root, env) / f"Pulumi.{env}.yaml"
    )
    existed = settings_path.is_file()
    if is_shared(spec):
        _check_passphrase(env)
    settings = engine_settings_for(spec, root)
    from gmac.engine.stack import StackSession  # noqa: PLC0415 (Pulumi: only this command)

    StackSession(settings, env, lambda: None, require_toolchain()).stack()
    return StackInit(env, settings_path, created=not existed)
