"""The engine commands' work, end to end: load and validate the specs, authorize the actor,
resolve the secrets, compile, run the engine, build the plan, record what was done.

    preview(request, use_record=True) -> Plan             gmac plan (or its no-change record)
    apply(request, confirm=..., ...) -> ApplyOutcome      gmac apply
    destroy(request, confirm=..., ...) -> ApplyOutcome    gmac destroy
    drift(request) -> Plan / refresh(request) -> Plan     gmac drift / gmac refresh
    unlock(request) -> (locks released, state restored)   gmac unlock

Each name is imported from its module when first used: a plan answered from the no-change
record (gmac.app.operations.plan_index) loads no spec, so it must not pay for importing the
spec language, the secret store and the engine, which the other commands need.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gmac.app.operations.plan import preview
    from gmac.app.operations.protection import destructive_changes
    from gmac.app.operations.refreshes import drift, refresh
    from gmac.app.operations.request import ProgressListener, RunRequest
    from gmac.app.operations.saved import load_plan, save_plan
    from gmac.app.operations.updates import ApplyOutcome, apply, destroy, unlock
    from gmac.app.toolchain import require_toolchain

_MODULES = {
    "ApplyOutcome": "gmac.app.operations.updates",
    "apply": "gmac.app.operations.updates",
    "destroy": "gmac.app.operations.updates",
    "unlock": "gmac.app.operations.updates",
    "preview": "gmac.app.operations.plan",
    "destructive_changes": "gmac.app.operations.protection",
    "drift": "gmac.app.operations.refreshes",
    "refresh": "gmac.app.operations.refreshes",
    "ProgressListener": "gmac.app.operations.request",
    "RunRequest": "gmac.app.operations.request",
    "load_plan": "gmac.app.operations.saved",
    "save_plan": "gmac.app.operations.saved",
    "require_toolchain": "gmac.app.toolchain",
}

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


def __getattr__(name: str) -> object:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # found once: the next use is an ordinary attribute
    return value
