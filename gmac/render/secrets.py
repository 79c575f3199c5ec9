"""`gmac secrets list` and `recipients list` for people: names, sources, dates, keys; never a
value."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from gmac.app.secrets import RecipientInfo, SecretInfo


def secrets_table(found: Sequence[SecretInfo], console: Console) -> None:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("secret", "source", "set", "rotated", "rotation"):
        table.add_column(column)
    for item in found:
        rotation = f"every {item.rotate_every}" if item.rotate_every else ""
        if item.due:
            rotation = (rotation + " " if rotation else "") + "[red]due[/]"
        table.add_row(
            item.name,
            item.source,
            item.created[:10] or "[yellow]no value[/]",
            item.rotated[:10],
            rotation,
        )
    console.print(table)


def recipients_lines(env: str, found: Sequence[RecipientInfo], console: Console) -> None:
    if not found:
        console.print(f"{env}: no secrets file yet", markup=False)
    for item in found:
        mark = "  (you)" if item.yours else ""
        console.print(f"{item.key}  {item.name}{mark}", markup=False)
