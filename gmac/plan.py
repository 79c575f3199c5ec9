"""A frozen Plan built from engine steps, and its three renderings: table, JSON, Markdown."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gmac.engine.steps import SECRET_MASK, StepRecord

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
CHANGE_OPS = ("create", "update", "replace", "delete", "import")
SYMBOLS = {
    "create": "+",
    "update": "~",
    "replace": "+-",
    "delete": "-",
    "import": "=",
    "read": ">",
    "same": " ",
    "refresh": "~",
}
MARKDOWN_LIMIT = 65_000


@dataclass(frozen=True)
class PropertyChange:
    path: str
    kind: str
    old: Any = None
    new: Any = None

    @property
    def forces_replacement(self) -> bool:
        return self.kind.endswith("-replace")


@dataclass(frozen=True)
class Change:
    op: str
    urn: str
    type: str
    name: str
    component: str
    properties: tuple[PropertyChange, ...] = ()
    owner: str = ""  # the gmac component instance it belongs to, e.g. "Service api"
    replace_reasons: tuple[str, ...] = ()
    # A digest of the inputs the resource will have: a create lists no properties, so a saved
    # plan tells two creates apart by this. Secrets enter it masked, so never their values.
    inputs_digest: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "component": self.component,
            "owner": self.owner,
            "properties": [vars(prop) for prop in self.properties],
            "replace_reasons": list(self.replace_reasons),
            "inputs_digest": self.inputs_digest,
        }


@dataclass(frozen=True)
class Plan:
    environment: str
    changes: tuple[Change, ...]
    unchanged: int = 0
    diagnostics: tuple[str, ...] = field(default=())

    @property
    def has_changes(self) -> bool:
        return any(change.op in CHANGE_OPS for change in self.changes)

    def counts(self) -> dict[str, int]:
        counted = Counter(change.op for change in self.changes)
        result = {op: counted.get(op, 0) for op in CHANGE_OPS}
        result["same"] = self.unchanged
        return result

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "has_changes": self.has_changes,
            "summary": self.counts(),
            "changes": [change.as_dict() for change in self.changes],
            "diagnostics": list(self.diagnostics),
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


def short_type(type_: str) -> str:
    """`kubernetes:apps/v1:Deployment` -> `Deployment`; providers keep their package."""
    if type_.startswith("pulumi:providers:"):
        return f"provider:{type_.rsplit(':', 1)[-1]}"
    if type_ == "pulumi-python:dynamic:Resource":
        return "dynamic"
    return type_.rsplit(":", 1)[-1]


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


def _digest(inputs: Mapping[str, Any] | None) -> str:
    if inputs is None:
        return ""
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _merge(first: Change, later: Change) -> Change:
    """One replacement arrives as several steps; each may carry part of the story."""
    reasons = tuple(dict.fromkeys((*first.replace_reasons, *later.replace_reasons)))
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
    )


DEPENDENCY_REPLACED = "a resource it depends on is replaced first"


def _explained(change: Change) -> Change:
    """A replacement the engine gives no key for is one forced by a dependency (a resource
    deleted before it is created again, or the provider): say so rather than nothing."""
    if change.op != "replace" or change.replace_reasons:
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
        op = _OP_ALIASES.get(step.op, step.op)
        if op is None or step.type == "pulumi:pulumi:Stack":
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


# Renderings -------------------------------------------------------------------------------


def _short(value: Any, limit: int = 40) -> str:
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(change: Change, sep: str = "; ") -> str:
    """The changed properties, old → new; a secret shows as [secret], never its value."""
    parts = []
    for prop in change.properties[:6]:
        if prop.kind.startswith("add"):
            parts.append(f"+{prop.path} = {_short(prop.new, 20)}")
        elif prop.kind.startswith("delete"):
            parts.append(f"-{prop.path}")
        else:
            parts.append(f"{prop.path}: {_short(prop.old, 20)} → {_short(prop.new, 20)}")
    if len(change.properties) > 6:
        parts.append(f"… {len(change.properties) - 6} more")
    if change.replace_reasons:
        parts.append(f"replace: {', '.join(change.replace_reasons)}")
    return sep.join(parts)


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    if not plan.has_changes:
        return f"{plan.environment}: no changes ({counts['same']} resources up to date)"
    words = [f"{counts[op]} to {op}" for op in CHANGE_OPS if counts[op]]
    return f"{plan.environment}: {', '.join(words)}; {counts['same']} unchanged"


def render_table(plan: Plan, console: Console) -> None:
    if plan.has_changes:
        table = Table(
            title=f"gmac plan: {plan.environment}",
            title_justify="left",
            show_lines=False,
            expand=False,
            box=None,
            pad_edge=False,
        )
        for column in ("", "owner", "resource", "changes"):
            table.add_column(column, overflow="fold")
        styles = {"create": "green", "update": "yellow", "replace": "magenta", "delete": "red"}
        previous_owner = None
        for change in plan.changes:
            owner = change.owner if change.owner != previous_owner else ""
            previous_owner = change.owner
            # Text, not markup: a value such as "[secret]" must print as written.
            cells = (
                SYMBOLS.get(change.op, "?"),
                owner,
                f"{short_type(change.type)} {change.name}",
                _describe(change, "\n"),
            )
            table.add_row(*map(Text, cells), style=styles.get(change.op))
        console.print(table)
    for message in plan.diagnostics:
        console.print(Text("warning: ", style="yellow") + Text(message), highlight=False)
    console.print(summary_line(plan), markup=False)


def render_json(plan: Plan) -> str:
    return json.dumps(plan.as_dict(), indent=2, default=str)


def _markdown_row(change: Change) -> str:
    # One row, one line: a value may hold a line break or a pipe.
    detail = _describe(change).replace("|", "\\|").replace("\n", " ")
    return (
        f"| `{SYMBOLS.get(change.op, '?')}` | {change.op} | `{change.type}` | "
        f"`{change.name}` | {detail} |"
    )


def render_markdown(plans: Sequence[Plan] | Plan, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull-request comment: summaries first, then the changes, cut to stay under `limit`."""
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    head = ["## gmac plan", ""]
    head += [f"- **{summary_line(plan)}**" for plan in plans]
    head.append("")
    body: list[str] = []
    for plan in plans:
        if not plan.has_changes:
            continue
        body += [
            f"### {plan.environment}",
            "",
            "| | op | type | name | changes |",
            "|---|---|---|---|---|",
        ]
        body += [_markdown_row(change) for change in plan.changes]
        body.append("")
    text = "\n".join(head + body)
    if len(text) <= limit:
        return text
    return _cut(head + body, limit)


