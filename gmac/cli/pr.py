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
    str | None, typer.Option("--repo", help="OWNER/NAME; default: the CI's repository.")
]
ForgeOption = Annotated[
    str | None,
    typer.Option(
        "--forge",
        help="gitea or github; default: the CI's (GITEA_ACTIONS, GITHUB_ACTIONS), else gitea.",
    ),
]
GiteaUrlOption = Annotated[
    str | None,
    typer.Option(
        "--gitea-url",
        envvar="GMAC_GITEA_URL",
        help="Default: the Gitea Actions server, else the project's git.url.",
    ),
]
GitHubApiUrlOption = Annotated[
    str | None,
    typer.Option(
        "--github-api-url",
        envvar="GMAC_GITHUB_API_URL",
        help="Default: GITHUB_API_URL, else https://api.github.com.",
    ),
]


@app.command("comment")
def comment(
    pr: Annotated[int, typer.Option("--pr", help="Pull request number.")],
    env: Annotated[list[str], typer.Option("--env", "-e", help="A stack to plan (repeatable).")],
    specs: SpecsOption = DEFAULT_SPECS,
    repo: RepoOption = None,
    forge: ForgeOption = None,
    gitea_url: GiteaUrlOption = None,
    github_api_url: GitHubApiUrlOption = None,
    plan_json: Annotated[
        list[Path],
        typer.Option(
            "--plan-json",
            help="Use plans saved by `gmac plan --json-out` instead of "
            "previewing again (repeatable).",
        ),
    ] = [],  # noqa: B006 - typer reads, never mutates
) -> None:
    """Post or edit the plan comment of each stack on pull request PR (Gitea or GitHub)."""

    def body() -> None:
        from gmac.app.forge import ForgeTarget, pull_request
        from gmac.app.pr_comments import plans_to_comment, upsert_plan_comment
        from gmac.render.plan import comment_body

        forge_target = ForgeTarget(specs, env[0], gitea_url, repo, forge, github_api_url)
        target = pull_request(forge_target, pr)
        plans = plans_to_comment(specs, env, plan_json)
        for plan in plans:
            outcome = upsert_plan_comment(target, plan.environment, comment_body(plan))
            out.print(
                f"{outcome.env}: comment {outcome.action} "
                f"({outcome.length:,} characters) {outcome.url}",
                markup=False,
            )

    run_command(body)
