"""The one counting rule, behind every number of resources gmac prints.

A resource is what the specs compile to: gmac's components and everything they hold, exactly
the nodes `gmac graph` draws. Pulumi's own bookkeeping is left out: the stack resource, and
the providers the engine configures (the Kubernetes provider, the dynamic providers' host).
Plan, apply, drift, refresh, destroy and graph all count by this rule, so the 27 resources an
apply creates are the 27 `gmac graph` draws and the 27 the next drift finds up to date.

One exception, so that no change goes unseen: a provider whose own settings change (an
update, a replacement, a removal) is shown in the plan, and counted, as that change.
"""

from __future__ import annotations

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_PREFIX = "pulumi:providers:"
_PROVIDER_CHANGES = frozenset({"update", "replace", "delete"})


def counted(type_: str) -> bool:
    """Whether a resource of this type is one of the specs' resources."""
    return type_ != STACK_TYPE and not type_.startswith(PROVIDER_PREFIX)


def in_plan(type_: str, op: str) -> bool:
    """Whether a step of this type and operation is a row of the plan."""
    if type_.startswith(PROVIDER_PREFIX):
        return op in _PROVIDER_CHANGES
    return counted(type_)
