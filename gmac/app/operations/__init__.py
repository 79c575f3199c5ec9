"""The engine commands' work, end to end: load and validate the specs, authorize the actor,
resolve the secrets, compile, run the engine, build the plan, record what was done.

    preview(request) -> Plan                              gmac plan
    apply(request, confirm=..., ...) -> ApplyOutcome      gmac apply
    destroy(request, confirm=..., ...) -> ApplyOutcome    gmac destroy
    drift(request) -> Plan / refresh(request) -> Plan     gmac drift / gmac refresh
    unlock(request) -> (locks released, state restored)   gmac unlock
"""

from gmac.app.cluster_check import with_cluster_warning
from gmac.app.operations.apply import ApplyOutcome, apply, destroy, unlock
from gmac.app.operations.protection import destructive_changes
from gmac.app.operations.refresh import drift, refresh
from gmac.app.operations.request import ProgressListener, RunRequest
from gmac.app.operations.run import prepare
from gmac.app.operations.saved import load_plan, save_plan
from gmac.app.toolchain import require_toolchain
from gmac.plan import Plan


def preview(request: RunRequest) -> Plan:
    run = prepare(request, "plan")
    plan = run.plan(run.call(run.session.preview))
    return with_cluster_warning(plan, run.spec.environment.kubernetes, request.root)


__all__ = [
    "ApplyOutcome",
    "ProgressListener",
    "RunRequest",
    "apply",
    "destroy",
    "destructive_changes",
    "drift",
    "load_plan",
    "preview",
    "refresh",
    "require_toolchain",
    "save_plan",
    "unlock",
]
