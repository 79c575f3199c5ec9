"""Recording what gmac does, in the registry: audit entries, the access check with its
refusal audited, each apply or destroy as a deployment row plus an audit entry (after success
and after failure), and the drift each service showed. The registry stores; this decides
what goes into it."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from gmac.app.access import authorize
from gmac.app.actor import Actor, current_actor
from gmac.errors import AccessDeniedError, GmacError, InterruptedRunError, RegistryError
from gmac.plan import CHANGE_OPS, Plan
from gmac.registry import Registry, now_text
from gmac.validate import Spec

_ERROR_LIMIT = 2000


def audit_event(
    root: Path,
    *,
    actor: Actor | str,
    action: str,
    outcome: str,
    environment: str = "",
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> None:
    """One audit entry, in a registry opened for it."""
    with Registry.open(root) as registry:
        registry.audit(
            actor=str(actor),
            action=action,
            outcome=outcome,
            environment=environment,
            target=target,
            detail=detail,
        )


def authorize_action(
    root: Path, spec: Spec, action: str, actor: Actor | None = None, target: str = ""
) -> Actor:
    """The actor, when the project's access rules let them do `action` in `spec.env`. A
    refusal is audited (as far as the registry can be written) and raised."""
    who = actor or current_actor()
    try:
        authorize(spec.project, action, spec.env, who)
    except AccessDeniedError as error:
        with suppress(RegistryError):  # the refusal matters more than its record
            audit_event(
                root,
                actor=who,
                action=action.replace("_", "-"),
                outcome="denied",
                environment=spec.env,
                target=target,
                detail={"reason": str(error)},
            )
        raise
    return who


def _git_commit(root: Path) -> str:
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return found.stdout.strip() if found.returncode == 0 else ""


def _owners(plan: Plan) -> dict[str, int]:
    counted = Counter(
        change.owner or change.component for change in plan.changes if change.op in CHANGE_OPS
    )
    return dict(sorted(counted.items()))


@contextmanager
def recorded(root: Path, spec: Spec, operation: str, actor: Actor, plan: Plan) -> Iterator[None]:
    """Around the engine's apply or destroy: a deployment row and an audit entry afterwards,
    whatever the outcome. The registry is opened first, so a broken registry stops the run
    before anything changes."""
    registry = Registry.open(root)
    started = now_text()
    summary = {op: count for op, count in plan.counts().items() if count and op != "same"}
    fields: dict[str, Any] = {
        "environment": spec.env,
        "operation": operation,
        "actor": str(actor),
        "started_at": started,
        "summary": summary,
        "owners": _owners(plan),
        "git_commit": _git_commit(root),
    }
    with registry:
        try:
            yield
        except BaseException as error:
            message = str(error) if isinstance(error, GmacError) else type(error).__name__
            stopped = isinstance(error, KeyboardInterrupt | InterruptedRunError)
            outcome = "interrupted" if stopped else "failed"
            try:
                deployment = registry.add_deployment(
                    **fields, outcome=outcome, error=message[:_ERROR_LIMIT]
                )
                registry.audit(
                    actor=str(actor),
                    action=operation,
                    outcome=outcome,
                    environment=spec.env,
                    detail={"deployment": deployment, "summary": summary},
                )
            except RegistryError:
                pass  # the run's own failure is the one to report
            raise
        try:
            deployment = registry.add_deployment(**fields, outcome="succeeded")
            if operation == "apply":
                registry.sync_inventory(spec, deployment)
            else:
                registry.clear_inventory(spec.env)
            registry.audit(
                actor=str(actor),
                action=operation,
                outcome="succeeded",
                environment=spec.env,
                detail={"deployment": deployment, "summary": summary},
            )
        except RegistryError as error:
            raise RegistryError(f"{operation} of '{spec.env}' succeeded, but {error}") from None


def record_drift(root: Path, env: str, plan: Plan) -> None:
    """The drift each service and integration showed, for `gmac services`."""
    changes: dict[str, int] = {}
    for owner, count in _owners(plan).items():
        name = owner.split(" ", 1)[-1]
        changes[name] = changes.get(name, 0) + count
    with Registry.open(root) as registry:
        registry.set_drift(env, changes)
