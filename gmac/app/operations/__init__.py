"""The engine commands' work, end to end: load and validate the specs, authorize the actor,
resolve the secrets, compile, run the engine, build the plan, record what was done.

    preview(request, use_record=True) -> Plan             gmac plan (or its no-change record)
    apply(request, confirm=..., ...) -> ApplyOutcome      gmac apply
    destroy(request, confirm=..., ...) -> ApplyOutcome    gmac destroy
    drift(request) -> Plan / refresh(request) -> Plan     gmac drift / gmac refresh
    unlock(request) -> (locks released, state restored)   gmac unlock
"""

from gmac.app.operations.apply import ApplyOutcome, apply, destroy, unlock
from gmac.app.operations.plan import preview
from gmac.app.operations.protection import destructive_changes
from gmac.app.operations.refresh import drift, refresh
from gmac.app.operations.request import ProgressListener, RunRequest
from gmac.app.operations.saved import load_plan, save_plan
from gmac.app.toolchain import require_toolchain

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
