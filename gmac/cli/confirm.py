"""Asking before a change: the plan on standard error, then a yes/no question on a terminal;
in scripts and CI, `--yes` or a refusal that says so."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from gmac.errors import UsageError
from gmac.render.console import err

if TYPE_CHECKING:
    from gmac.plan import Plan

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def confirmation(yes: bool, verb: str) -> Callable[[Plan], bool]:
    def confirm(plan: Plan) -> bool:
        from gmac.render.plan import render_diagnostics, render_table

        if yes:  # no table to read: what it would have warned of is still said
            render_diagnostics(plan, err)
            return True
        if not sys.stdin.isatty():
            raise UsageError(f"{verb} needs confirmation: run with --yes in scripts and CI")
        render_table(plan, err)
        return typer.confirm(f"{verb} these changes to '{plan.environment}'?", err=True)

    return confirm
