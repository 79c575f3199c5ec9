"""The Plan for people and machines: a table on a console, JSON, a pull-request comment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gmac.plan import CHANGE_OPS, SECRET_MASK, Change, Plan, short_type

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

# Renderings -------------------------------------------------------------------------------


def _short(value: Any, limit: int = 40) -> str:
    if value is None:
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(change: Change, sep: str = "; ") -> str:
    """The changed properties, old → new; a secret shows as [secret], never its value."""
    parts = []
    if change.op == "import":
        then = f", then {change.then}" if change.then else ""
        parts.append(f"import {change.import_id or 'the live object'}{then}")
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
    if change.secret and change.op in ("create", "replace") and not parts:
        parts.append(SECRET_MASK)  # what it will hold, never shown
    return sep.join(parts)


def summary_line(plan: Plan) -> str:
    counts = plan.counts()
    if not plan.has_changes and plan.origin is not None:
        return (
            f"{plan.environment}: no changes ({counts['same']} resources up to date), answered "
            f"from the record of the {plan.origin.command} at {plan.origin.at}: nothing it "
            "depends on has changed since, so the engine did not run (--no-cache runs it)"
        )
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
        styles = {
            "create": "green",
            "update": "yellow",
            "replace": "magenta",
            "delete": "red",
            "import": "cyan",
        }
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
    render_diagnostics(plan, console)
    console.print(summary_line(plan), markup=False)


def render_diagnostics(plan: Plan, console: Console) -> None:
    """The plan's warnings and notes, one line each."""
    for message in plan.diagnostics:
        console.print(Text("warning: ", style="yellow") + Text(message), highlight=False)


def render_json(plan: Plan) -> str:
    return json.dumps(plan.as_dict(), indent=2, default=str)


def _markdown_row(change: Change) -> str:
    # One row, one line: a value may hold a line break or a pipe.
    detail = _describe(change).replace("|", "\\|").replace("\n", " ")
    return (
        f"| `{SYMBOLS.get(change.op, '?')}` | {change.op} | `{change.type}` | "
        f"`{change.name}` | {detail} |"
    )


def _markdown_warning(plan: Plan, message: str) -> str:
    """A warning of the plan as one quoted line: it never breaks the table below it."""
    return f"> **warning** ({plan.environment}): {' '.join(message.split())}"


def render_markdown(plans: Sequence[Plan] | Plan, limit: int = MARKDOWN_LIMIT) -> str:
    """A pull-request comment: summaries first, then the changes, cut to stay under `limit`."""
    plans = [plans] if isinstance(plans, Plan) else list(plans)
    head = ["## gmac plan", ""]
    head += [f"- **{summary_line(plan)}**" for plan in plans]
    head.append("")
    warnings = [_markdown_warning(plan, message) for plan in plans for message in plan.diagnostics]
    head += [*warnings, ""] if warnings else []
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


def comment_body(plan: Plan) -> str:
    """A stack's pull-request comment: its marker (gmac.app.pr_comments), then the plan."""
    # Imported here: gmac.app.pr_comments brings the HTTP clients, which a plan printed as a
    # table or as JSON never needs.
    from gmac.app.pr_comments import marker  # noqa: PLC0415

    head = marker(plan.environment) + "\n"
    return head + render_markdown(plan, limit=MARKDOWN_LIMIT - len(head))
