"""`gmac preview up|down|list|cleanup`: an environment per pull request."""

from __future__ import annotations

from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, JsonOption, SpecsOption
from gmac.cli.pr import ForgeOption, GiteaUrlOption, GitHubApiUrlOption, RepoOption
from gmac.cli.run import run_command
from gmac.render.console import err, out, print_json

app = typer.Typer(
    name="preview", help="Preview environments for pull requests.", no_args_is_help=True
)
PrOption = Annotated[int, typer.Option("--pr", help="Pull request number.")]
BaseOption = Annotated[
    str, typer.Option("--base", help="The environment previews are derived from.")
]


@app.command("up")
def up(pr: PrOption, specs: SpecsOption = DEFAULT_SPECS, base: BaseOption = "staging") -> None:
    """Create or update the preview environment of pull request PR."""

    def body() -> None:
        from gmac.app.previews import PreviewTarget, up
        from gmac.render.plan import summary_line
        from gmac.render.progress import line, step_lines

        outcome = up(PreviewTarget(specs, pr, base, listener=step_lines(), on_note=line))
        out.print(summary_line(outcome.plan), markup=False)

    run_command(body)


@app.command("down")
def down(
    pr: PrOption,
    specs: SpecsOption = DEFAULT_SPECS,
    base: BaseOption = "staging",
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="When the destroy fails (an `up` that failed half-way, a cluster gone), "
            "remove the preview all the same, leaving what it made where it runs.",
        ),
    ] = False,
) -> None:
    """Destroy the preview environment of pull request PR and forget its stack."""

    def body() -> None:
        from gmac.app.previews import PreviewTarget, down
        from gmac.render.progress import step_lines

        gone = down(PreviewTarget(specs, pr, base, listener=step_lines()), force=force)
        if gone.left_behind:
            err.print(f"warning: pr-{pr}: {gone.left_behind} may still hold what it made")
            out.print(f"pr-{pr}: removed; its stack is forgotten")
            return
        out.print(f"pr-{pr}: destroyed {len(gone.plan.changes)} resources")

    run_command(body)


@app.command("list")
def list_(
    specs: SpecsOption = DEFAULT_SPECS, base: BaseOption = "staging", as_json: JsonOption = False
) -> None:
    """The pull requests that have a preview environment."""

    def body() -> None:
        from gmac.app.previews import previews

        found = previews(specs, base)
        if as_json:
            print_json([{"pr": number, "environment": f"pr-{number}"} for number in found])
            return
        for number in found:
            out.print(f"pr-{number}")

    run_command(body, as_json=as_json)


@app.command("cleanup")
def cleanup(
    specs: SpecsOption = DEFAULT_SPECS,
    base: BaseOption = "staging",
    repo: RepoOption = None,
    forge: ForgeOption = None,
    gitea_url: GiteaUrlOption = None,
    github_api_url: GitHubApiUrlOption = None,
) -> None:
    """Destroy the previews whose pull request is closed (on Gitea or GitHub)."""

    def body() -> None:
        from gmac.app.forge import ForgeTarget, pull_request
        from gmac.app.previews import cleanup

        target = ForgeTarget(specs, base, gitea_url, repo, forge, github_api_url)
        removed = cleanup(specs, lambda number: pull_request(target, number).is_open(), base)
        for number, plan in removed:
            out.print(f"pr-{number}: closed, destroyed {len(plan.changes)} resources")
        if not removed:
            out.print("no preview of a closed pull request")

    run_command(body)
