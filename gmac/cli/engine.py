"""`gmac plan`, `apply`, `drift`, `refresh`, `destroy` and `unlock`: the engine commands, each
a call to gmac.app.operations and a rendering of what it returns."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmac.cli.confirm import YesOption, confirmation
from gmac.cli.options import DEFAULT_SPECS, EnvRequired, SpecsOption
from gmac.cli.run import run_command
from gmac.errors import UsageError
from gmac.render.console import err, out

if TYPE_CHECKING:
    from gmac.app.operations import RunRequest

EXIT_CHANGES = 2

app = typer.Typer()

TargetOption = Annotated[
    list[str], typer.Option("--target", "-t", help="Only this service or integration (repeatable).")
]
EphemeralRegistryOption = Annotated[
    bool,
    typer.Option(
        "--ephemeral-registry",
        help="In CI, allow the registry on the runner's disk (lost with it): for tests.",
    ),
]
AllowDestroyOption = Annotated[
    bool,
    typer.Option(
        "--allow-destroy",
        help="Allow deleting or replacing stateful resources in a protected environment.",
    ),
]
AdoptOption = Annotated[
    bool,
    typer.Option(
        "--adopt",
        help="Take over the objects that already run (see `gmac adopt`): each is imported.",
    ),
]


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write '{path}': {error.strerror or error}") from None


@app.command()
def plan(
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
    adopt: AdoptOption = False,
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
    rotate: Annotated[
        list[str],
        typer.Option(
            "--rotate",
            help="Show the rotation of this generated secret: its new value and the pods "
            "it rolls (repeatable; `gmac secrets rotate` carries it out).",
        ),
    ] = [],  # noqa: B006 - typer reads the default, never mutates it
    no_cache: Annotated[
        bool,
        typer.Option(
            "--no-cache",
            help="Run the engine even when the no-change record says nothing has changed.",
        ),
    ] = False,
) -> None:
    """Preview what apply would change. Exit 0: no changes, 2: changes, 1: error."""

    def body() -> int:
        from gmac.app.operations import RunRequest, preview, save_plan
        from gmac.render.plan import render_json, render_markdown, render_table

        if adopt:
            adopting = RunRequest(specs=specs, env=env)
            return _plan_adopting(adopting, as_json, json_out, markdown_out, out_file)
        with err.status(f"previewing {env}…", spinner="dots"):
            request = RunRequest(specs=specs, env=env, rotate=tuple(rotate))
            result = preview(request, use_record=not no_cache)
        if as_json:
            sys.stdout.write(render_json(result) + "\n")
        else:
            render_table(result, out)
        if json_out is not None:
            _write(json_out, render_json(result))
        if markdown_out is not None:
            _write(markdown_out, render_markdown(result))
        if out_file is not None:
            save_plan(result, out_file)
        return EXIT_CHANGES if result.has_changes else 0

    run_command(body, as_json=as_json)


@app.command()
def apply(
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
    adopt: AdoptOption = False,
    yes: YesOption = False,
    target: TargetOption = [],  # noqa: B006 - typer reads the default, never mutates it
    allow_destroy: AllowDestroyOption = False,
    ephemeral_registry: EphemeralRegistryOption = False,
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", help="Apply only if the preview still matches this saved plan."),
    ] = None,
) -> None:
    """Carry out the plan: asks first unless --yes."""

    def body() -> int:
        from gmac.app.operations import RunRequest, load_plan
        from gmac.app.operations import apply as run_apply
        from gmac.render.plan import summary_line
        from gmac.render.progress import step_lines

        saved = load_plan(plan_file) if plan_file is not None else None
        request = RunRequest(specs=specs, env=env, targets=tuple(target), listener=step_lines())
        operation = run_apply
        if adopt:  # the same apply, with what already runs imported (gmac.app.adopt)
            from gmac.app.adopt import adopt_apply as operation
        outcome = operation(
            request,
            confirm=confirmation(yes, "apply"),
            allow_destroy=allow_destroy,
            saved=saved,
            ephemeral_registry=ephemeral_registry,
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
    specs: SpecsOption = DEFAULT_SPECS,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Compare live resources with the state. Exit 2 when they drifted."""

    def body() -> int:
        from gmac.app.operations import RunRequest
        from gmac.app.operations import drift as run_drift
        from gmac.render.plan import render_json, render_table

        with err.status(f"reading live resources of {env}…", spinner="dots"):
            result = run_drift(RunRequest(specs=specs, env=env))
        if as_json:
            sys.stdout.write(render_json(result) + "\n")
        else:
            render_table(result, out)
        return EXIT_CHANGES if result.has_changes else 0

    run_command(body, as_json=as_json)


