"""`gmac stack init --env ENV`: create a shared environment's stack on purpose."""

from __future__ import annotations

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvRequired, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import out

app = typer.Typer(name="stack", help="The Pulumi stack of each environment.", no_args_is_help=True)


@app.command("init")
def init(env: EnvRequired, specs: SpecsOption = DEFAULT_SPECS) -> None:
    """Create the environment's stack and its settings file with the team's passphrase
    (GMAC_PASSPHRASE); commit the file it writes."""

    def body() -> None:
        from gmac.app.stacks import init_stack
        from gmac.load.files import display_path

        done = init_stack(specs, env)
        where = display_path(done.settings)
        if done.created:
            out.print(
                f"{env}: stack created; commit {where} (the salt of the passphrase in "
                "GMAC_PASSPHRASE, which the team shares)",
                markup=False,
            )
        else:
            out.print(f"{env}: the stack and {where} exist already", markup=False)

    run_command(body)
