"""`gmac serve`: the web panel; `gmac panel password|token`: its own credentials."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gmac.cli.options import DEFAULT_SPECS, SpecsOption
from gmac.cli.run import run_command, state
from gmac.render.console import err, out

app = typer.Typer()
panel_app = typer.Typer(help="The web panel's own credentials.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)
app.add_typer(panel_app, name="panel")
panel_app.add_typer(token_app, name="token")
AuthEnvOption = Annotated[
    str | None,
    typer.Option("--auth-env", help="Whose secrets file holds them (default: the first)."),
]


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8300,
    env: Annotated[
        list[str] | None, typer.Option("--env", "-e", help="Only these environments.")
    ] = None,
    gitea_url: Annotated[
        str | None,
        typer.Option("--gitea-url", envvar="GMAC_GITEA_URL", help="Gitea (default: git.url)."),
    ] = None,
    repo: Annotated[
        str | None,
        typer.Option(
            "--repo", envvar="GMAC_PANEL_REPO", help="The project's repository: OWNER/NAME."
        ),
    ] = None,
    auth_env: AuthEnvOption = None,
    specs: SpecsOption = DEFAULT_SPECS,
) -> None:
    """The web panel: overview, services, integrations, history, previews, secrets."""

    def body() -> None:
        from gmac.web.server import ServeRequest, run, serve_options, signin_url

        request = ServeRequest(specs, host, port, tuple(env or ()), gitea_url, repo, auth_env)
        options = serve_options(request)
        err.print(f"gmac panel on http://{host}:{port}/", markup=False)
        if options.once_token:
            err.print("sign in once, in one browser, as the local actor:", markup=False)
            out.print(signin_url(options), markup=False, soft_wrap=True)
        sys.stdout.flush()
        run(options, debug=bool(state["debug"]))

    run_command(body)


@panel_app.command("password")
def password(specs: SpecsOption = DEFAULT_SPECS, auth_env: AuthEnvOption = None) -> None:
    """Set the local admin password (read from standard input; its argon2 hash is stored)."""

    def body() -> None:
        from gmac.app.panel.credentials import auth_environment, set_admin_password

        where = auth_environment(specs, auth_env)
        if sys.stdin.isatty():
            value = str(typer.prompt("panel password", hide_input=True, err=True))
        else:
            value = sys.stdin.read().rstrip("\n")
        set_admin_password(specs, where, value)
        err.print(f"the panel's password hash is stored in {where}'s secrets", markup=False)

    run_command(body)


@token_app.command("add")
def token_add(
    user: Annotated[str, typer.Option("--user", help="Whose token: a user of the project.")],
    specs: SpecsOption = DEFAULT_SPECS,
    auth_env: AuthEnvOption = None,
) -> None:
    """Create an API token (printed once; only its digest is stored)."""

    def body() -> None:
        from gmac.app.panel.credentials import auth_environment, create_token

        out.print(create_token(specs, auth_environment(specs, auth_env), user), markup=False)

    run_command(body)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(help="The ID: the 8 characters after gmacp_.")],
    specs: SpecsOption = DEFAULT_SPECS,
    auth_env: AuthEnvOption = None,
) -> None:
    """Revoke an API token (the panel stops accepting it when restarted)."""

    def body() -> None:
        from gmac.app.panel.credentials import auth_environment, revoke_token

        revoke_token(specs, auth_environment(specs, auth_env), token_id)
        err.print(f"revoked token {token_id}", markup=False)

    run_command(body)
