"""The quick actions: every one a POST with the form's CSRF token, authorized by the
project's `access` rules and audited (gmac.app.panel.actions); the result, or the refusal
with its reason, is shown on the page it came from (a flash message in the session).

    POST /actions/ENV/SERVICE/ack        acknowledge an alert for a while
    POST /actions/ENV/drift              check drift now
    POST /actions/ENV/health             run the integrations' health checks now
    POST /actions/ENV/rotate             rotate a secret that is due
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gmac.app.panel import actions
from gmac.errors import AccessDeniedError, GmacError
from gmac.web.auth import panel, require_form

router = APIRouter()


def _back(request: Request, fallback: str) -> str:
    """Where the form was: the same site only."""
    referer = request.headers.get("referer", "")
    base = str(request.base_url)
    return referer if referer.startswith(base) else fallback


def _done(request: Request, fallback: str, work: Callable[[], str]) -> Response:
    try:
        request.session["flash"] = ["ok", work()]
    except AccessDeniedError as error:
        request.session["flash"] = ["refused", f"refused: {error}"]
    except GmacError as error:
        request.session["flash"] = ["failed", f"failed: {error}"]
    return RedirectResponse(_back(request, fallback), status_code=303)


@router.post("/actions/{env}/{service}/ack")
def ack(
    request: Request,
    env: str,
    service: str,
    alert: str = Form(""),
    duration: str = Form("2h"),
    csrf: str = Form(""),
) -> Response:
    who = require_form(request, csrf)
    specs = panel(request).options.specs

    def work() -> str:
        silence = actions.acknowledge(
            actions.AckRequest(specs, env, service, alert, duration), who.actor()
        )
        until = silence.ends_at.isoformat(timespec="minutes")
        return f"silenced {alert} for {service} until {until} (silence {silence.id})"

    return _done(request, f"/services/{env}/{service}", work)


@router.post("/actions/{env}/drift")
def drift(request: Request, env: str, csrf: str = Form("")) -> Response:
    who = require_form(request, csrf)
    specs = panel(request).options.specs

    def work() -> str:
        plan = actions.check_drift(specs, env, who.actor())
        changed = [c.name for c in plan.changes if c.op != "same"]
        if not changed:
            return f"no drift in {env}"
        return f"drift in {env}: {len(changed)} resources differ ({', '.join(changed[:5])})"

    return _done(request, "/", work)


@router.post("/actions/{env}/health")
def health(request: Request, env: str, csrf: str = Form("")) -> Response:
    who = require_form(request, csrf)
    specs = panel(request).options.specs

    def work() -> str:
        report = actions.check_integrations(specs, env, who.actor())
        failing = [t for t, rs in report.targets().items() if not all(r.healthy for r in rs)]
        if report.offline:
            return f"{env}: integrations are offline, nothing to check"
        return (
            f"{env}: every integration healthy"
            if not failing
            else (f"{env}: failing: {', '.join(failing)}")
        )

    return _done(request, "/integrations", work)


@router.post("/actions/{env}/rotate")
def rotate(request: Request, env: str, name: str = Form(""), csrf: str = Form("")) -> Response:
    who = require_form(request, csrf)
    specs = panel(request).options.specs

    def work() -> str:
        outcome = actions.rotate_due(specs, env, name, who.actor())
        if outcome.rotated is None:
            return f"{name}: {outcome.error}"
        return f"rotated {name} in {env}: {outcome.rotated.how}"

    return _done(request, "/secrets", work)
