"""`gmac plan`: the engine's preview, or the answer of the no-change record when nothing the
plan depends on has changed since a plan or an apply found nothing to do
(gmac.app.operations.no_change), found the short way when the files and variables it would
read are those this checkout's index names (gmac.app.operations.plan_index)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gmac.app.operations import plan_index
from gmac.app.operations.request import RunRequest

if TYPE_CHECKING:
    from gmac.plan import Plan


def preview(request: RunRequest, *, use_record: bool = True) -> Plan:
    """The plan of `request`. With `use_record` False (`--no-cache`), the engine runs even
    when the record would answer; either way a plan with no changes is recorded."""
    if use_record:
        answer = plan_index.answer(request)
        if answer is not None:
            return answer
    # Imported here: loading the specs, the secret store, the engine and the compiler are
    # all of a plan's start-up that the short way does without.
    from gmac.app.cluster_check import with_cluster_warning  # noqa: PLC0415
    from gmac.app.operations.inputs import gather  # noqa: PLC0415
    from gmac.app.operations.no_change import (  # noqa: PLC0415
        keep_index,
        look_up,
        remember,
        sources_before,
    )

    before = sources_before(request)
    inputs = gather(request, "plan")
    lookup = look_up(inputs)
    if lookup is not None:
        keep_index(lookup, before)
    cluster = inputs.spec.environment.kubernetes
    if use_record and lookup is not None:
        answer = lookup.answer
        if answer is not None:
            return with_cluster_warning(answer, cluster, request.root)
    from gmac.app.operations.run import start  # noqa: PLC0415

    run = start(inputs)
    plan = run.plan(run.call(run.session.preview))
    plan = remember(lookup, plan, "plan") if lookup is not None else plan
    return with_cluster_warning(plan, cluster, request.root)
