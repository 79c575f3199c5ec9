"""`gmac status`, `gmac metrics`, `gmac logs` and `gmac health history` for people: tables,
numbers in their units, and a sparkline per series (Unicode block characters)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gmac.app.health import IntegrationHistory
from gmac.app.logs import LogsResult
from gmac.app.metrics import MetricSeries, MetricsReport
from gmac.app.status import ServiceState
from gmac.clients.logs import LogLine
from gmac.registry import HealthResult

BLOCKS = "▁▂▃▄▅▆▇█"
STATE_STYLE = {"healthy": "green", "degraded": "yellow", "down": "red", "unknown": "dim"}
SPARK_WIDTH = 40


def sparkline(values: Sequence[float], width: int = SPARK_WIDTH) -> str:
    """Values as block characters, lowest to highest, resampled to at most `width`."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ""
    if len(finite) > width:
        size = len(finite) / width
        finite = [
            max(finite[int(i * size) : max(int((i + 1) * size), int(i * size) + 1)])
            for i in range(width)
        ]
    low, high = min(finite), max(finite)
    if high == low:
        return BLOCKS[0 if high == 0 else 3] * len(finite)
    scale = (len(BLOCKS) - 1) / (high - low)
    return "".join(BLOCKS[round((v - low) * scale)] for v in finite)


def number(value: float | None, unit: str) -> str:
    """`12.3 req/s`, `20.0%`, `45ms`, `118 MiB`, `0.012 cores`, `3`."""
    if value is None or not math.isfinite(value):
        return "no data"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "seconds":
        return f"{value * 1000:.0f}ms" if value < 1 else f"{value:.2f}s"
    if unit == "bytes":
        for suffix in ("B", "KiB", "MiB", "GiB", "TiB"):
            if abs(value) < 1024 or suffix == "TiB":
                return f"{value:.0f} {suffix}" if suffix == "B" else f"{value:.1f} {suffix}"
            value /= 1024
    if unit == "count":
        return f"{value:.0f}"
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def _when(stamp: str) -> str:
    return stamp[:19].replace("T", " ") if stamp else ""


# Status ---------------------------------------------------------------------------------------


def _replicas(state: ServiceState) -> str:
    replicas = state.replicas
    if not replicas.runs:
        return "-"
    if replicas.problem:
        return "unknown"
    return f"{replicas.ready}/{replicas.desired}"


def _apply(state: ServiceState) -> str:
    apply = state.last_apply
    if apply is None:
        return "never" if not state.registry_problem else "unknown"
    commit = f" {apply.git_commit[:8]}" if apply.git_commit else ""
    failed = "" if apply.outcome == "succeeded" else f" ({apply.outcome})"
    return f"{apply.actor} {_when(apply.finished_at)}{commit}{failed}"


def _drift(state: ServiceState) -> str:
    if state.drift is None:
        return "not checked"
    what = "none" if state.drift == 0 else f"{state.drift} changed"
    return f"{what} ({_when(state.drift_at)})"


def _integrations(state: ServiceState) -> str:
    parts = [
        f"{item} unchecked" if isinstance(item, str) else f"{item.target} {item.status}"
        for item in state.integrations
    ]
    return ", ".join(parts) or "-"


def _alerts(state: ServiceState) -> str:
    if state.alerts_problem and not state.alerts:
        return "unknown" if state.alerts_problem.startswith("unknown") else "not configured"
    names = [
        alert.name + ("" if alert.state == "active" else f" ({alert.state})")
        for alert in state.alerts
    ]
    return ", ".join(names) or "none"


def status_table(states: Sequence[ServiceState], console: Console) -> None:
    if not states:
        console.print("no services", markup=False)
        return
    table = Table(box=None, header_style="bold", pad_edge=False)
    columns = ("env", "service", "state", "replicas", "restarts", "image", "last apply")
    for column in (*columns, "drift", "integrations", "alerts"):
        table.add_column(column)
    for state in states:
        restarts = state.replicas.restarts
        table.add_row(
            state.environment,
            state.service,
            Text(state.state, style=STATE_STYLE.get(state.state, "")),
            _replicas(state),
            "-" if restarts is None else str(restarts),
            Text(state.replicas.image or "-"),
            Text(_apply(state)),
            _drift(state),
            Text(_integrations(state)),
            Text(_alerts(state)),
        )
    console.print(table)
    notes = [(s, reason) for s in states for reason in s.reasons]
    for state, reason in notes:
        console.print(f"  {state.environment}/{state.service}: {reason}", markup=False)


# Metrics --------------------------------------------------------------------------------------


def _series_name(series: MetricSeries) -> str:
    hidden = ("service", "namespace", "__name__")
    extra = {k: v for k, v in series.labels.items() if k not in hidden}
    if not extra or not series.name.startswith("custom:"):
        return series.title
    return series.title + "{" + ",".join(f"{k}={v}" for k, v in sorted(extra.items())) + "}"


def metrics_table(report: MetricsReport, console: Console, *, show_queries: bool) -> None:
    console.print(
        f"[bold]{report.service}[/] in {report.environment}: last {report.since_seconds}s, "
        f"step {report.step_seconds}s, rate window {report.window_seconds}s "
        f"({report.prometheus})",
        highlight=False,
    )
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("signal", "now", "range", "min", "max"):
        table.add_column(column)
    for series in report.series:
        values = [value for _, value in series.points]
        table.add_row(
            Text(_series_name(series)),
            number(series.current, series.unit),
            sparkline(values) or "-",
            number(min(values), series.unit) if values else "",
            number(max(values), series.unit) if values else "",
        )
    console.print(table)
    if show_queries:
        console.print("queries:", style="bold")
        for series in report.series:
            console.print(f"  {series.name}: {series.query}", markup=False)


# Logs -----------------------------------------------------------------------------------------


def log_lines(lines: Sequence[LogLine], console: Console) -> None:
    for line in lines:
        at = line.at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        pod = line.labels.get("pod", "")
        console.print(f"{at} {pod + ' ' if pod else ''}{line.line}", markup=False)


def logs_result(result: LogsResult, console: Console, *, show_query: bool) -> None:
    if show_query:
        console.print(f"{result.store} query: {result.query}", markup=False, style="dim")
    if not result.lines:
        console.print(f"no log lines for {result.service} in {result.environment}", markup=False)
        return
    log_lines(list(reversed(result.lines)), console)


# Health history -------------------------------------------------------------------------------


def _result(result: HealthResult) -> str:
    detail = f": {result.detail}" if result.detail else ""
    return f"{_when(result.checked_at)} {result.status}{detail}"


def health_history_table(histories: Sequence[IntegrationHistory], console: Console) -> None:
    if not histories:
        console.print("no integrations", markup=False)
        return
    for history in histories:
        line = "".join(
            "✓" if result.status == "ok" else "✗" for result in reversed(history.results)
        )
        console.print(
            f"[bold]{history.environment}/{history.integration}[/] {line or 'never checked'}"
        )
        for result in history.results[:5]:
            style = "green" if result.status == "ok" else "red"
            console.print(Text("  " + _result(result), style=style))
        if history.last_failure is not None:
            console.print(Text("  last failure: " + _result(history.last_failure)))
