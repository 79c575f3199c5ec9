"""The panel's quick actions, each authorized by the project's `access` rules and audited.

    action          needs (gmac.app.access)   does
    acknowledge     apply                     an Alertmanager silence on the alert's name,
                                              service and namespace, for a duration
    check_drift     apply                     `gmac drift` now (nothing is written to state)
    check_health    apply                     `gmac health` now, recorded in the registry
    rotate_due      write_secrets             `gmac secrets rotate NAME`, for a secret due

Acting on an environment is what `apply` grants there (the production rule of the example
gives it to admin alone): a user who may not apply to production may not silence its alerts
either. A refusal is audited like any other (gmac.app.recording); so is each action done,
as `panel.ACTION` with its outcome.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gmac.app.access import authorize
from gmac.app.actor import Actor
from gmac.app.health import HealthReport, HealthRequest, check_health
from gmac.app.observe import READ_TIMEOUT, alertmanager_endpoint, environment_spec, namespace
from gmac.app.operations import RunRequest, drift
from gmac.app.recording import audit_event, authorize_action
from gmac.app.secrets import RotationOutcome, context, list_secrets, rotate_secrets
from gmac.clients.alertmanager import Alertmanager, Matcher, Silence, parse_duration
from gmac.errors import AccessDeniedError, GmacError, UsageError
from gmac.models.project import Project
from gmac.plan import Plan
from gmac.validate import Spec

NEEDS = {"acknowledge": "apply", "drift": "apply", "health": "apply", "rotate": "write_secrets"}


def refusal(project: Project, action: str, env: str, actor: Actor) -> str:
    """Why `actor` may not do the panel's `action` in `env`; '' when they may. Shown beside
    the button; the action itself checks again, and audits a refusal."""
    try:
        authorize(project, NEEDS[action], env, actor)
    except AccessDeniedError as error:
        return str(error)
    return ""


@contextmanager
def _audited(
    specs: Path, spec: Spec, action: str, actor: Actor, target: str, **detail: Any
) -> Iterator[dict[str, Any]]:
    """Authorized, then one `panel.ACTION` audit entry, succeeded or failed."""
    authorize_action(specs, spec, NEEDS[action], actor, target=target)
    found: dict[str, Any] = dict(detail)
    root = specs.resolve().parent
    try:
        yield found
    except GmacError as error:
        audit_event(
            root,
            actor=actor,
            action=f"panel.{action}",
            outcome="failed",
            environment=spec.env,
            target=target,
            detail={**found, "error": type(error).__name__},
        )
        raise
    audit_event(
        root,
        actor=actor,
        action=f"panel.{action}",
        outcome="succeeded",
        environment=spec.env,
        target=target,
        detail=found,
    )


@dataclass(frozen=True)
class AckRequest:
    specs: Path
    env: str
    service: str
    alert: str
    duration: str = "2h"
    comment: str = ""


def acknowledge(request: AckRequest, actor: Actor) -> Silence:
    spec = environment_spec(request.specs, request.env)
    if request.service not in {s.name for s in spec.services}:
        raise UsageError(f"no service '{request.service}' in environment '{request.env}'")
    if not request.alert.strip():
        raise UsageError("which alert: give its name")
    length = parse_duration(request.duration)
    endpoint = alertmanager_endpoint(spec)
    if not endpoint.url:
        raise UsageError(f"alertmanager: {endpoint.why_not}")
    target = f"{request.service}/{request.alert}"
    with _audited(request.specs, spec, "acknowledge", actor, target, duration=request.duration):
        manager = Alertmanager(endpoint.url, timeout=READ_TIMEOUT)
        matchers = _matchers(spec, request, manager)
        return manager.silence(
            matchers,
            length,
            created_by=actor.name,
            comment=request.comment or f"acknowledged in gmac's panel by {actor.name}",
        )


def _matchers(spec: Spec, request: AckRequest, manager: Alertmanager) -> list[Matcher]:
    """The alert's name and the labels that tie it to this service, as the alert carries
    them (an aggregated expression may keep `service` and drop `namespace`)."""
    ns = namespace(spec)
    named = Matcher("alertname", request.alert)
    found = [
        alert
        for alert in manager.alerts([named])
        if request.service in (alert.labels.get("service"), alert.labels.get("deployment"))
        and alert.labels.get("namespace", ns) == ns
    ]
    if not found:
        raise UsageError(
            f"no alert {request.alert} for {request.service} in '{request.env}' in Alertmanager"
        )
    labels = found[0].labels
    return [
        named,
        *(Matcher(k, labels[k]) for k in ("service", "deployment", "namespace") if k in labels),
    ]


def check_drift(specs: Path, env: str, actor: Actor) -> Plan:
    spec = environment_spec(specs, env)
    with _audited(specs, spec, "drift", actor, env) as detail:
        plan = drift(RunRequest(specs=specs, env=env))
        detail["changes"] = sum(n for op, n in plan.counts().items() if op != "same")
        return plan


def check_integrations(specs: Path, env: str, actor: Actor) -> HealthReport:
    spec = environment_spec(specs, env)
    with _audited(specs, spec, "health", actor, env) as detail:
        (report,) = check_health(HealthRequest(specs, env))
        detail["healthy"] = report.healthy
        return report


def rotate_due(specs: Path, env: str, name: str, actor: Actor) -> RotationOutcome:
    """Rotates `name` when its rotation is due (the panel offers no other)."""
    ctx = context(specs, env, actor)
    due = {item.name for item in list_secrets(ctx) if item.due and item.rotatable}
    if name not in due:
        raise UsageError(f"secret '{name}' of '{env}' is not due for rotation")
    (outcome,) = rotate_secrets(ctx, [name])  # authorized and audited there
    return outcome
