"""The `gmac` command line: typer commands, one module per command group, each command a few
lines that parse flags, call one function of gmac.app and render what comes back.

Errors are caught in one place, `gmac.cli.run.run_command`, which prints them and picks the
exit code. Modules import their step when a command runs, so `gmac validate` never pays for
importing Pulumi.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gmac import __version__
from gmac.cli import (
    alerts,
    dev,
    engine,
    health,
    history,
    new,
    pr,
    preview,
    secrets,
    spec,
    toolchain,
)
from gmac.cli.run import state
from gmac.render.console import out

app = typer.Typer(
    name="gmac",
    help="Declarative infrastructure for gmac.io: YAML specs in git, Pulumi plan and apply.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        out.print(f"gmac {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", envvar="GMAC_DEBUG", help="Show tracebacks of errors.")
    ] = False,
) -> None:
    state["debug"] = debug


# In the order `gmac --help` lists them.
for module in (spec, engine, health, alerts, new, dev, pr, preview, secrets, history, toolchain):
    app.add_typer(module.app)


def main() -> None:
    app()
