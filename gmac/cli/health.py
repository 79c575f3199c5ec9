"""`gmac health`: every integration checked now; exit 1 when one is unhealthy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvOption, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import out, print_json

EXIT_UNHEALTHY = 1

app = typer.Typer()


@app.command()
def health(
    env: EnvOption = None,
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
    metrics_file: Annotated[
        Path | None,
        typer.Option(
            "--metrics-file", help="Also write Prometheus metrics here, for a textfile collector."
        ),
    ] = None,
    pushgateway: Annotated[
        str | None,
        typer.Option(
            "--pushgateway",
            envvar="GMAC_PUSHGATEWAY_URL",
            help="Also push Prometheus metrics to this Pushgateway.",
        ),
    ] = None,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="Record the result in the registry.")
    ] = True,
) -> None:
    """Check every integration: credentials, endpoint, database. Exit 1 when unhealthy."""

    def body() -> int:
        from gmac.app.health import HealthRequest, check_health
        from gmac.render.health import health_report

        request = HealthRequest(specs, env, record, metrics_file, pushgateway)
        reports = check_health(request)
        healthy = all(report.healthy for report in reports)
        if as_json:
            print_json({"healthy": healthy, "environments": [r.to_dict() for r in reports]})
        else:
            for report in reports:
                health_report(report, out)
        return 0 if healthy else EXIT_UNHEALTHY

    run_command(body, as_json=as_json)
