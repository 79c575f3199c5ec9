"""`gmac pr comment`: post each stack's plan on a Gitea pull request, one comment per stack."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from gmac.cli_common import SpecsOption, out, run_command

pr_app = typer.Typer(help="Pull-request plan comments.", no_args_is_help=True)


def _repository(value: str | None) -> tuple[str, str]:
    from gmac.errors import UsageError

    # Gitea Actions, like GitHub Actions, names the repository in GITHUB_REPOSITORY.
    full = value or os.environ.get("GITEA_REPOSITORY") or os.environ.get("GITHUB_REPOSITORY")
    if not full or full.count("/") != 1:
        raise UsageError("--repo OWNER/NAME is needed (or GITHUB_REPOSITORY in CI)")
    owner, name = full.split("/")
    return owner, name


def _token() -> str:
    from gmac.errors import UsageError

    for variable in ("GMAC_GITEA_TOKEN", "GITEA_TOKEN", "GITHUB_TOKEN"):
        if os.environ.get(variable):
            return os.environ[variable]
    raise UsageError("a Gitea token is needed: set GMAC_GITEA_TOKEN (CI: GITEA_TOKEN)")


@pr_app.command("comment")
def comment(
    pr: Annotated[int, typer.Option("--pr", help="Pull request number.")],
    env: Annotated[list[str], typer.Option("--env", "-e", help="A stack to plan (repeatable).")],
    specs: SpecsOption = Path("specs"),
    repo: Annotated[
        str | None, typer.Option("--repo", help="OWNER/NAME; default: GITHUB_REPOSITORY.")
    ] = None,
    gitea_url: Annotated[
        str | None,
        typer.Option(
            "--gitea-url", envvar="GMAC_GITEA_URL", help="Default: the project's git.url."
        ),
    ] = None,
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
        from gmac.operations import RunRequest, load_plan, preview
        from gmac.pr import PullRequest, upsert_plan_comment
        from gmac.providers import HttpApi
        from gmac.validate import validate_directory

        plans = [load_plan(path) for path in plan_json]
        known = {plan.environment for plan in plans}
        plans += [preview(RunRequest(specs=specs, env=name)) for name in env if name not in known]
        base = gitea_url
        if base is None:
            project = next(iter(validate_directory(specs, env[0]).values())).project
            base = project.git.url if project.git else None
        if base is None:
            from gmac.errors import UsageError

            raise UsageError("--gitea-url is needed: the project has no 'git' section")
        owner, name = _repository(repo)
        api = HttpApi("gitea", base, authorization=f"token {_token()}")
        target = PullRequest(api, owner, name, pr)
        for plan in plans:
            outcome = upsert_plan_comment(target, plan)
            out.print(
                f"{outcome.env}: comment {outcome.action} "
                f"({outcome.length:,} characters) {outcome.url}",
                markup=False,
            )

    run_command(body)


def register(app: typer.Typer) -> None:
    app.add_typer(pr_app, name="pr")
