"""`gmac plan`: the engine's preview, or the answer of the no-change record when nothing the
plan depends on has changed since a plan or an apply found nothing to do
(gmac.app.operations.no_change)."""

from __future__ import annotations

from gmac.app.cluster_check import with_cluster_warning
from gmac.app.operations.inputs import gather
from gmac.app.operations.no_change import look_up, remember
from gmac.app.operations.request import RunRequest
from gmac.plan import Plan


def preview(request: RunRequest, *, use_record: bool = True) -> Plan:
    """The plan of `request`. With `use_record` False (`--no-cache`), the engine runs even
    when the record would answer; either way a plan with no changes is recorded."""
    inputs = gather(request, "plan")
    lookup = look_up(inputs)
    cluster = inputs.spec.environment.kubernetes
    if use_record and lookup is not None:
        answer = lookup.answer
        if answer is not None:
            return with_cluster_warning(answer, cluster, request.root)
    # Imported here: the engine and the compiler are most of a plan's start-up, which an
    # answer from the record does without.
    from gmac.app.operations.run import start  # noqa: PLC0415

    run = start(inputs)
    plan = run.plan(run.call(run.session.preview))
    plan = remember(lookup, plan, "plan") if lookup is not None else plan
    return with_cluster_warning(plan, cluster, request.root)