@app.command()
def refresh(env: EnvRequired, specs: SpecsOption = DEFAULT_SPECS) -> None:
    """Update the state from the live resources."""

    def body() -> None:
        from gmac.app.operations import RunRequest
        from gmac.app.operations import refresh as run_refresh
        from gmac.render.plan import summary_line
        from gmac.render.progress import step_lines

        result = run_refresh(RunRequest(specs=specs, env=env, listener=step_lines()))
        out.print(f"refreshed: {summary_line(result)}", markup=False)

    run_command(body)


@app.command()
def destroy(
    env: EnvRequired,
    specs: SpecsOption = DEFAULT_SPECS,
    yes: YesOption = False,
    allow_destroy: AllowDestroyOption = False,
    ephemeral_registry: EphemeralRegistryOption = False,
) -> None:
    """Delete every resource of an environment: asks first unless --yes."""

    def body() -> int:
        from gmac.app.operations import RunRequest
        from gmac.app.operations import destroy as run_destroy
        from gmac.render.progress import step_lines

        outcome = run_destroy(
            RunRequest(specs=specs, env=env, listener=step_lines()),
            confirm=confirmation(yes, "destroy"),
            allow_destroy=allow_destroy,
            ephemeral_registry=ephemeral_registry,
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
def unlock(env: EnvRequired, specs: SpecsOption = DEFAULT_SPECS) -> None:
    """Release the stack's lock after a run was killed: a lock whose process is gone from this
    host, or one held from another host, whose process cannot be checked from here (make sure
    that run is over: it stops when its lock is broken). A live run on this host keeps it."""

    def body() -> None:
        from gmac.app.operations import RunRequest
        from gmac.app.operations import unlock as run_unlock

        released, repair = run_unlock(RunRequest(specs=specs, env=env))
        out.print(f"{env}: released {released} lock(s)" if released else f"{env}: no lock was held")
        if repair == "backup restored":
            out.print(f"{env}: the state was cut short by a killed run: its backup is back")
        elif repair == "attributes removed":
            out.print(
                f"{env}: the state's attributes file was cut short by a killed run: it is "
                "removed (the state itself was whole)"
            )

    run_command(body)


def _plan_adopting(
    request: RunRequest,
    as_json: bool,
    json_out: Path | None,
    markdown_out: Path | None,
    out_file: Path | None,
) -> int:
    """`gmac plan --adopt`: the plan with what already runs imported (gmac.app.adopt)."""
    from gmac.app.adopt import adopt_preview
    from gmac.app.operations import save_plan
    from gmac.render.plan import render_json, render_markdown, render_table

    with err.status(f"looking for what already runs in {request.env}…", spinner="dots"):
        result = adopt_preview(request)
    if as_json:
        sys.stdout.write(render_json(result) + "\n")
    else:
        render_table(result, out)
    if json_out is not None:
        _write(json_out, render_json(result))
    if markdown_out is not None:
        _write(markdown_out, render_markdown(result))
    if out_file is not None:
        save_plan(result, out_file)
    return EXIT_CHANGES if result.has_changes else 0
