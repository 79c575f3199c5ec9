"""`gmac toolchain install`: find or build the Pulumi toolchain gmac drives."""

from __future__ import annotations

import typer

from gmac.cli.run import run_command
from gmac.render.console import out
from gmac.render.progress import line

app = typer.Typer(name="toolchain", help="The Pulumi toolchain gmac drives.", no_args_is_help=True)


@app.command("install")
def install() -> None:
    """Build or find the Pulumi CLI, its Kubernetes provider and the plugin scripts."""

    def body() -> None:
        from gmac.dev.toolchain import install

        toolchain = install(progress=line)
        out.print(f"pulumi: {toolchain.pulumi}\nPULUMI_HOME: {toolchain.pulumi_home}", markup=False)

    run_command(body)
