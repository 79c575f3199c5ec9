"""A saved plan (`gmac plan --out FILE`) against the preview `gmac apply --plan FILE` makes:
what the preview would do that the plan did not say, and the reverse."""

from __future__ import annotations

import json
from typing import Any

from gmac.plan.value import CHANGE_OPS, Change, Plan


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _title(change: Change) -> str:
    then = f" then {change.then}" if change.then else ""
    return f"{change.op}{then} {change.type} {change.name}"


def _detail(change: Change) -> str:
    """The changed properties with their values, for comparing and for showing."""
    props = (f"{prop.path}: {_value(prop.old)} → {_value(prop.new)}" for prop in change.properties)
    return ", ".join(sorted(props))


def _shape(change: Change) -> str:
    detail = _detail(change)
    return _title(change) + (f" ({detail})" if detail else "")


def _same(saved: Change, current: Change) -> bool:
    """Same operation, same property values, same inputs (which tells two creates apart)."""
    return _shape(saved) == _shape(current) and saved.inputs_digest == current.inputs_digest


def _what_differs(saved: Change, current: Change) -> str:
    if saved.op != current.op:
        return f"~ now {_title(current)}, the plan said {saved.op}"
    said, now = _detail(saved), _detail(current)
    if said != now:
        return f"~ {_title(current)}: the plan said ({said or 'nothing'}), now ({now or 'nothing'})"
    return f"~ {_title(current)}: its inputs differ from the plan's"


def plan_differences(saved: Plan, current: Plan) -> list[str]:
    """What the current preview would do that the saved plan did not say, and the reverse."""
    before = {change.urn: change for change in saved.changes if change.op in CHANGE_OPS}
    after = {change.urn: change for change in current.changes if change.op in CHANGE_OPS}
    lines = [f"+ now also: {_shape(after[urn])}" for urn in sorted(after.keys() - before.keys())]
    lines += [f"- no longer: {_shape(before[urn])}" for urn in sorted(before.keys() - after.keys())]
    lines += [
        _what_differs(before[urn], after[urn])
        for urn in sorted(before.keys() & after.keys())
        if not _same(before[urn], after[urn])
    ]
    if saved.environment != current.environment:
        lines.insert(
            0, f"environment: plan is for '{saved.environment}', not '{current.environment}'"
        )
    return lines
