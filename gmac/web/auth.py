"""Signing in and out, and who a request is.

    GET  /signin                   the ways to sign in this panel offers
    GET  /signin/gitea             to Gitea's authorization page (OpenID Connect, Authlib)
    GET  /signin/gitea/callback    back from Gitea: the user's `preferred_username`
    POST /signin/password          the local admin password (argon2id, the secret store)
    GET  /signin/once?token=...    the one-time link `gmac serve` printed (loopback only)
    POST /signout                  ends the session

Only the project's users get in (gmac.app.panel.members). The session is a cookie signed
with a key made when the panel starts (so a restart signs everyone out), expiring after
`session_hours`; it holds the user's name and how they signed in, never a credential. A
script sends `Authorization: Bearer gmacp_...` (an API token) instead.
"""

from __future__ import annotations

import hmac
import warnings
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from gmac.app.actor import current_actor
from gmac.app.panel.members import Member, member
from gmac.errors import AccessDeniedError
from gmac.web.security import csrf_ok
from gmac.web.state import PanelState
from gmac.web.views import page

with warnings.catch_warnings():
    # Authlib 1.9 warns, on import, that it will move to the `httpx2` package (its own
    # module turns that warning on first).
    import authlib.deprecate

    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.integrations.starlette_client import OAuth, OAuthError

router = APIRouter()
GITEA = "gitea"


def panel(request: Request) -> PanelState:
    state: PanelState = request.app.state.panel
    return state


def oauth_client(state: PanelState) -> Any:
    gitea = state.options.gitea
    if gitea is None:
        return None
    oauth = OAuth()
    oauth.register(
        GITEA,
        client_id=gitea.client_id,
        client_secret=gitea.client_secret,
        server_metadata_url=gitea.discovery,
        client_kwargs={"scope": "openid profile email"},
    )
    return oauth.create_client(GITEA)


def _sign_in(request: Request, who: Member) -> RedirectResponse:
    request.session.clear()
    request.session.update({"user": who.name, "via": who.via})
    return RedirectResponse("/", status_code=303)


def _refused(request: Request, reason: str) -> Response:
    return page(request, "signin.html", {"error": reason}, status=403)


def current_member(request: Request) -> Member | None:
    """Who sent the request: an API token, else the session; None when nobody is."""
    state = panel(request)
    project = state.project
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = state.options.credentials.token_user(header[7:])
        if user is None:
            return None
        via = "API token"
    else:
        user, via = request.session.get("user"), request.session.get("via", "")
        if not isinstance(user, str):
            return None
    try:
        return member(project, user, str(via))
    except AccessDeniedError:
        request.session.clear()  # no longer a user of the project
        return None


def require_member(request: Request) -> Member:
    found = current_member(request)
    if found is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "sign in: a session, or Authorization: Bearer <token>")
        raise HTTPException(303, headers={"Location": "/signin"})
    return found


def require_form(request: Request, csrf: str) -> Member:
    """The member behind a form's POST, its CSRF token checked."""
    who = require_member(request)
    if who.via != "API token" and not csrf_ok(request.session, csrf):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
    return who


@router.get("/signin")
def signin_page(request: Request) -> Response:
    return page(request, "signin.html", {})


@router.get("/signin/gitea")
async def signin_gitea(request: Request) -> Response:
    client = oauth_client(panel(request))
    if client is None:
        return _refused(request, "sign-in with Gitea is not configured")
    redirect = str(request.url_for("signin_gitea_callback"))
    response: Response = await client.authorize_redirect(request, redirect)
    return response


@router.get("/signin/gitea/callback")
async def signin_gitea_callback(request: Request) -> Response:
    state = panel(request)
    client = oauth_client(state)
    if client is None:
        return _refused(request, "sign-in with Gitea is not configured")
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as error:
        return _refused(request, f"Gitea did not sign you in: {error.error}")
    info = token.get("userinfo") or {}
    name = str(info.get("preferred_username") or info.get("name") or "")
    if not name:
        return _refused(request, "Gitea did not say who you are (no preferred_username)")
    try:
        return _sign_in(request, member(state.project, name, "Gitea"))
    except AccessDeniedError as error:
        return _refused(request, str(error))


@router.post("/signin/password")
def signin_password(request: Request, password: str = Form("")) -> Response:
    state = panel(request)
    if not state.options.credentials.has_password:
        return _refused(request, "no local admin password is set: gmac serve password")
    if not state.options.credentials.check_password(password):
        return _refused(request, "wrong password")
    try:
        return _sign_in(request, member(state.project, state.project.owner, "password"))
    except AccessDeniedError as error:
        return _refused(request, str(error))


@router.get("/signin/once")
def signin_once(request: Request, token: str = "") -> Response:
    state = panel(request)
    expected = state.options.once_token
    if not expected or not token or not hmac.compare_digest(expected, token):
        return _refused(request, "this sign-in link is not valid")
    if not state.take_once():
        return _refused(request, "this sign-in link was used already: restart gmac serve")
    actor = current_actor()
    try:
        return _sign_in(request, member(state.project, actor.name, "one-time link"))
    except AccessDeniedError as error:
        return _refused(request, f"{error} (the local actor, from {actor.source})")


@router.post("/signout")
def signout(request: Request, csrf: str = Form("")) -> Response:
    if not csrf_ok(request.session, csrf):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)
