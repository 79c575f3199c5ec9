"""`gmac metrics SERVICE --env ENV`: golden signals and custom metrics from Prometheus."""

from __future__ import annotations

from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvRequired, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import line_console, print_json

SinceOption = Annotated[str, typer.Option("--since", help="How far back: 15m, 1h, 1d.")]

app = typer.Typer()


@app.command()
def metrics(
    service: Annotated[str, typer.Argument(help="The service's name.")],
    env: EnvRequired,
    since: SinceOption = "1h",
    show_queries: Annotated[
        bool, typer.Option("--show-queries", help="Also print the PromQL of each series.")
    ] = False,
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
) -> None:
    """Request rate, error ratio, p95 latency, CPU, memory, restarts, up and custom metrics,
    each with a sparkline, from the environment's Prometheus."""

    def body() -> None:
        from gmac.app.metrics import MetricsRequest, service_metrics
        from gmac.render.observe import metrics_table

        report = service_metrics(MetricsRequest(specs, service, env, since))
        if as_json:
            print_json(report.to_dict())
        else:
            metrics_table(report, line_console(), show_queries=show_queries)

    run_command(body, as_json=as_json)
