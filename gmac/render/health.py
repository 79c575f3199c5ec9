"""`gmac health` for people: one line per check, a mark, what it found."""

from __future__ import annotations

from rich.console import Console

from gmac.app.health import HealthReport


def health_report(report: HealthReport, console: Console) -> None:
    if report.offline:
        console.print(f"{report.environment}: integrations offline, nothing to check")
        return
    state = "[green]healthy[/]" if report.healthy else "[red]unhealthy[/]"
    console.print(f"[bold]{report.environment}[/]: {state}")
    for result in report.results:
        mark = "[green]✓[/]" if result.healthy else "[red]✗[/]"
        console.print(f"  {mark} {result.target:<12} {result.kind:<8} {result.check:<20} ", end="")
        console.print(result.detail, markup=False)
