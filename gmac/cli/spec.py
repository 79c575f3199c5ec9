"""`gmac validate`, `show`, `graph` and `schema`: the specs on their own, no engine.

Each imports its step when it runs: `gmac validate` must not pay for importing Pulumi.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvOption, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.errors import UsageError
from gmac.render.console import err, line_console, out, print_json

app = typer.Typer()


@app.command()
def validate(
    specs: SpecsOption = DEFAULT_SPECS, env: EnvOption = None, as_json: JsonOption = False
) -> None:
    """Check every spec; exit 0 when valid, 1 with every problem found."""

    def body() -> None:
        from gmac.app.spec import validate
        from gmac.render.spec import summary, validation_line

        valid = validate(specs, env)
        if as_json:
            counts = {name: summary(spec) for name, spec in valid.items()}
            print_json({"valid": True, "problems": [], "environments": counts})
        else:
            out.print(validation_line(valid))

    run_command(body, as_json=as_json, quick_exit=True)


@app.command()
def show(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment to show.")],
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
) -> None:
    """Print the effective spec of one environment: overlays, variables and defaults applied."""

    def body() -> None:
        from gmac.app.spec import effective
        from gmac.render.spec import effective_spec, effective_yaml

        spec = effective(specs, env)
        if as_json:
            print_json(effective_spec(spec))
        else:
            sys.stdout.write(effective_yaml(spec))

    run_command(body, as_json=as_json)


@app.command()
def graph(
    env: Annotated[str, typer.Option("--env", "-e", help="Environment to compile.")],
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
) -> None:
    """Print the resources an environment compiles to, as a tree (no engine, no cluster)."""

    def body() -> None:
        from gmac.app.spec import graph
        from gmac.render.graph import render_tree

        result = graph(specs, env)
        if as_json:
            sys.stdout.write(result.to_json())
        else:
            # Wrapped in a terminal; one line per resource when piped (grep, diff).
            line_console().print(render_tree(result), soft_wrap=False)

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
        from gmac.app.spec import json_schema

        text = json.dumps(json_schema(), indent=2) + "\n"
        if output is None:
            sys.stdout.write(text)
            return
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as error:
            raise UsageError(f"cannot write '{output}': {error.strerror or error}") from error
        err.print(f"wrote {output}", markup=False)

    run_command(body)
