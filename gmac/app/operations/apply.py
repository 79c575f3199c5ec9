"""`gmac apply` and `gmac destroy`: preview, check, confirm, then change, under one lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gmac.app.cluster_watch import cluster_watch
from gmac.app.operations.protection import refuse_destructive
from gmac.app.operations.request import RunRequest
from gmac.app.operations.run import PreparedRun, prepare
from gmac.app.operations.saved import check_saved
from gmac.app.operations.state import state_resources
from gmac.app.operations.targets import target_urns, targeted
from gmac.app.recording import recorded, require_durable_registry
from gmac.app.run_secrets import store_environment
from gmac.engine.stack import RunResult
from gmac.errors import ProtectedResourceError
from gmac.plan import Change, Plan
from gmac.secrets import SecretStore, load_identities


@dataclass(frozen=True)
class ApplyOutcome:
    plan: Plan
    applied: bool
    result: RunResult | None = None


def apply(
    request: RunRequest,
    *,
    confirm: Callable[[Plan], bool],
    allow_destroy: bool = False,
    saved: Plan | None = None,
    ephemeral_registry: bool = False,
) -> ApplyOutcome:
    """Preview, check the plan against protection and a saved plan, confirm, then update.

    The stack stays locked from the preview to the end of the update, so what was
    confirmed is what runs, and a second apply fails at once. In CI, a registry on the
    runner's disk is refused first, unless `ephemeral_registry` (gmac.app.recording)."""
    require_durable_registry(request.root, ephemeral=ephemeral_registry)
    run = prepare(request, "apply")
    with run.session.exclusive("apply"):
        previewed = run.call(run.session.preview)
        plan = targeted(run.plan(previewed), previewed.steps, request.targets)
        if saved is not None:
            check_saved(saved, run.plan(previewed))
        if run.spec.environment.protect and not allow_destroy:
            refuse_destructive(plan, request.env)
        if plan.has_changes:  # a create meeting what already runs stops here, before any change
            from gmac.app.adopt import refuse_existing  # noqa: PLC0415 (it imports this module)

            refuse_existing(run, plan)
        if not plan.has_changes or not confirm(plan):
            return ApplyOutcome(plan, applied=False)
        targets = target_urns(previewed.steps, request.targets) if request.targets else []
        kubernetes = run.spec.environment.kubernetes
        with (
            recorded(request.root, run.spec, "apply", run.actor, plan),
            cluster_watch(kubernetes, request.root, request.env, run.session.interrupt),
        ):
            result = run.call(run.session.up, targets)
        if run.migrated_secrets:
            forget_migrated(run)
    return ApplyOutcome(plan, applied=True, result=result)


def forget_migrated(run: PreparedRun) -> None:
    """Generated values that `gmac secrets migrate` left in the store are in the state now
    (the update made them from the store's values): the store no longer keeps them."""
    store = SecretStore(run.request.specs)
    env = store_environment(store, run.spec)
    with store.edit(env, load_identities()) as opened:
        for name in run.migrated_secrets:
            if name in opened.file.entries:
                opened.remove(name)


def destroy(
    request: RunRequest,
    *,
    confirm: Callable[[Plan], bool],
    allow_destroy: bool = False,
    ephemeral_registry: bool = False,
) -> ApplyOutcome:
    require_durable_registry(request.root, ephemeral=ephemeral_registry)
    run = prepare(request, "destroy")
    if run.spec.environment.protect and not allow_destroy:
        raise ProtectedResourceError(
            f"'{request.env}' is protected: destroying it needs --allow-destroy"
        )
    with run.session.exclusive("destroy"):
        plan = Plan(
            request.env,
            tuple(
                Change("delete", urn, type_, name, component)
                for urn, type_, name, component in state_resources(run)
            ),
        )
        if not plan.changes or not confirm(plan):
            return ApplyOutcome(plan, applied=False)
        with recorded(request.root, run.spec, "destroy", run.actor, plan):
            result = run.call(run.session.destroy)
    return ApplyOutcome(plan, applied=True, result=result)


def unlock(request: RunRequest) -> tuple[int, bool]:
    """Remove the stack's lock files after a killed run, and restore its state's backup when
    the run was killed while saving it: how many locks there were, and whether it did."""
    run = prepare(request, "unlock")
    # A gmac command that still holds the stack is not a killed run: leave its lock alone.
    with run.session.exclusive("unlock"):
        return run.session.unlock()
