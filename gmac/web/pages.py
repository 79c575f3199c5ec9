"""The panel's pages: each calls the app function the matching command calls, and renders
its result with one template.

    /                          overview      gmac status (every environment)
    /services/ENV/NAME         service       gmac status, metrics, logs, alerts, history
    /services/ENV/NAME/resources             the service's resources in the stack's state
    /integrations              integrations  gmac health history
    /history                   history       gmac history, gmac audit --verify
    /previews                  previews      gmac preview list, the open pull requests
    /secrets                   secrets       gmac secrets list (names and dates, no value)
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from gmac.app.health import HealthHistoryRequest, health_history
from gmac.app.history import audit_entries, deployments, verify_audit
from gmac.app.logs import LogsRequest, search_logs
from gmac.app.metrics import MetricsRequest, service_metrics
from gmac.app.panel.actions import refusal
from gmac.app.panel.members import Member
from gmac.app.panel.pulls import open_pulls
from gmac.app.panel.resources import service_resources
from gmac.app.secrets import context, list_secrets
from gmac.app.status import environment_states, states_of
from gmac.clients.usage import usage
from gmac.errors import GmacError, UsageError
from gmac.web.auth import panel, require_member
from gmac.web.views import page

router = APIRouter()
Signed = Annotated[Member, Depends(require_member)]
SINCE = ("1h", "6h", "1d")
ACK_FOR = ("30m", "2h", "1d")


def _attempt(work: Any) -> tuple[Any, str]:
    """What `work()` returns, or why it could not (a source down is shown, not fatal)."""
    try:
        return work(), ""
    except GmacError as error:
        return None, str(error)


def _service(request: Request, env: str, name: str) -> Any:
    specs = panel(request).specs_by_env()
    if env not in specs:
        raise UsageError(f"unknown environment '{env}'")
    names = [service.name for service in specs[env].services]
    if name not in names:
        raise UsageError(f"no service '{name}' in environment '{env}'")
    return specs[env]


@router.get("/")
def overview(request: Request, who: Signed) -> Response:
    state = panel(request)
    states = states_of(state.options.specs, state.specs_by_env(), state.kube)
    counts: dict[str, int] = {}
    for item in states:
        counts[item.state] = counts.get(item.state, 0) + 1
    return page(request, "overview.html", {"states": states, "counts": counts})


@router.get("/services/{env}/{name}")
def service_page(
    request: Request,
    who: Signed,
    env: str,
    name: str,
    since: Annotated[str, Query(pattern="^[0-9]+[smhdw]$")] = "1h",
    grep: str = "",
) -> Response:
    spec = _service(request, env, name)
    specs = panel(request).options.specs
    service = spec.service(name)
    states = environment_states(specs, spec, panel(request).kube)
    (status,) = [s for s in states if s.service == name]
    metrics, metrics_problem = _attempt(
        lambda: service_metrics(MetricsRequest(specs, name, env, since))
    )
    logs, logs_problem = _attempt(
        lambda: search_logs(LogsRequest(specs, name, env, since, grep.strip() or None, 50))
    )
    history = [
        d for d in deployments(specs, env=env, limit=50) if not d.owners or name in str(d.owners)
    ][:10]
    links = []
    git = spec.project.git
    if service.repo is not None and git is not None:
        links.append(("repository", f"{str(git.url).rstrip('/')}/{git.org}/{name}"))
    ingress = getattr(service, "ingress", None)
    if ingress is not None and getattr(ingress, "host", None):
        links.append(("ingress", f"https://{ingress.host}/"))
    actor = who.actor()
    context_ = {
        "spec": spec,
        "service": service,
        "status": status,
        "metrics": metrics,
        "metrics_problem": metrics_problem,
        "logs": logs,
        "logs_problem": logs_problem,
        "history": history,
        "links": links,
        "since": since,
        "since_choices": SINCE,
        "ack_for": ACK_FOR,
        "grep": grep,
        "refusals": {
            action: refusal(spec.project, action, env, actor)
            for action in ("acknowledge", "drift", "health", "rotate")
        },
    }
    return page(request, "service.html", context_)


@router.get("/services/{env}/{name}/resources")
def resources_page(request: Request, who: Signed, env: str, name: str) -> Response:
    _service(request, env, name)
    found, problem = _attempt(lambda: service_resources(panel(request).options.specs, env, name))
    context_ = {"env": env, "name": name, "resources": found or [], "problem": problem}
    return page(request, "resources.html", context_)


@router.get("/integrations")
def integrations_page(request: Request, who: Signed) -> Response:
    state = panel(request)
    histories = []
    for env in state.environments():
        histories += health_history(HealthHistoryRequest(state.options.specs, env, limit=30))
    return page(request, "integrations.html", {"histories": histories, "usage": usage()})


@router.get("/history")
def history_page(request: Request, who: Signed) -> Response:
    specs = panel(request).options.specs
    chain, chain_problem = _attempt(lambda: verify_audit(specs))
    context_ = {
        "deployments": deployments(specs, limit=30),
        "entries": audit_entries(specs, limit=50),
        "chain": chain,
        "chain_problem": chain_problem,
    }
    return page(request, "history.html", context_)


@router.get("/previews")
def previews_page(request: Request, who: Signed) -> Response:
    state = panel(request)
    from gmac.app.previews import previews  # noqa: PLC0415 - the engine is slow to import

    numbers, problem = _attempt(lambda: previews(state.options.specs))
    repo = state.options.repo
    pulls, pulls_problem = (
        _attempt(lambda: open_pulls(repo)) if repo is not None else (None, "no --repo given")
    )
    staging = state.specs_by_env().get("staging")
    domain = staging.environment.domain if staging is not None else None
    context_ = {
        "numbers": numbers or [],
        "problem": problem,
        "pulls": pulls or [],
        "pulls_problem": pulls_problem,
        "repo": repo,
        "domain": domain,
    }
    return page(request, "previews.html", context_)


@router.get("/secrets")
def secrets_page(request: Request, who: Signed) -> Response:
    state = panel(request)
    by_env = []
    for env in state.environments():
        ctx = context(state.options.specs, env, who.actor())
        found, problem = _attempt(lambda ctx=ctx: list_secrets(ctx))
        refused = refusal(ctx.spec.project, "rotate", env, who.actor())
        by_env.append((env, found or [], problem, ctx.notes, refused))
    return page(request, "secrets.html", {"by_env": by_env})
