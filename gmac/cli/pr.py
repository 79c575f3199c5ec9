"""`gmac pr comment`: post each stack's plan on a pull request, one comment per stack."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, SpecsOption
from gmac.cli.run import run_command
from gmac.render.console import out

app = typer.Typer(name="pr", help="Pull-request plan comments.", no_args_is_help=True)

RepoOption = Annotated[
    str | None, typer.Option("--repo", help="OWNER/NAME; default: GITHUB_REPOSITORY.")
]
GiteaUrlOption = Annotated[
    str | None,
    typer.Option("--gitea-url", envvar="GMAC_GITEA_URL", help="Default: the project's git.url."),
]


@app.command("comment")
def comment(
    pr: Annotated[int, typer.Option("--pr", help="Pull request number.")],
    env: Annotated[list[str], typer.Option("--env", "-e", help="A stack to plan (repeatable).")],
    specs: SpecsOption = DEFAULT_SPECS,
    repo: RepoOption = None,
    gitea_url: GiteaUrlOption = None,
    plan_json: Annotated[
        list[Path],
        typer.Option(
            "--plan-json",
            help="Use plans saved by `gmac plan --json-out` instead of "
            "previewing again (repeatable).",
        ),
    ] = [],  # noqa: B006 - typer reads, never mutates
) -> None:
    """Post or edit the plan comment of each stack on pull request PR."""

    def body() -> None:
        from gmac.app.pr_comments import (
            ForgeTarget,
            plans_to_comment,
            pull_request,
            upsert_plan_comment,
        )
        from gmac.render.plan import comment_body

        plans = plans_to_comment(specs, env, plan_json)
        target = pull_request(ForgeTarget(specs, env[0], gitea_url, repo), pr)
        for plan in plans:
            outcome = upsert_plan_comment(target, plan.environment, comment_body(plan))
            out.print(
                f"{outcome.env}: comment {outcome.action} "
                f"({outcome.length:,} characters) {outcome.url}",
                markup=False,
            )

    run_command(body)
