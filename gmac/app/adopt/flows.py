"""`gmac adopt`, `gmac plan --adopt` and `gmac apply --adopt`: the adoption is a plan.

Each finds the live counterparts first (gmac.app.adopt.discover), then runs the engine with
the found ones taken over (gmac.engine.adoption): Pulumi imports each Kubernetes object and
diffs it against the spec; gmac's providers adopt theirs in their create, and the plan shows
those as imports too, with the differences the provider found. What follows an import (an
update, a replacement) is in the plan like any change, and an apply asks, checks protection
(`--allow-destroy` for a replacement or a deletion of something stateful) and records it as
any apply does. Nothing is imported while a resource is ambiguous.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from gmac.app.adopt.discover import discover
from gmac.app.adopt.value import AMBIGUOUS, FOUND, Adoption, AdoptionReport
from gmac.app.cluster_watch import cluster_watch
from gmac.app.operations.protection import refuse_destructive
from gmac.app.operations.request import RunRequest
from gmac.app.operations.run import PreparedRun, prepare
from gmac.app.operations.saved import check_saved
from gmac.app.operations.targets import target_urns, targeted
from gmac.app.operations.updates import ApplyOutcome, forget_migrated
from gmac.app.recording import recorded, require_durable_registry
from gmac.engine.adoption import urn_tail
from gmac.engine.stack import RunResult, StackOptions
from gmac.errors import AdoptionError, GmacError
from gmac.plan import Change, Plan, PropertyChange


def _call(
    run: PreparedRun,
    operation: Callable[[StackOptions], RunResult],
    adoptions: dict[str, str],
    targets: Sequence[str] = (),
) -> RunResult:
    """One engine operation with the adoptions; a compile failure surfaces as itself."""
    options = StackOptions(targets=targets, listener=run.request.listener, adoptions=adoptions)
    try:
        return operation(options)
    except GmacError:
        if run.failures:
            raise run.failures[0] from None
        raise


def _adoptions(found: Sequence[Adoption]) -> dict[str, str]:
    return {urn_tail(item.urn): item.import_id for item in found if item.status == FOUND}


def _ambiguous_lines(found: Sequence[Adoption]) -> list[str]:
    lines = []
    for item in found:
        if item.status != AMBIGUOUS:
            continue
        ids = ", ".join(c.id + (f" ({c.label})" if c.label else "") for c in item.candidates)
        lines.append(
            f"{item.name}: {len(item.candidates)} candidates {item.how} for {item.what}: {ids}; "
            f"name one in {item.document or 'its spec'}: `adopt: {{{item.name}: ID}}`"
        )
    return lines


def _engine_view(item: Adoption) -> tuple[PropertyChange, ...]:
    """A provider's differences as the plan's property changes."""
    return tuple(
        PropertyChange(d.key, "update-replace" if d.replaces else "update", d.live, d.spec)
        for d in item.differences
    )


def _imported(change: Change, item: Adoption) -> Change:
    if change.properties:  # the engine diffed it (a Kubernetes import)
        return replace(change, import_id=item.import_id)
    reasons = tuple(d.key for d in item.differences if d.replaces)
    return replace(
        change,
        import_id=item.import_id,
        then=item.then,
        properties=_engine_view(item),
        replace_reasons=reasons,
    )


def adoption_plan(plan: Plan, found: Sequence[Adoption]) -> Plan:
    """The engine's plan with each import's live ID, the differences gmac's providers found
    for theirs, and a warning for each ambiguous resource."""
    by_urn = {item.urn: item for item in found if item.status == FOUND}
    changes = tuple(
        _imported(change, by_urn[change.urn])
        if change.op == "import" and change.urn in by_urn
        else change
        for change in plan.changes
    )
    notes = [f"ambiguous, not imported: {line}" for line in _ambiguous_lines(found)]
    return replace(plan, changes=changes, diagnostics=(*notes, *plan.diagnostics))


def adoption_report(request: RunRequest) -> AdoptionReport:
    """`gmac adopt`: what runs already for each resource, and the plan of adopting it."""
    run = prepare(request, "plan")
    found = discover(run)
    plan = adoption_plan(run.plan(_call(run, run.session.preview, _adoptions(found))), found)
    changes = {change.urn: change for change in plan.changes}

    def with_plan(item: Adoption) -> Adoption:
        change = changes.get(item.urn)
        if item.status != FOUND or change is None:
            return item
        return replace(item, changes=change.properties, then=change.then)

    return AdoptionReport(request.env, tuple(map(with_plan, found)), plan)


def adopt_preview(request: RunRequest) -> Plan:
    """`gmac plan --adopt`."""
    return adoption_report(request).plan


def adopt_apply(
    request: RunRequest,
    *,
    confirm: Callable[[Plan], bool],
    allow_destroy: bool = False,
    saved: Plan | None = None,
    ephemeral_registry: bool = False,
) -> ApplyOutcome:
    """`gmac apply --adopt`: the same lock, checks, confirmation and record as an apply."""
    require_durable_registry(request.root, ephemeral=ephemeral_registry)
    run = prepare(request, "apply")
    with run.session.exclusive("apply"):
        found = discover(run)
        ambiguous = _ambiguous_lines(found)
        if ambiguous:
            raise AdoptionError("\n".join([*ambiguous, "nothing was imported"]))
        adoptions = _adoptions(found)
        previewed = _call(run, run.session.preview, adoptions)
        whole = adoption_plan(run.plan(previewed), found)
        plan = targeted(whole, previewed.steps, request.targets)
        if saved is not None:
            check_saved(saved, whole)
        if run.spec.environment.protect and not allow_destroy:
            refuse_destructive(plan, request.env)
        if not plan.has_changes or not confirm(plan):
            return ApplyOutcome(plan, applied=False)
        targets = target_urns(previewed.steps, request.targets) if request.targets else []
        kubernetes = run.spec.environment.kubernetes
        with (
            recorded(request.root, run.spec, "apply", run.actor, plan),
            cluster_watch(kubernetes, request.root, request.env, run.session.interrupt),
        ):
            result = _call(run, run.session.up, adoptions, targets)
        if run.migrated_secrets:
            forget_migrated(run)
    return ApplyOutcome(plan, applied=True, result=result)
