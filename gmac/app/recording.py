"""Recording what gmac does, in the registry: audit entries, the access check with its
refusal audited, each apply or destroy as a deployment row plus an audit entry (after success
and after failure), and the drift each service showed. The registry stores; this decides
what goes into it, and that in CI it goes somewhere that outlives the job."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from gmac.app.access import authorize
from gmac.app.actor import Actor, current_actor
from gmac.app.proof import prove
from gmac.errors import (
    AccessDeniedError,
    EphemeralRegistryError,
    GmacError,
    InterruptedRunError,
    RegistryError,
)
from gmac.plan import CHANGE_OPS, Plan
from gmac.registry import Registry, now_text, registry_location
from gmac.validate import Spec

_ERROR_LIMIT = 2000
# The test suite's runs keep their registry in temporary folders on purpose: this variable
# (`1`) is `--ephemeral-registry` for every apply and destroy of a process.
EPHEMERAL_VARIABLE = "GMAC_EPHEMERAL_REGISTRY"


def require_durable_registry(root: Path, *, ephemeral: bool = False) -> None:
    """In CI (`CI=true`), refuse a registry on the runner's disk (`.gmac/registry.db`, or
    any `file:` GMAC_REGISTRY_URL): the runner is thrown away after the job, and the audit
    log of the apply or destroy with it. `ephemeral` (`--ephemeral-registry`, or
    GMAC_EPHEMERAL_REGISTRY=1) allows it, for tests."""
    if os.environ.get("CI") != "true" or ephemeral or os.environ.get(EPHEMERAL_VARIABLE) == "1":
        return
    location = registry_location(root)
    if location.is_file:
        raise EphemeralRegistryError(
            f"the registry {location.shown} is on this CI runner's disk, which is thrown away "
            "after the job, and the audit log with it: set GMAC_REGISTRY_URL to a durable "
            "registry (the business's Turso database, libsql://NAME-ORG.turso.io) and "
            "GMAC_REGISTRY_AUTH_TOKEN to its token, from the CI's secrets; or pass "
            "--ephemeral-registry where losing it is intended (tests)"
        )


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
    specs: Path, spec: Spec, action: str, actor: Actor | None = None, target: str = ""
) -> Actor:
    """The actor, proven (gmac.app.proof), when the project's access rules let them do
    `action` in `spec.env`. A refusal is audited (as far as the registry can be written) and
    raised."""
    root = specs.resolve().parent
    who = actor or current_actor()
    try:
        who = prove(who, spec, specs)
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
