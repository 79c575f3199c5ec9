"""`gmac apply` and `gmac destroy`: preview, check, confirm, then change, under one lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gmac.app.operations.no_change import (
    Sources,
    keep_index,
    look_up,
    remember,
    sources_before,
)
from gmac.app.operations.protection import refuse_destructive
from gmac.app.operations.request import RunRequest
from gmac.app.operations.run import PreparedRun, prepare
from gmac.app.operations.saved import check_saved
from gmac.app.operations.state import state_resources
from gmac.app.operations.targets import target_urns, targeted
from gmac.app.run_secrets import secrets_for_run, store_environment
from gmac.errors import ProtectedResourceError
from gmac.plan import Change, Plan, counted
from gmac.secrets import SecretStore, load_identities

if TYPE_CHECKING:
    from gmac.engine.checkpoint import Repair
    from gmac.engine.stack import RunResult

# Steps after which a resource is no longer in the state.
_GONE = frozenset(
    {"delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"}
)


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
    # Imported here, as in destroy: the registry is no concern of a plan, which imports this
    # module too (gmac.app.operations).
    from gmac.app.recording import recorded, require_durable_registry  # noqa: PLC0415

    require_durable_registry(request.root, ephemeral=ephemeral_registry)
    before = sources_before(request)  # for the index of the record the update leaves
    run = prepare(request, "apply")
    with run.session.exclusive("apply"):
        lookup = look_up(run.inputs)  # what the next plan may answer from (no_change)
        previewed = run.call(run.session.preview)
        plan = targeted(run.plan(previewed), previewed.steps, request.targets)
        if saved is not None:
            check_saved(saved, run.plan(previewed))
        if run.spec.environment.protect and not allow_destroy:
            refuse_destructive(plan, request.env)
        if plan.has_changes:  # a create meeting what already runs stops here, before any change
            from gmac.app.adopt import refuse_existing  # noqa: PLC0415 (it imports this module)

            refuse_existing(run, plan, previewed.steps)
        if not plan.has_changes and lookup is not None:
            remember(lookup, plan, "apply")
        if not plan.has_changes or not confirm(plan):
            return ApplyOutcome(plan, applied=False)
        targets = target_urns(previewed.steps, request.targets) if request.targets else []
        kubernetes = run.spec.environment.kubernetes
        from gmac.app.cluster_watch import cluster_watch  # noqa: PLC0415 (the cluster client)

        with (
            recorded(request.root, run.spec, "apply", run.actor, plan),
            cluster_watch(kubernetes, request.root, request.env, run.session.interrupt),
        ):
            result = run.call(run.session.up, targets)
        if run.migrated_secrets:
            forget_migrated(run)
        elif lookup is not None:
            record_applied(run, previewed, result, before)
    return ApplyOutcome(plan, applied=True, result=result)


def record_applied(
    run: PreparedRun, previewed: RunResult, result: RunResult, before: Sources | None
) -> None:
    """Leave the record a plan right after this update would answer from: nothing to do,
    every resource the update left in the state up to date, with the plan's own warnings.

    The key is the next plan's: the state as the update left it, the secrets as a plan reads
    them (an apply may have created the user's identity, which a plan does not). Were they
    changed while the update ran, what the state holds may not be what a plan reads: then
    there is no record."""
    inputs = run.inputs
    seen = secrets_for_run(inputs.request.specs, inputs.spec)
    if (seen.values, seen.sealed, seen.seal_recipients, seen.missing) != (
        dict(inputs.values),
        inputs.secrets.sealed,
        inputs.secrets.seal_recipients,
        inputs.secrets.missing,
    ):
        return
    as_planned = PreparedRun(replace(inputs, secrets=seen, values=seen.values), run.session)
    lookup = look_up(as_planned.inputs)
    if lookup is None:
        return
    kept = {step.urn for step in result.steps if counted(step.type) and step.op not in _GONE}
    diagnostics = as_planned.plan(previewed).diagnostics
    remember(lookup, Plan(run.env, (), unchanged=len(kept), diagnostics=diagnostics), "apply")
    keep_index(lookup, before, created_identity=inputs.secrets.created_identity)


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
    from gmac.app.recording import recorded, require_durable_registry  # noqa: PLC0415

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


def unlock(request: RunRequest) -> tuple[int, Repair | None]:
    """Remove the stack's lock files after a killed run, and repair its state when the run
    was killed while saving it: how many locks there were, and the repair made, if any."""
    run = prepare(request, "unlock")
    # A gmac command that still holds the stack is not a killed run: leave its lock alone.
    with run.session.exclusive("unlock"):
        return run.session.unlock()
