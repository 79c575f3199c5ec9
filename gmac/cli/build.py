"""`gmac build SERVICE --env ENV`: build one service's image as apply would, and push it."""

from __future__ import annotations

from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvRequired, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import out, print_json

app = typer.Typer()


@app.command()
def build(
    service: Annotated[str, typer.Argument(help="The service whose image to build.")],
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
    push: Annotated[
        bool,
        typer.Option(
            "--push/--no-push",
            help="Push and record the digest in the state (default), or only build locally.",
        ),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Build SERVICE's image with its builder, push it and record its digest, streaming the
    build's output; nothing is rebuilt when its inputs are unchanged."""

    def body() -> int:
        from gmac.app.build import BuildRequest
        from gmac.app.build import build as build_image
        from gmac.render.build import build_report
        from gmac.render.progress import output, stage, step_lines

        request = BuildRequest(
            specs, env, service, push, on_stage=stage, on_output=output, listener=step_lines()
        )
        result = build_image(request)
        if as_json:
            print_json(result.to_dict())
        else:
            build_report(result, out)
        return 0

    run_command(body, as_json=as_json)