def _is_row(line: str) -> bool:
    return line.startswith("| `")


def _cut(lines: list[str], limit: int) -> str:
    """Whole rows cut from the end, with a note saying how many: the summaries stay."""
    rows = sum(map(_is_row, lines))

    def note(cut: int) -> str:
        return (
            f"\n\n> **{cut} of {rows} changes were cut** to keep this comment under "
            f"{limit:,} characters. Run `gmac plan` for the full plan.\n"
        )

    budget = limit - len(note(rows))
    kept: list[str] = []
    size = -1  # no line break before the first line
    for line in lines:
        if size + 1 + len(line) > budget:
            break
        kept.append(line)
        size += 1 + len(line)
    return "\n".join(kept) + note(rows - sum(map(_is_row, kept)))


__all__ = [
    "SECRET_MASK",
    "Change",
    "Plan",
    "PropertyChange",
    "build_plan",
    "render_json",
    "render_markdown",
    "render_table",
    "summary_line",
]


# Saved plans ------------------------------------------------------------------------------


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    changes = tuple(
        Change(
            op=str(item["op"]),
            urn=str(item["urn"]),
            type=str(item["type"]),
            name=str(item["name"]),
            component=str(item.get("component", "")),
            owner=str(item.get("owner", "")),
            properties=tuple(PropertyChange(**prop) for prop in item.get("properties", [])),
            replace_reasons=tuple(item.get("replace_reasons", [])),
            inputs_digest=str(item.get("inputs_digest", "")),
        )
        for item in data.get("changes", [])
    )
    return Plan(
        str(data["environment"]),
        changes,
        unchanged=int(data["summary"]["same"]),
        diagnostics=tuple(data.get("diagnostics", [])),
    )


def _value(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _title(change: Change) -> str:
    return f"{change.op} {change.type} {change.name}"


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
