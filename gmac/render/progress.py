"""Progress of a long run on standard error: a line per resource step as it finishes, a line
per stage of a build, and the build's own output as it comes."""

from __future__ import annotations

from collections.abc import Callable

from rich.markup import escape

from gmac.engine.steps import StepRecord
from gmac.render.console import err

_MARKS = {"done": "[green]✓[/]", "failed": "[red]✗[/]"}


def step_lines() -> Callable[[StepRecord, str], None]:
    """A listener printing each finished step once (a component reports twice)."""
    shown: set[tuple[str, str, str]] = set()

    def show(step: StepRecord, phase: str) -> None:
        key = (step.urn, step.op, phase)
        if phase not in _MARKS or step.op == "same" or step.type == "pulumi:pulumi:Stack":
            return
        if key not in shown:
            shown.add(key)
            err.print(f"{_MARKS[phase]} {step.op} {step.type} [bold]{step.name}[/]", markup=True)

    return show


def line(text: str) -> None:
    err.print(text, markup=False)


def stage(text: str) -> None:
    """One stage of a long piece of work (an image build's step), as a progress line."""
    err.print(f"[cyan]▸[/] {escape(text)}", markup=True)


def output(text: str) -> None:
    """A line of a tool's own output (a build's), streamed as it comes, dimmed."""
    err.print(text, markup=False, style="dim")
