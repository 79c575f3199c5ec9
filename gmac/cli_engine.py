"""`gmac plan`, `apply`, `refresh`, `drift`, `destroy`, `unlock` and `toolchain`: thin
commands over gmac.operations, registered on the main app by gmac.cli."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmac.cli_common import EnvRequired, SpecsOption, err, out, run_command

if TYPE_CHECKING:
    from gmac.engine.steps import StepRecord
    from gmac.plan import Plan

EXIT_CHANGES = 2

TargetOption = Annotated[
    list[str], typer.Option("--target", "-t", help="Only this service or integration (repeatable).")
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
AllowDestroyOption = Annotated[
    bool,
    typer.Option(
        "--allow-destroy",
        help="Allow deleting or replacing stateful resources in a protected environment.",
    ),
]


def _progress() -> Callable[[StepRecord, str], None]:
    """A line per resource step as it finishes, each once (a component reports twice)."""
    marks = {"done": "[green]✓[/]", "failed": "[red]✗[/]"}
    shown: set[tuple[str, str, str]] = set()

    def show(step: StepRecord, phase: str) -> None:
        key = (step.urn, step.op, phase)
        if phase not in marks or step.op == "same" or step.type == "pulumi:pulumi:Stack":
            return
        if key not in shown:
            shown.add(key)
            err.print(f"{marks[phase]} {step.op} {step.type} [bold]{step.name}[/]", markup=True)

    return show


def _confirm(yes: bool, verb: str) -> Callable[[Plan], bool]:
    def confirm(plan: Plan) -> bool:
        from gmac.errors import UsageError
        from gmac.plan import render_table

        if yes:
            return True
        if not sys.stdin.isatty():
            raise UsageError(f"{verb} needs confirmation: run with --yes in scripts and CI")
        render_table(plan, err)
        return typer.confirm(f"{verb} these changes to '{plan.environment}'?", err=True)

    return confirm


def register(app: typer.Typer) -> None:  # noqa: PLR0915 - one nested function per command
    @app.command()
    def plan(
        env: EnvRequired,
        specs: SpecsOption = Path("specs"),
        as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
        json_out: Annotated[
            Path | None,
            typer.Option("--json-out", help="Also write the plan as JSON to this file."),
        ] = None,
        markdown_out: Annotated[
            Path | None,
            typer.Option("--markdown-out", help="Also write a pull-request comment in Markdown."),
        ] = None,
        out_file: Annotated[
            Path | None, typer.Option("--out", help="Save the plan for `gmac apply --plan FILE`.")
        ] = None,
    ) -> None:
        """Preview what apply would change. Exit 0: no changes, 2: changes, 1: error."""

        def body() -> int:
            from gmac.operations import RunRequest, preview, save_plan
            from gmac.plan import render_json, render_markdown, render_table

            with err.status(f"previewing {env}…", spinner="dots"):
                result = preview(RunRequest(specs=specs, env=env))
            if as_json:
                sys.stdout.write(render_json(result) + "\n")
            else:
                render_table(result, out)
            if json_out is not None:
                json_out.write_text(render_json(result) + "\n", encoding="utf-8")
            if markdown_out is not None:
                markdown_out.write_text(render_markdown(result) + "\n", encoding="utf-8")
            if out_file is not None:
                save_plan(result, out_file)
            return EXIT_CHANGES if result.has_changes else 0

        run_command(body)

    @app.command()
    def apply(
        env: EnvRequired,
        specs: SpecsOption = Path("specs"),
        yes: YesOption = False,
        target: TargetOption = [],  # noqa: B006 - typer reads the default, never mutates it
        allow_destroy: AllowDestroyOption = False,
        plan_file: Annotated[
            Path | None,
            typer.Option("--plan", help="Apply only if the preview still matches this saved plan."),
        ] = None,
    ) -> None:
        """Carry out the plan: asks first unless --yes."""

        def body() -> int:
            from gmac.operations import RunRequest, load_plan
            from gmac.operations import apply as run_apply
            from gmac.plan import summary_line

            saved = load_plan(plan_file) if plan_file is not None else None
            request = RunRequest(specs=specs, env=env, targets=tuple(target), listener=_progress())
            outcome = run_apply(
                request, confirm=_confirm(yes, "apply"), allow_destroy=allow_destroy, saved=saved
            )
            if not outcome.plan.has_changes:
                out.print(summary_line(outcome.plan), markup=False)
            elif not outcome.applied:
                err.print("nothing applied")
                return 1
            else:
                out.print(f"applied: {summary_line(outcome.plan)}", markup=False)
            return 0

        run_command(body)

    @app.command()
    def drift(
        env: EnvRequired,
        specs: SpecsOption = Path("specs"),
        as_json: Annotated[bool, typer.Option("--json")] = False,
    ) -> None:
        """Compare live resources with the state. Exit 2 when they drifted."""

        def body() -> int:
            from gmac.operations import RunRequest
            from gmac.operations import drift as run_drift
            from gmac.plan import render_json, render_table

            with err.status(f"reading live resources of {env}…", spinner="dots"):
                result = run_drift(RunRequest(specs=specs, env=env))
            if as_json:
                sys.stdout.write(render_json(result) + "\n")
            else:
                render_table(result, out)
            return EXIT_CHANGES if result.has_changes else 0

        run_command(body)

    @app.command()
    def refresh(env: EnvRequired, specs: SpecsOption = Path("specs")) -> None:
        """Update the state from the live resources."""

        def body() -> None:
            from gmac.operations import RunRequest
            from gmac.operations import refresh as run_refresh
            from gmac.plan import summary_line

            result = run_refresh(RunRequest(specs=specs, env=env, listener=_progress()))
            out.print(f"refreshed: {summary_line(result)}", markup=False)

        run_command(body)

    @app.command()
    def destroy(
        env: EnvRequired,
        specs: SpecsOption = Path("specs"),
        yes: YesOption = False,
        allow_destroy: AllowDestroyOption = False,
    ) -> None:
        """Delete every resource of an environment: asks first unless --yes."""

        def body() -> int:
            from gmac.operations import RunRequest
            from gmac.operations import destroy as run_destroy

            outcome = run_destroy(
                RunRequest(specs=specs, env=env, listener=_progress()),
                confirm=_confirm(yes, "destroy"),
                allow_destroy=allow_destroy,
            )
            if not outcome.plan.changes:
                out.print(f"{env}: nothing to destroy")
            elif not outcome.applied:
                err.print("nothing destroyed")
                return 1
            else:
                out.print(f"destroyed {len(outcome.plan.changes)} resources in {env}")
            return 0

        run_command(body)

    @app.command()
    def unlock(env: EnvRequired, specs: SpecsOption = Path("specs")) -> None:
        """Release the stack's lock after a run was killed. Only when no gmac runs."""

        def body() -> None:
            from gmac.operations import RunRequest
            from gmac.operations import unlock as run_unlock

            released, restored = run_unlock(RunRequest(specs=specs, env=env))
            out.print(
                f"{env}: released {released} lock(s)" if released else f"{env}: no lock was held"
            )
            if restored:
                out.print(f"{env}: the state was cut short by a killed run: its backup is back")

        run_command(body)

    toolchain_app = typer.Typer(help="The Pulumi toolchain gmac drives.", no_args_is_help=True)
    app.add_typer(toolchain_app, name="toolchain")

    @toolchain_app.command("install")
    def toolchain_install() -> None:
        """Build or find the Pulumi CLI, its Kubernetes provider and the plugin scripts."""

        def body() -> None:
            from gmac.dev.toolchain import install

            toolchain = install(progress=lambda line: err.print(line, markup=False))
            out.print(
                f"pulumi: {toolchain.pulumi}\nPULUMI_HOME: {toolchain.pulumi_home}", markup=False
            )

        run_command(body)
