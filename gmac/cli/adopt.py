"""`gmac adopt`: what already runs for each resource of an environment, and what adopting it
would do (`gmac plan --adopt` shows the same as a plan, `gmac apply --adopt` carries it out)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvRequired, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.errors import UsageError
from gmac.render.console import err, out

app = typer.Typer()


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write '{path}': {error.strerror or error}") from None


@app.command()
def adopt(
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
    markdown_out: Annotated[
        Path | None,
        typer.Option("--markdown-out", help="Also write the report in Markdown (a PR comment)."),
    ] = None,
) -> None:
    """Find each resource's live counterpart: found (and what adopting it changes), to be
    created, or ambiguous (name one with `adopt:`). Exit 0: ready for `gmac apply --adopt`,
    1: something is ambiguous, or an error."""

    def body() -> int:
        from gmac.app.adopt import adoption_report
        from gmac.app.operations import RunRequest
        from gmac.render.adopt import render_json, render_markdown, render_table

        with err.status(f"looking for what already runs in {env}…", spinner="dots"):
            report = adoption_report(RunRequest(specs=specs, env=env))
        if as_json:
            sys.stdout.write(render_json(report) + "\n")
        else:
            render_table(report, out)
        if markdown_out is not None:
            _write(markdown_out, render_markdown(report))
        return 0 if report.ready else 1

    run_command(body, as_json=as_json)
