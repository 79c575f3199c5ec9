"""Starting the panel: its options from what `gmac serve` was given, the rules for where it
may listen, and uvicorn.

- Sign-in with Gitea when a client is configured: `GMAC_PANEL_CLIENT_ID` and
  `GMAC_PANEL_CLIENT_SECRET` (an OAuth2 application of the Gitea at `--gitea-url`, else the
  project's `git.url`; its redirect URI `http://HOST:PORT/signin/gitea/callback`).
- Else the local admin password, when one is set (`gmac panel password`).
- Else, on a loopback address only, a one-time link carrying a random token, printed at
  start, which signs in one browser as the local actor. A non-loopback address without
  sign-in configured is refused.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import uvicorn

from gmac.app.panel.credentials import PanelCredentials, auth_environment
from gmac.app.panel.pulls import ProjectRepo
from gmac.errors import UsageError
from gmac.validate import validate_directory
from gmac.web.app import create_app
from gmac.web.options import GiteaSignIn, RateLimits, ServeOptions, is_loopback

CLIENT_ID = "GMAC_PANEL_CLIENT_ID"
CLIENT_SECRET = "GMAC_PANEL_CLIENT_SECRET"
GITEA_TOKEN = "GMAC_GITEA_TOKEN"
SIGNIN_LIMIT = "GMAC_PANEL_SIGNIN_LIMIT"
API_LIMIT = "GMAC_PANEL_API_LIMIT"


@dataclass(frozen=True)
class ServeRequest:
    specs: Path
    host: str = "127.0.0.1"
    port: int = 8300
    envs: tuple[str, ...] = ()
    gitea_url: str | None = None
    repo: str | None = None  # OWNER/NAME: the project's own repository on Gitea
    auth_env: str | None = None


def _gitea_url(request: ServeRequest) -> str | None:
    if request.gitea_url:
        return request.gitea_url
    first = next(iter(validate_directory(request.specs).values()))
    return str(first.project.git.url) if first.project.git is not None else None


def serve_options(request: ServeRequest, environ: Mapping[str, str] | None = None) -> ServeOptions:
    """The panel's options; UsageError for a combination that must not run."""
    source = os.environ if environ is None else environ
    known = validate_directory(request.specs)
    unknown = [env for env in request.envs if env not in known]
    if unknown:
        raise UsageError(f"--env: unknown environment '{unknown[0]}' ({', '.join(known)})")
    if not 0 < request.port < 65536:
        raise UsageError(f"--port: {request.port} is not a port")
    client_id, client_secret = source.get(CLIENT_ID, ""), source.get(CLIENT_SECRET, "")
    gitea = None
    if client_id or client_secret:
        url = _gitea_url(request)
        if not (client_id and client_secret and url):
            raise UsageError(
                f"sign-in with Gitea needs {CLIENT_ID}, {CLIENT_SECRET} and --gitea-url (or "
                "the project's git.url)"
            )
        gitea = GiteaSignIn(url, client_id, client_secret)
    credentials = PanelCredentials.load(
        request.specs, auth_environment(request.specs, request.auth_env)
    )
    repo = None
    if request.repo:
        owner, _, name = request.repo.partition("/")
        url = _gitea_url(request)
        if not owner or not name or "/" in name or not url:
            raise UsageError("--repo OWNER/NAME on the Gitea of --gitea-url (or git.url)")
        repo = ProjectRepo(url, owner, name, source.get(GITEA_TOKEN, ""))
    limits = RateLimits(
        signin=source.get(SIGNIN_LIMIT, RateLimits.signin),
        api=source.get(API_LIMIT, RateLimits.api),
    )
    options = ServeOptions(
        specs=request.specs,
        envs=request.envs,
        host=request.host,
        port=request.port,
        gitea=gitea,
        credentials=credentials,
        repo=repo,
        limits=limits,
    )
    if not options.signin_configured:
        if not is_loopback(request.host):
            raise UsageError(
                f"refusing to listen on {request.host} without sign-in: configure Gitea "
                f"({CLIENT_ID}, {CLIENT_SECRET}) or a password (gmac panel password), or "
                "listen on 127.0.0.1"
            )
        options = replace(options, once_token=secrets.token_urlsafe(32))
    return options


def signin_url(options: ServeOptions) -> str:
    base = f"http://{options.host}:{options.port}"
    if options.once_token:
        return f"{base}/signin/once?token={options.once_token}"
    return f"{base}/signin"


def run(options: ServeOptions, *, debug: bool = False) -> None:
    """Serve until interrupted. Access lines carry no query string (gmac.web.security)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app(options, debug=debug)
    uvicorn.run(
        app,
        host=options.host,
        port=options.port,
        access_log=False,
        log_level="warning",
        server_header=False,
    )
