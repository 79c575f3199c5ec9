"""`gmac services list|show` and `gmac history`: what the registry recorded, registered on
the main app by gmac.cli."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gmac.cli_common import JsonOption, SpecsOption, out, print_json, run_command

if TYPE_CHECKING:
    from gmac.registry import Deployment, ServiceStatus

EnvFilter = Annotated[str | None, typer.Option("--env", "-e", help="Only this environment.")]


def _when(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def _apply_text(deployment: Deployment | None) -> str:
    if deployment is None:
        return "never"
    return (
        f"#{deployment.id} {_when(deployment.finished_at)} by {deployment.actor}, "
        f"{deployment.outcome}"
    )


def _drift_text(status: ServiceStatus) -> str:
    if status.drift is None:
        return "not checked"
    if status.drift == 0:
        return f"none ({_when(status.drift_at)})"
    return f"{status.drift} resource(s) ({_when(status.drift_at)})"


def _status_dict(status: ServiceStatus) -> dict[str, Any]:
    data = dict(vars(status))
    data["last_apply"] = vars(status.last_apply) if status.last_apply is not None else None
    return data


def register(app: typer.Typer) -> None:  # noqa: PLR0915 - one nested function per command
    services_app = typer.Typer(
        help="The services the registry knows: last apply, health, drift.", no_args_is_help=True
    )
    app.add_typer(services_app, name="services")

    @services_app.command("list")
    def services_list(
        specs: SpecsOption = Path("specs"), env: EnvFilter = None, as_json: JsonOption = False
    ) -> None:
        """One line per service and environment, as of the last apply."""

        def body() -> None:
            from rich.table import Table
            from rich.text import Text

            from gmac.registry import Registry

            with Registry.open(specs.resolve().parent) as registry:
                found = registry.services(environment=env)
            if as_json:
                print_json([_status_dict(status) for status in found])
                return
            if not found:
                out.print("no service applied yet: run `gmac apply --env ENV`", markup=False)
                return
            table = Table(box=None, header_style="bold", pad_edge=False)
            for column in ("service", "env", "kind", "last apply", "health", "drift"):
                table.add_column(column)
            for status in found:
                health = {"ok": "green", "failing": "red"}.get(status.health, "")
                table.add_row(
                    status.name,
                    status.environment,
                    status.kind,
                    Text(_apply_text(status.last_apply)),
                    Text(status.health, style=health),
                    _drift_text(status),
                )
            out.print(table)

        run_command(body, as_json=as_json)

    @services_app.command("show")
    def services_show(
        name: Annotated[str, typer.Argument(help="The service's name.")],
        specs: SpecsOption = Path("specs"),
        as_json: JsonOption = False,
    ) -> None:
        """Everything the registry knows about one service, per environment."""

        def body() -> None:
            from gmac.errors import UsageError
            from gmac.registry import Registry
            from gmac.suggest import did_you_mean

            with Registry.open(specs.resolve().parent) as registry:
                found = registry.services(name=name)
                known = {status.name for status in registry.services()}
            if not found:
                raise UsageError(
                    f"the registry knows no service '{name}'{did_you_mean(name, known)}: "
                    "services appear after their first apply"
                )
            if as_json:
                print_json([_status_dict(status) for status in found])
                return
            for status in found:
                out.print(f"{status.name} in {status.environment}", style="bold", markup=False)
                rows = [
                    ("kind", status.kind),
                    ("template", status.template or "-"),
                    ("image", status.image or "-"),
                    ("replicas", "-" if status.replicas is None else str(status.replicas)),
                    ("host", status.host or "-"),
                    ("last apply", _apply_text(status.last_apply)),
                    ("applied in", f"#{status.applied_in}"),
                    (
                        "health",
                        status.health
                        + (f": {status.health_detail}" if status.health_detail else ""),
                    ),
                    ("drift", _drift_text(status)),
                ]
                for label, value in rows:
                    out.print(f"  {label:<11} {value}", markup=False)

        run_command(body, as_json=as_json)

    @app.command()
    def history(
        specs: SpecsOption = Path("specs"),
        env: EnvFilter = None,
        limit: Annotated[int, typer.Option("--limit", "-n", help="The last N runs.")] = 20,
        as_json: JsonOption = False,
    ) -> None:
        """Every apply and destroy, newest first: who, when, what changed, the outcome."""

        def body() -> None:
            from rich.table import Table
            from rich.text import Text

            from gmac.registry import Registry

            with Registry.open(specs.resolve().parent) as registry:
                found = registry.deployments(environment=env, limit=limit)
            if as_json:
                print_json([vars(deployment) for deployment in found])
                return
            if not found:
                out.print("no apply or destroy recorded yet", markup=False)
                return
            table = Table(box=None, header_style="bold", pad_edge=False)
            for column in (
                "#",
                "finished (UTC)",
                "env",
                "operation",
                "actor",
                "changes",
                "outcome",
                "commit",
            ):
                table.add_column(column)
            for deployment in found:
                changes = ", ".join(f"{count} {op}" for op, count in deployment.summary.items())
                style = "green" if deployment.outcome == "succeeded" else "red"
                table.add_row(
                    str(deployment.id),
                    _when(deployment.finished_at),
                    deployment.environment,
                    deployment.operation,
                    Text(deployment.actor),
                    changes or "-",
                    Text(deployment.outcome, style=style),
                    deployment.git_commit[:10],
                )
            out.print(table)

        run_command(body, as_json=as_json)
