"""What the stack's state holds now, read through the engine."""

from __future__ import annotations

from gmac.app.operations.run import PreparedRun
from gmac.engine.steps import StepRecord
from gmac.plan import build_plan, counted


def state_resources(run: PreparedRun) -> list[tuple[str, str, str, str]]:
    """(urn, type, name, component) of every resource in the state that counts as one
    (gmac.plan.counting: the stack itself and the providers are left out)."""
    found = []
    for resource in run.session.exported_resources():
        type_ = str(resource.get("type", ""))
        if not counted(type_):
            continue
        urn = str(resource.get("urn", ""))
        change = build_plan(run.env, [StepRecord("delete", urn, type_)]).changes
        found.append((urn, type_, urn.rsplit("::", 1)[-1], change[0].component))
    return found
