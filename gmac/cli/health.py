"""`gmac health`: every integration checked now, exit 1 when one is unhealthy; and
`gmac health history`: the recorded checks over time."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvFilter, EnvOption, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import err, line_console, out, print_json

EXIT_UNHEALTHY = 1

app = typer.Typer(name="health", help="Check every integration now; `history`: the results.")


@app.callback(invoke_without_command=True)
def health(
    context: typer.Context,
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
    if context.invoked_subcommand is not None:
        return

    def body() -> int:
        from gmac.app.health import HealthRequest, run_health
        from gmac.render.health import health_report

        run = run_health(HealthRequest(specs, env, record, metrics_file, pushgateway))
        healthy = all(report.healthy for report in run.reports)
        if as_json:
            # The report and, beside it, what failed publishing it: one does not hide the other.
            errors = [{"type": type(e).__name__, "message": str(e)} for e in run.errors]
            environments = [report.to_dict() for report in run.reports]
            print_json({"healthy": healthy, "environments": environments, "errors": errors})
        else:
            for report in run.reports:
                health_report(report, out)
        for error in run.errors:
            err.print(f"error: {error}", style="red", markup=False)
        return 0 if healthy and not run.errors else EXIT_UNHEALTHY

    run_command(body, as_json=as_json)


@app.command("history")
def history(
    env: EnvFilter = None,
    integration: Annotated[
        str | None, typer.Option("--integration", "-i", help="Only this integration.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Results per integration.")] = 20,
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
) -> None:
    """Each integration's recorded checks, newest first, and its last failure."""

    def body() -> None:
        from gmac.app.health import HealthHistoryRequest, health_history
        from gmac.render.observe import health_history_table

        histories = health_history(HealthHistoryRequest(specs, env, integration, limit))
        if as_json:
            print_json({"integrations": [item.to_dict() for item in histories]})
        else:
            health_history_table(histories, line_console())

    run_command(body, as_json=as_json)
