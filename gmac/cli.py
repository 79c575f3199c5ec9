"""The `gmac` command line: thin commands over the pipeline.

Errors are caught in one place, `gmac.cli_common.run_command`, which prints them and picks
the exit code. Engine commands live in `gmac.cli_engine`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
import yaml

from gmac import __version__
from gmac.cli_alerts import register as register_alerts_commands
from gmac.cli_common import (
    EnvOption,
    JsonOption,
    SpecsOption,
    err,
    out,
    print_json,
    run_command,
    state,
)
from gmac.cli_dev import app as dev_app
from gmac.cli_engine import register as register_engine_commands
from gmac.cli_health import register as register_health_commands
from gmac.cli_new import register as register_new_commands
from gmac.cli_pr import register as register_pr_commands
from gmac.cli_registry import register as register_registry_commands
from gmac.cli_secrets import register as register_secrets_commands
from gmac.errors import UsageError

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


@app.command()
def validate(
    specs: SpecsOption = Path("specs"), env: EnvOption = None, as_json: JsonOption = False
) -> None:
    """Check every spec; exit 0 when valid, 1 with every problem found."""

    def body() -> None:
        from gmac.render_spec import summary
        from gmac.validate import validate_directory

        result = validate_directory(specs, env)
        counts = {name: summary(spec) for name, spec in result.items()}
        if as_json:
            print_json({"valid": True, "problems": [], "environments": counts})
            return
        first = next(iter(counts.values()))
        names = ", ".join(counts)
        out.print(
            f"[green]✓[/] specs valid: {first['services']} services, "
            f"{first['integrations']} integrations, {first['secrets']} secrets; "
            f"environments: {names}"
        )

    run_command(body, as_json=as_json)


@app.command()
def show(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment to show.")],
    specs: SpecsOption = Path("specs"),
    as_json: JsonOption = False,
) -> None:
    """Print the effective spec of one environment: overlays, variables and defaults applied."""

    def body() -> None:
        from gmac.render_spec import effective_spec
        from gmac.validate import validate_directory

        spec = validate_directory(specs, env)[env]
        data = effective_spec(spec)
        if as_json:
            print_json(data)
            return
        documents = [data["project"], *data["services"], *data["integrations"]]
        sys.stdout.write(f"# effective spec for environment '{env}'\n")
        sys.stdout.write(yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True))

    run_command(body, as_json=as_json)


@app.command()
def graph(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment to compile.")],
    specs: SpecsOption = Path("specs"),
    as_json: JsonOption = False,
) -> None:
    """Print the resources an environment compiles to, as a tree (no engine, no cluster)."""

    def body() -> None:
        from rich.console import Console

        from gmac.compile import CompileContext, build_graph, render_tree
        from gmac.validate import validate_directory

        spec = validate_directory(specs, env)[env]
        result = build_graph(CompileContext(spec))
        if as_json:
            sys.stdout.write(result.to_json())
            return
        # Wrapped in a terminal; one line per resource when piped (grep, diff).
        console = out if out.is_terminal else Console(highlight=False, width=100_000)
        console.print(render_tree(result), soft_wrap=False)

    run_command(body, as_json=as_json)


@app.command()
def schema(
    output: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write to this file instead of standard output."),
    ] = None,
) -> None:
    """Write the JSON Schema of spec files, for editors (yaml-language-server)."""

    def body() -> None:
        from gmac.schema import spec_json_schema

        text = json.dumps(spec_json_schema(), indent=2) + "\n"
        if output is None:
            sys.stdout.write(text)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write '{output}': {error.strerror or error}") from error
        err.print(f"wrote {output}", markup=False)

    run_command(body)


register_engine_commands(app)
register_health_commands(app)
register_alerts_commands(app)
register_new_commands(app)
app.add_typer(dev_app, name="dev")
register_pr_commands(app)
register_secrets_commands(app)
register_registry_commands(app)


def main() -> None:
    app()
