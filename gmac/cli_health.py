"""`gmac health`: checks every integration of one or every environment now, records the
result in the registry and exposes it as Prometheus metrics. Registered by gmac.cli."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmac.cli_common import EnvOption, JsonOption, SpecsOption, out, print_json, run_command

if TYPE_CHECKING:
    from gmac.health import HealthReport

EXIT_UNHEALTHY = 1


def _render(report: HealthReport) -> None:
    if report.offline:
        out.print(f"{report.environment}: integrations offline, nothing to check")
        return
    state = "[green]healthy[/]" if report.healthy else "[red]unhealthy[/]"
    out.print(f"[bold]{report.environment}[/]: {state}")
    for result in report.results:
        mark = "[green]✓[/]" if result.healthy else "[red]✗[/]"
        out.print(f"  {mark} {result.target:<12} {result.kind:<8} {result.check:<20} ", end="")
        out.print(result.detail, markup=False)


def _record(specs: Path, report: HealthReport) -> None:
    from gmac.registry import Registry

    with Registry.open(specs.resolve().parent) as registry:
        for target, results in report.targets().items():
            failed = [r for r in results if not r.healthy]
            detail = "; ".join(f"{r.check}: {r.detail}" for r in failed)
            registry.add_health(report.environment, target, "failing" if failed else "ok", detail)


def register(app: typer.Typer) -> None:
    @app.command()
    def health(
        env: EnvOption = None,
        specs: SpecsOption = Path("specs"),
        as_json: JsonOption = False,
        metrics_file: Annotated[
            Path | None,
            typer.Option(
                "--metrics-file",
                help="Also write Prometheus metrics here, for a textfile collector.",
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
            from gmac.health import check_environment, push_metrics, write_metrics_file
            from gmac.secrets import secrets_for_run
            from gmac.validate import validate_directory

            reports = []
            for spec in validate_directory(specs, env).values():
                offline = spec.environment.integrations == "offline"
                values = {} if offline else secrets_for_run(specs, spec).values
                report = check_environment(spec, values)
                reports.append(report)
                if record and not report.offline:
                    _record(specs, report)
            if metrics_file is not None:
                write_metrics_file(reports, metrics_file)
            if pushgateway:
                push_metrics(reports, pushgateway)
            healthy = all(report.healthy for report in reports)
            if as_json:
                print_json({"healthy": healthy, "environments": [r.to_dict() for r in reports]})
            else:
                for report in reports:
                    _render(report)
            return 0 if healthy else EXIT_UNHEALTHY

        run_command(body, as_json=as_json)
