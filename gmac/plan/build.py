"""Engine steps in, a Plan out: one Change per resource that changes, in a stable order."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from gmac.engine.steps import SECRET_MASK, StepRecord
from gmac.plan.counting import in_plan
from gmac.plan.value import Change, Plan, PropertyChange, short_type

# Pulumi emits several steps for one replacement; the plan shows it once, as "replace".
_OP_ALIASES = {
    "create-replacement": "replace",
    "delete-replaced": None,
    "discard-replaced": None,
    "remove-pending-replace": None,
    "replace": "replace",
    "create": "create",
    "update": "update",
    "delete": "delete",
    "same": "same",
    "read": "read",
    "refresh": "refresh",
    "import": "import",
    "import-replacement": "replace",
    "read-replacement": "replace",
    "read-discard": None,
    "discard": None,
}
# One part of a property path as the engine writes it: `a.b[0]["key.with/dots"]`.
_PATH_PART = re.compile(r'\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]|\.?([^.\[]+)')


def path_parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for quoted, index, plain in _PATH_PART.findall(path):
        if index:
            parts.append(int(index))
        else:
            parts.append(json.loads(f'"{quoted}"') if quoted else plain)
    return parts


def _lookup(data: Mapping[str, Any] | None, path: str) -> Any:
    node: Any = data
    for part in path_parts(path):
        if node == SECRET_MASK:
            return SECRET_MASK  # a secret map or list hides everything inside it
        if isinstance(node, Mapping) and str(part) in node:
            node = node[str(part)]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return None
    return node


def _component(urn: str) -> str:
    """The outermost gmac component in the URN's type chain, e.g. `Service`."""
    qualified = urn.split("::")[2] if urn.count("::") >= 3 else ""
    first = qualified.split("$")[0]
    return first.rsplit(":", 1)[-1] if first.startswith("gmac:") else ""


def _owners(steps: Sequence[StepRecord]) -> dict[str, str]:
    """For each URN, the outermost gmac component above it (itself included)."""
    by_urn = {step.urn: step for step in steps}
    owners: dict[str, str] = {}
    for step in steps:
        owner, seen = "", set()
        current: StepRecord | None = step
        while current is not None and current.urn not in seen:
            seen.add(current.urn)
            if current.type.startswith("gmac:"):
                owner = f"{short_type(current.type)} {current.name}"
            current = by_urn.get(current.parent or "")
        owners[step.urn] = owner
    return owners


def _properties(step: StepRecord) -> tuple[PropertyChange, ...]:
    def change(path: str, kind: str) -> PropertyChange:
        return PropertyChange(
            path, kind, _lookup(step.old_inputs, path), _lookup(step.new_inputs, path)
        )

    # Providers report only the top-level keys that differ, without a detailed diff.
    detailed = tuple(change(diff.path, diff.kind) for diff in step.detailed)
    return detailed or tuple(change(path, "update") for path in step.diffs)


def _holds_secret(inputs: Mapping[str, Any] | None) -> bool:
    return any(value == SECRET_MASK for value in (inputs or {}).values())


def _digest(inputs: Mapping[str, Any] | None) -> str:
    if inputs is None:
        return ""
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _op(step: StepRecord) -> str | None:
    """The plan's word for a step. A create that takes over a live object (the `adopt` input
    of gmac's providers, which adopt in their create: gmac.providers._adopt) is an import."""
    op = _OP_ALIASES.get(step.op, step.op)
    if op != "create":
        return op
    # Imported here: the providers bring Pulumi, which a plan answered from its no-change
    # record (gmac.app.operations.no_change) does without.
    from gmac.providers import ADOPT_INPUT  # noqa: PLC0415

    if (step.new_inputs or {}).get(ADOPT_INPUT):
        return "import"
    return op


def _merge(first: Change, later: Change) -> Change:
    """One replacement arrives as several steps; each may carry part of the story. An
    import is followed by the step that brings the object to the spec: its `then`."""
    reasons = tuple(dict.fromkeys((*first.replace_reasons, *later.replace_reasons)))
    if first.op == "import":
        return replace(
            first,
            then="replace" if "replace" in (first.then, later.op) else later.op,
            properties=later.properties or first.properties,
            replace_reasons=reasons,
            secret=first.secret or later.secret,
        )
    return Change(
        op="replace" if "replace" in (first.op, later.op) else first.op,
        urn=first.urn,
        type=first.type,
        name=first.name,
        component=first.component,
        properties=first.properties or later.properties,
        owner=first.owner,
        replace_reasons=reasons,
        inputs_digest=first.inputs_digest or later.inputs_digest,
        secret=first.secret or later.secret,
    )


DEPENDENCY_REPLACED = "a resource it depends on is replaced first"
ROTATION_ASKED = "a new value was asked for (a rotation)"
# The key the engine names for a replacement the run asked for by URN: gmac asks only to
# rotate a generated secret.
_TARGETED_REPLACE_KEYS = ("id",)


def _explained(change: Change) -> Change:
    """A replacement the engine gives no key for is one forced by a dependency (a resource
    deleted before it is created again, or the provider): say so rather than nothing."""
    if "replace" not in (change.op, change.then):
        return change
    if change.replace_reasons == _TARGETED_REPLACE_KEYS:
        return replace(change, replace_reasons=(ROTATION_ASKED,))
    if change.replace_reasons:
        return change
    return replace(change, replace_reasons=(DEPENDENCY_REPLACED,))


def build_plan(
    environment: str, steps: Iterable[StepRecord], diagnostics: Sequence[str] = ()
) -> Plan:
    """Collapse engine steps into one Change per resource that changes."""
    steps = list(steps)
    owners = _owners(steps)
    changes: dict[str, Change] = {}
    same: set[str] = set()
    for step in steps:
        op = _op(step)
        if op is None or not in_plan(step.type, op):
            continue
        if op == "same":
            same.add(step.urn)
            continue
        change = Change(
            op=op,
            urn=step.urn,
            type=step.type,
            name=step.name,
            component=_component(step.urn),
            owner=owners.get(step.urn, ""),
            properties=_properties(step),
            replace_reasons=step.replace_keys if op == "replace" else (),
            inputs_digest=_digest(step.new_inputs) if op != "delete" else "",
            secret=op != "delete" and _holds_secret(step.new_inputs),
        )
        known = changes.get(step.urn)
        changes[step.urn] = change if known is None else _merge(known, change)
    ordered = tuple(
        sorted(
            map(_explained, changes.values()),
            key=lambda c: (c.owner, c.urn.count("$"), c.type, c.name),
        )
    )
    # The engine repeats a warning once per resource it concerns: once is enough here.
    unique = tuple(dict.fromkeys(diagnostics))
    return Plan(environment, ordered, unchanged=len(same - changes.keys()), diagnostics=unique)
