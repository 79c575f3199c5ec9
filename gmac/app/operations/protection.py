"""Protected environments (`protect: true`): what counts as losing data, and the refusal."""

from __future__ import annotations

from gmac.errors import ProtectedResourceError
from gmac.plan import Change, Plan

# Deleting or replacing these loses data: protected environments need --allow-destroy.
STATEFUL_COMPONENTS = frozenset({"Repository", "Stripe", "Turso"})
STATEFUL_TYPES = frozenset(
    {
        "kubernetes:core/v1:PersistentVolumeClaim",
        "kubernetes:core/v1:Namespace",
    }
)


def _in_stateful_component(urn: str) -> bool:
    """Whether any gmac component in the URN's type chain holds data (a Repository may sit
    under a Service): `...::gmac:index:Service$gmac:index:Repository$...::name`."""
    chain = urn.split("::")[2] if urn.count("::") >= 3 else ""
    kinds = {part.rsplit(":", 1)[-1] for part in chain.split("$") if part.startswith("gmac:")}
    return bool(kinds & STATEFUL_COMPONENTS)


def destructive_changes(plan: Plan) -> list[Change]:
    """Stateful resources deleted or replaced (an adopted one replaced after its import
    too), and whole spec items (a service, an integration) deleted: a protected environment
    needs --allow-destroy for either."""
    return [
        change
        for change in plan.changes
        if (
            (change.op in ("delete", "replace") or change.then == "replace")
            and (_in_stateful_component(change.urn) or change.type in STATEFUL_TYPES)
        )
        or (change.op == "delete" and change.type.startswith("gmac:"))
    ]


def _described(change: Change) -> str:
    op = f"{change.op} then {change.then}" if change.then else change.op
    return f"  {op} {change.type} {change.name}"


def refuse_destructive(plan: Plan, env: str) -> None:
    risky = destructive_changes(plan)
    if risky:
        listing = "\n".join(map(_described, risky))
        raise ProtectedResourceError(
            f"'{env}' is protected and this would delete or replace stateful "
            f"resources:\n{listing}\nRun again with --allow-destroy if that is intended."
        )
