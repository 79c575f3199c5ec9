"""The `gmac` command line: thin commands over the pipeline.

This is the one place that catches GmacError, prints it and picks the exit code.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml
from rich.console import Console

from gmac import __version__
from gmac.errors import GmacError, SpecError

app = typer.Typer(
    name="gmac",
    help="Declarative infrastructure for gmac.io: YAML specs in git, Pulumi plan and apply.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
_state = {"debug": False}

SpecsOption = Annotated[
    Path, typer.Option("--specs", envvar="GMAC_SPECS", help="Folder of spec files.")
]
EnvOption = Annotated[
    str | None, typer.Option("--env", "-e", help="Environment (default: every environment).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]

F = TypeVar("F", bound=Callable[..., Any])


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


def _report(error: GmacError, *, as_json: bool) -> int:
    if as_json and isinstance(error, SpecError):
        problems = [vars(problem) for problem in error.problems]
        _print_json({"valid": False, "problems": problems})
    elif isinstance(error, SpecError):
        for problem in error.problems:
            err.print(str(problem), markup=False)
        count = len(error.problems)
        err.print(f"{count} problem{'s' if count != 1 else ''} in the specs", style="bold red")
    else:
        err.print(f"error: {error}", style="red", markup=False)
    return error.exit_code


def run_command(body: Callable[[], int | None], *, as_json: bool = False) -> None:
    """Run a command body: GmacError becomes a message and an exit code, never a traceback."""
    try:
        code = body() or 0
    except GmacError as error:
        if _state["debug"]:
            traceback.print_exc()
        code = _report(error, as_json=as_json)
    except KeyboardInterrupt:
        err.print("interrupted", style="red")
        code = 130
    except Exception as error:
        if _state["debug"]:
            traceback.print_exc()
        err.print(f"internal error: {type(error).__name__}: {error}", markup=False, style="red")
        err.print("This is a bug in gmac; run again with --debug to see where it happened.")
        code = 1
    raise typer.Exit(code)


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
    _state["debug"] = debug


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
            _print_json({"valid": True, "problems": [], "environments": counts})
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
            _print_json(data)
            return
        documents = [data["project"], *data["services"], *data["integrations"]]
        sys.stdout.write(f"# effective spec for environment '{env}'\n")
        sys.stdout.write(yaml.safe_dump_all(documents, sort_keys=False, explicit_start=True))

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
        else:
            output.write_text(text, encoding="utf-8")
            err.print(f"wrote {output}")

    run_command(body)


def main() -> None:
    app()
