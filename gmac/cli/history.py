"""`gmac history`, `gmac audit` and `gmac services list|show`: what the registry recorded."""

from __future__ import annotations

from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, EnvFilter, JsonOption, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import out, print_json

app = typer.Typer()
services_app = typer.Typer(
    help="The services the registry knows: last apply, health, drift.", no_args_is_help=True
)
app.add_typer(services_app, name="services")


@app.command()
def history(
    specs: SpecsOption = DEFAULT_SPECS,
    env: EnvFilter = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="The last N runs.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """Every apply and destroy, newest first: who, when, what changed, the outcome."""

    def body() -> None:
        from gmac.app.history import deployments
        from gmac.render.history import deployments_table

        found = deployments(specs, env=env, limit=limit)
        if as_json:
            print_json([vars(deployment) for deployment in found])
        else:
            deployments_table(found, out)

    run_command(body, as_json=as_json)


@app.command()
def audit(
    specs: SpecsOption = DEFAULT_SPECS,
    env: EnvFilter = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. apply or secret.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="The last N entries.")] = 50,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check the whole hash chain; exit 1 if broken.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the audit log: applies, destroys, secret reads, writes and rotations."""

    def body() -> None:
        from gmac.app.history import audit_entries, verify_audit
        from gmac.render.history import audit_table

        if verify:
            report = verify_audit(specs)
            if as_json:
                print_json({"valid": True, "entries": report.count, "head": report.head})
            else:
                out.print(
                    f"audit log intact: {report.count} entries, head {report.head}", markup=False
                )
            return
        found = audit_entries(specs, env=env, action=action, limit=limit)
        if as_json:
            print_json([vars(entry) for entry in found])
        else:
            audit_table(found, out)

    run_command(body, as_json=as_json)


@services_app.command("list")
def services_list(
    specs: SpecsOption = DEFAULT_SPECS, env: EnvFilter = None, as_json: JsonOption = False
) -> None:
    """One line per service and environment, as of the last apply."""

    def body() -> None:
        from gmac.app.history import services
        from gmac.render.history import services_table, status_dict

        found = services(specs, env=env)
        if as_json:
            print_json([status_dict(status) for status in found])
        else:
            services_table(found, out)

    run_command(body, as_json=as_json)


@services_app.command("show")
def services_show(
    name: Annotated[str, typer.Argument(help="The service's name.")],
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: JsonOption = False,
) -> None:
    """Everything the registry knows about one service, per environment."""

    def body() -> None:
        from gmac.app.history import service
        from gmac.render.history import service_details, status_dict

        found = service(specs, name)
        if as_json:
            print_json([status_dict(status) for status in found])
        else:
            service_details(found, out)

    run_command(body, as_json=as_json)
