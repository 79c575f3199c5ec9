"""`gmac pr comment`: post each stack's plan on a Gitea pull request, one comment per stack."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gmac.cli_common import SpecsOption, out, run_command

if TYPE_CHECKING:
    from gmac.pr import PullRequest

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
        from gmac.pr import upsert_plan_comment

        plans = [load_plan(path) for path in plan_json]
        known = {plan.environment for plan in plans}
        plans += [preview(RunRequest(specs=specs, env=name)) for name in env if name not in known]
        target = _gitea(specs, env[0], gitea_url, repo, pr)
        for plan in plans:
            outcome = upsert_plan_comment(target, plan)
            out.print(
                f"{outcome.env}: comment {outcome.action} "
                f"({outcome.length:,} characters) {outcome.url}",
                markup=False,
            )

    run_command(body)


preview_app = typer.Typer(help="Preview environments for pull requests.", no_args_is_help=True)
PrOption = Annotated[int, typer.Option("--pr", help="Pull request number.")]
BaseOption = Annotated[
    str, typer.Option("--base", help="The environment previews are derived from.")
]


def _gitea(
    specs: Path, base_env: str, gitea_url: str | None, repo: str | None, number: int
) -> PullRequest:
    from gmac.clients.http import Api as HttpApi
    from gmac.errors import UsageError
    from gmac.pr import PullRequest
    from gmac.validate import validate_directory

    base = gitea_url
    if base is None:
        project = validate_directory(specs, base_env)[base_env].project
        base = project.git.url if project.git else None
    if base is None:
        raise UsageError("--gitea-url is needed: the project has no 'git' section")
    owner, name = _repository(repo)
    return PullRequest(
        HttpApi("gitea", base, authorization=f"token {_token()}"), owner, name, number
    )


@preview_app.command("up")
def preview_up(
    pr: PrOption, specs: SpecsOption = Path("specs"), base: BaseOption = "staging"
) -> None:
    """Create or update the preview environment of pull request PR."""

    def body() -> None:
        from gmac.cli_engine import _progress
        from gmac.plan import summary_line
        from gmac.preview_runs import PreviewTarget, up

        outcome = up(PreviewTarget(specs, pr, base, listener=_progress()))
        out.print(summary_line(outcome.plan), markup=False)

    run_command(body)


@preview_app.command("down")
def preview_down(
    pr: PrOption, specs: SpecsOption = Path("specs"), base: BaseOption = "staging"
) -> None:
    """Destroy the preview environment of pull request PR and forget its stack."""

    def body() -> None:
        from gmac.cli_engine import _progress
        from gmac.preview_runs import PreviewTarget, down

        outcome = down(PreviewTarget(specs, pr, base, listener=_progress()))
        out.print(f"pr-{pr}: destroyed {len(outcome.plan.changes)} resources")

    run_command(body)


@preview_app.command("list")
def preview_list(specs: SpecsOption = Path("specs"), base: BaseOption = "staging") -> None:
    """The pull requests that have a preview environment."""

    def body() -> None:
        from gmac.preview_runs import previews

        for number in previews(specs, base):
            out.print(f"pr-{number}")

    run_command(body)


@preview_app.command("cleanup")
def preview_cleanup(
    specs: SpecsOption = Path("specs"),
    base: BaseOption = "staging",
    repo: Annotated[str | None, typer.Option("--repo")] = None,
    gitea_url: Annotated[str | None, typer.Option("--gitea-url", envvar="GMAC_GITEA_URL")] = None,
) -> None:
    """Destroy the previews whose pull request is closed."""

    def body() -> None:
        from gmac.preview_runs import cleanup

        def is_open(number: int) -> bool:
            return _gitea(specs, base, gitea_url, repo, number).is_open()

        removed = cleanup(specs, is_open, base)
        for number, plan in removed:
            out.print(f"pr-{number}: closed, destroyed {len(plan.changes)} resources")
        if not removed:
            out.print("no preview of a closed pull request")

    run_command(body)


def register(app: typer.Typer) -> None:
    app.add_typer(pr_app, name="pr")
    app.add_typer(preview_app, name="preview")
