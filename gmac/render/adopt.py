"""`gmac adopt`'s report: a table on a console, JSON, and Markdown for a pull request.

One row per resource that was looked up: found (the live object, how it was found, and what
adopting it changes), to be created, or ambiguous (the candidates, and the `adopt:` line
that names one). Resources already managed, made by gmac on apply, or rendered to files are
only counted. Values are shown as the plan shows them: a secret is `[secret]`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gmac.app.adopt import AMBIGUOUS, FOUND, MADE, MANAGED, MISSING, RENDERED, AdoptionReport
from gmac.app.adopt.value import Adoption
from gmac.plan import PropertyChange, short_type

_STYLES = {FOUND: "green", MISSING: "cyan", AMBIGUOUS: "yellow"}
_SHOWN = (FOUND, AMBIGUOUS, MISSING)


def _short(value: object, limit: int = 24) -> str:
    if value is None or value == "":
        return "∅"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _changes(changes: Sequence[PropertyChange]) -> list[str]:
    parts = []
    for prop in changes[:6]:
        if prop.kind.startswith("add"):
            parts.append(f"+{prop.path} = {_short(prop.new)}")
        elif prop.kind.startswith("delete"):
            parts.append(f"-{prop.path}")
        else:
            parts.append(f"{prop.path}: {_short(prop.old)} → {_short(prop.new)}")
    if len(changes) > 6:
        parts.append(f"… {len(changes) - 6} more")
    return parts


def outcome(item: Adoption) -> list[str]:
    """What happens to the resource, in words: the import and what follows, the create, or
    the choice to make."""
    if item.status == MISSING:
        return ["will be created" + (f" ({item.note})" if item.note else "")]
    if item.status == AMBIGUOUS:
        listed = [f"{c.id} ({c.label})" if c.label else c.id for c in item.candidates]
        hint = f"name one in {item.document or 'its spec'}: adopt: {{{item.name}: ID}}"
        return [*listed, hint]
    words = [f"import {item.import_id}" + (f", then {item.then}" if item.then else "")]
    if item.ours:
        words.append("made by gmac (its marker)")
    return words + _changes(item.changes)


def summary_line(report: AdoptionReport) -> str:
    counts = report.counts()
    words = f"{counts[FOUND]} found, {counts[MISSING]} to create, {counts[AMBIGUOUS]} ambiguous"
    rest = f"{counts[MANAGED]} already managed, {counts[MADE]} made on apply"
    if counts[RENDERED]:
        rest += f", {counts[RENDERED]} rendered to files"
    ready = "" if report.ready else "; name one for each ambiguous resource (`adopt:`)"
    return f"{report.environment}: {words}; {rest}{ready}"


def render_table(report: AdoptionReport, console: Console) -> None:
    rows = [item for item in report.adoptions if item.status in _SHOWN]
    if rows:
        table = Table(
            title=f"gmac adopt: {report.environment}",
            title_justify="left",
            box=None,
            pad_edge=False,
        )
        for column in ("status", "owner", "resource", "live object", "how", "then"):
            table.add_column(column, overflow="fold")
        for item in sorted(rows, key=lambda i: (_SHOWN.index(i.status), i.owner, i.name)):
            cells = (
                item.status,
                item.owner,
                f"{short_type(item.type)} {item.name}",
                item.what,
                item.how,
                "\n".join(outcome(item)),
            )
            table.add_row(*map(Text, cells), style=_STYLES.get(item.status))
        console.print(table)
    for message in report.plan.diagnostics:
        console.print(Text("warning: ", style="yellow") + Text(message), highlight=False)
    console.print(summary_line(report), markup=False)


def render_json(report: AdoptionReport) -> str:
    return json.dumps(report.as_dict(), indent=2, default=str)


def render_markdown(report: AdoptionReport) -> str:
    lines = ["## gmac adopt", "", f"**{summary_line(report)}**", ""]
    rows = [item for item in report.adoptions if item.status in _SHOWN]
    if rows:
        lines += ["| status | resource | live object | how | then |", "|---|---|---|---|---|"]
        for item in rows:
            cells = [
                item.status,
                f"`{short_type(item.type)} {item.name}`",
                item.what,
                item.how,
                "; ".join(outcome(item)),
            ]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
