"""`--target NAME`: the resources under the named services or integrations."""

from __future__ import annotations

from collections.abc import Sequence

from gmac.engine.steps import StepRecord
from gmac.errors import UsageError
from gmac.plan import Plan


def target_urns(plan_steps: Sequence[StepRecord], names: Sequence[str]) -> list[str]:
    """Every resource under the gmac components named `names` (a service, an integration),
    and the environment's own resources that belong to no component (its namespace): a
    targeted service on a new stack cannot be created without them."""
    parents = {step.urn: step.parent for step in plan_steps}
    components = {step.urn for step in plan_steps if step.type.startswith("gmac:")}
    roots = {urn for urn in components if urn.rsplit("::", 1)[-1] in names}
    missing = set(names) - {urn.rsplit("::", 1)[-1] for urn in roots}
    if missing:
        raise UsageError(f"--target: nothing named {', '.join(sorted(missing))} in this stack")

    def under(urn: str | None, tops: set[str]) -> bool:
        seen: set[str] = set()
        while urn and urn not in seen:
            if urn in tops:
                return True
            seen.add(urn)
            urn = parents.get(urn)
        return False

    stack = {step.urn for step in plan_steps if step.type == "pulumi:pulumi:Stack"}
    shared = {urn for urn in parents if urn not in stack and not under(urn, components)}
    return sorted(urn for urn in parents if under(urn, roots) or urn in shared)


def targeted(plan: Plan, steps: Sequence[StepRecord], names: Sequence[str]) -> Plan:
    """Only the changes under the named services or integrations (all of them for none)."""
    if not names:
        return plan
    urns = set(target_urns(steps, names))
    changes = tuple(change for change in plan.changes if change.urn in urns)
    return Plan(plan.environment, changes, plan.unchanged, plan.diagnostics)
