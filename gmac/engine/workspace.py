"""The project's Pulumi workspace: what concerns every stack rather than one."""

from __future__ import annotations

from pulumi import automation as auto

from gmac.engine.command import EngineCommand
from gmac.engine.settings import EngineSettings
from gmac.engine.toolchain import Toolchain
from gmac.errors import EngineError


def engine_environment(settings: EngineSettings, toolchain: Toolchain) -> dict[str, str]:
    """The environment of every Pulumi CLI call: toolchain, backend and passphrase."""
    env = toolchain.env()
    env["PULUMI_CONFIG_PASSPHRASE"] = settings.passphrase
    env["PULUMI_BACKEND_URL"] = settings.backend_url
    env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
    return env


def engine_command(toolchain: Toolchain) -> EngineCommand:
    return EngineCommand(
        root=str(toolchain.bin_dir.parent), skip_version_check=True, version=toolchain.cli_version
    )


def workspace_options(
    settings: EngineSettings, toolchain: Toolchain, command: EngineCommand | None = None
) -> auto.LocalWorkspaceOptions:
    """How every workspace of the project is opened, for one stack or for all of them."""
    return auto.LocalWorkspaceOptions(
        work_dir=str(settings.workspace),
        pulumi_home=str(toolchain.pulumi_home),
        env_vars=engine_environment(settings, toolchain),
        secrets_provider="passphrase",
        pulumi_command=command or engine_command(toolchain),
    )


def open_workspace(settings: EngineSettings, toolchain: Toolchain) -> auto.LocalWorkspace:
    return auto.LocalWorkspace(**vars(workspace_options(settings, toolchain)))


def stack_names(settings: EngineSettings, toolchain: Toolchain) -> list[str]:
    try:
        return sorted(summary.name for summary in open_workspace(settings, toolchain).list_stacks())
    except auto.errors.CommandError as error:
        raise EngineError(
            f"cannot list the stacks of {settings.backend_url}: "
            f"{str(error).strip().splitlines()[-1]}"
        ) from None


def remove_stack(
    settings: EngineSettings, toolchain: Toolchain, name: str, *, force: bool = False
) -> None:
    """Forget an emptied stack (its resources must be destroyed first), or with `force` one
    that still records resources (`pulumi stack rm --force`: they are left where they run)."""
    try:
        open_workspace(settings, toolchain).remove_stack(name, force=force)
    except auto.errors.StackNotFoundError:
        return
    except auto.errors.CommandError as error:
        raise EngineError(
            f"cannot remove stack '{name}': {str(error).strip().splitlines()[-1]}"
        ) from None
