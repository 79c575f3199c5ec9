"""`gmac history`, `gmac audit` and `gmac services` for people and machines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gmac.registry import AuditEntry, Deployment, ServiceStatus


def _when(stamp: str) -> str:
    return stamp[:16].replace("T", " ")


def _apply_text(deployment: Deployment | None) -> str:
    if deployment is None:
        return "never"
    return (
        f"#{deployment.id} {_when(deployment.finished_at)} by {deployment.actor}, "
        f"{deployment.outcome}"
    )


def _drift_text(status: ServiceStatus) -> str:
    if status.drift is None:
        return "not checked"
    if status.drift == 0:
        return f"none ({_when(status.drift_at)})"
    return f"{status.drift} resource(s) ({_when(status.drift_at)})"


def status_dict(status: ServiceStatus) -> dict[str, Any]:
    data = dict(vars(status))
    data["last_apply"] = vars(status.last_apply) if status.last_apply is not None else None
    return data


def services_table(found: Sequence[ServiceStatus], console: Console) -> None:
    if not found:
        console.print("no service applied yet: run `gmac apply --env ENV`", markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("service", "env", "kind", "last apply", "health", "drift"):
        table.add_column(column)
    for status in found:
        health = {"ok": "green", "failing": "red"}.get(status.health, "")
        table.add_row(
            status.name,
            status.environment,
            status.kind,
            Text(_apply_text(status.last_apply)),
            Text(status.health, style=health),
            _drift_text(status),
        )
    console.print(table)


def service_details(found: Sequence[ServiceStatus], console: Console) -> None:
    for status in found:
        console.print(f"{status.name} in {status.environment}", style="bold", markup=False)
        rows = [
            ("kind", status.kind),
            ("template", status.template or "-"),
            ("image", status.image or "-"),
            ("replicas", "-" if status.replicas is None else str(status.replicas)),
            ("host", status.host or "-"),
            ("last apply", _apply_text(status.last_apply)),
            ("applied in", f"#{status.applied_in}"),
            (
                "health",
                status.health + (f": {status.health_detail}" if status.health_detail else ""),
            ),
            ("drift", _drift_text(status)),
        ]
        for label, value in rows:
            console.print(f"  {label:<11} {value}", markup=False)


def deployments_table(found: Sequence[Deployment], console: Console) -> None:
    if not found:
        console.print("no apply or destroy recorded yet", markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    columns = ("#", "finished (UTC)", "env", "operation", "actor", "changes", "outcome", "commit")
    for column in columns:
        table.add_column(column)
    for deployment in found:
        changes = ", ".join(f"{count} {op}" for op, count in deployment.summary.items())
        style = "green" if deployment.outcome == "succeeded" else "red"
        table.add_row(
            str(deployment.id),
            _when(deployment.finished_at),
            deployment.environment,
            deployment.operation,
            Text(deployment.actor),
            changes or "-",
            Text(deployment.outcome, style=style),
            deployment.git_commit[:10],
        )
    console.print(table)


def audit_table(found: Sequence[AuditEntry], console: Console) -> None:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("#", "at (UTC)", "actor", "action", "env", "target", "outcome"):
        table.add_column(column, no_wrap=column != "target")
    for entry in found:
        style = "" if entry.outcome == "succeeded" else "red"
        table.add_row(
            str(entry.seq),
            entry.at[:19].replace("T", " "),
            Text(entry.actor),
            Text(entry.action),
            Text(entry.environment),
            Text(entry.target),
            Text(entry.outcome, style=style),
        )
    console.print(table)
