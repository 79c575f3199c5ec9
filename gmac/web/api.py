"""The JSON API under /api/, described by the OpenAPI document at /api/openapi.json: the
same app functions and the same shapes as the commands' `--json`. A script signs in with
`Authorization: Bearer gmacp_...` (`gmac serve token`); a browser's session works too.

    GET /api/me                                   who is signed in, their roles
    GET /api/status[?env=ENV]                     gmac status --json
    GET /api/services/{env}/{name}/metrics        gmac metrics NAME --env ENV --json
    GET /api/services/{env}/{name}/logs           gmac logs NAME --env ENV --json
    GET /api/history, /api/audit, /api/audit/verify
    GET /api/health/history[?env=ENV]             gmac health history --json
    GET /api/secrets/{env}                        gmac secrets list --env ENV --json
    GET /api/pulls                                the project's open pull requests, with plans

A number Prometheus answers as NaN or infinity is `null`: JSON has neither.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from gmac.app.health import HealthHistoryRequest, health_history
from gmac.app.history import audit_entries, deployments, verify_audit
from gmac.app.logs import MAX_LIMIT, LogsRequest, search_logs
from gmac.app.metrics import MetricsRequest, service_metrics
from gmac.app.panel.members import Member
from gmac.app.panel.pulls import open_pulls
from gmac.app.secrets import context, list_secrets
from gmac.app.status import states_of
from gmac.web import api_models as out
from gmac.web.auth import panel, require_member

Signed = Annotated[Member, Depends(require_member)]
Duration = Annotated[str, Query(pattern="^[0-9]{1,6}[smhdw]$", description="15m, 1h, 1d")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": out.Problem, "description": why}
    for code, why in (
        (400, "a bad request: one message says why"),
        (401, "not signed in"),
        (403, "the access rules refuse it"),
        (404, "no such environment or service"),
        (429, "too many requests: Retry-After says when to try again"),
        (502, "a source (Prometheus, the log store, Gitea) failed"),
        (503, "the registry cannot be read"),
    )
}
router = APIRouter(prefix="/api", responses=_ERRORS)


def finite(value: Any) -> Any:
    """`value` with NaN and infinities as None, all the way down."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite(item) for item in value]
    return value


def _env(request: Request, env: str) -> None:
    if env not in panel(request).environments():
        raise HTTPException(404, f"unknown environment '{env}'")


def _service(request: Request, env: str, name: str) -> None:
    _env(request, env)
    if name not in {s.name for s in panel(request).specs_by_env()[env].services}:
        raise HTTPException(404, f"no service '{name}' in environment '{env}'")


@router.get("/me", response_model=out.MeOut)
def me(who: Signed) -> dict[str, Any]:
    return {"name": who.name, "roles": list(who.roles), "via": who.via}


@router.get("/status", response_model=out.StatusOut)
def status(request: Request, who: Signed, env: str | None = None) -> dict[str, Any]:
    validated = panel(request).specs_by_env()
    if env is not None:
        _env(request, env)
        validated = {env: validated[env]}
    states = states_of(panel(request).options.specs, validated, panel(request).kube)
    return {"services": [finite(state.to_dict()) for state in states]}


@router.get("/services/{env}/{name}/metrics", response_model=out.MetricsOut)
def metrics(
    request: Request, who: Signed, env: str, name: str, since: Duration = "1h"
) -> dict[str, Any]:
    _service(request, env, name)
    report = service_metrics(MetricsRequest(panel(request).options.specs, name, env, since))
    result: dict[str, Any] = finite(report.to_dict())
    return result


@router.get("/services/{env}/{name}/logs", response_model=out.LogsOut)
def logs(
    request: Request,
    who: Signed,
    env: str,
    name: str,
    since: Duration = "1h",
    grep: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> dict[str, Any]:
    _service(request, env, name)
    specs = panel(request).options.specs
    if grep is not None and not grep.strip():
        raise HTTPException(400, "grep: give some text to look for")
    return search_logs(LogsRequest(specs, name, env, since, grep, limit)).to_dict()


@router.get("/history", response_model=list[out.DeploymentOut])
def history(
    request: Request,
    who: Signed,
    env: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[dict[str, Any]]:
    if env is not None:
        _env(request, env)
    found = deployments(panel(request).options.specs, env=env, limit=limit)
    return [vars(item) for item in found]


@router.get("/audit", response_model=list[out.AuditEntryOut])
def audit(
    request: Request,
    who: Signed,
    env: str | None = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[dict[str, Any]]:
    found = audit_entries(panel(request).options.specs, env=env, action=action, limit=limit)
    return [vars(item) for item in found]


@router.get("/audit/verify", response_model=out.ChainOut)
def audit_verify(request: Request, who: Signed) -> dict[str, Any]:
    report = verify_audit(panel(request).options.specs)
    return {"valid": True, "entries": report.count, "head": report.head}


@router.get("/health/history", response_model=out.HealthHistoryOut)
def health(
    request: Request,
    who: Signed,
    env: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> dict[str, Any]:
    envs = panel(request).environments()
    if env is not None:
        _env(request, env)
        envs = [env]
    specs = panel(request).options.specs
    found = [h for e in envs for h in health_history(HealthHistoryRequest(specs, e, limit=limit))]
    return {"integrations": [item.to_dict() for item in found]}


@router.get("/secrets/{env}", response_model=list[out.SecretOut])
def secrets(request: Request, who: Signed, env: str) -> list[dict[str, Any]]:
    _env(request, env)
    found = list_secrets(context(panel(request).options.specs, env, who.actor()))
    return [item.as_dict() for item in found]


@router.get("/pulls", response_model=list[out.PullOut])
def pulls(request: Request, who: Signed) -> list[dict[str, Any]]:
    repo = panel(request).options.repo
    if repo is None:
        raise HTTPException(404, "no repository configured: start gmac serve with --repo")
    return [pull.to_dict() for pull in open_pulls(repo)]
