"""What every command shares: consoles, common options, and the one place errors are caught."""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from gmac.errors import GmacError, SpecError

# emoji=False: a spec value such as 'a:fire:b' must print as written, not as 'a🔥b'.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
state = {"debug": False}

SpecsOption = Annotated[
    Path, typer.Option("--specs", envvar="GMAC_SPECS", help="Folder of spec files.")
]
EnvOption = Annotated[
    str | None, typer.Option("--env", "-e", help="Environment (default: every environment).")
]
EnvRequired = Annotated[str, typer.Option("--env", "-e", help="Environment.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")


def _report(error: GmacError, *, as_json: bool) -> int:
    if as_json and isinstance(error, SpecError):
        problems = [vars(problem) for problem in error.problems]
        print_json({"valid": False, "problems": problems})
    elif isinstance(error, SpecError):
        for problem in error.problems:
            err.print(str(problem), markup=False)
        count = len(error.problems)
        err.print(f"{count} problem{'s' if count != 1 else ''} in the specs", style="bold red")
    else:
        err.print(f"error: {error}", style="red", markup=False)
        if as_json:
            # A machine reading stdout gets an answer too, not an empty document.
            print_json({"error": {"type": type(error).__name__, "message": str(error)}})
    return error.exit_code


def run_command(body: Callable[[], int | None], *, as_json: bool = False) -> None:
    """Run a command body: GmacError becomes a message and an exit code, never a traceback."""
    try:
        code = body() or 0
    except GmacError as error:
        if state["debug"]:
            traceback.print_exc()
        code = _report(error, as_json=as_json)
    except KeyboardInterrupt:
        err.print("interrupted", style="red")
        code = 130
    except Exception as error:
        if state["debug"]:
            traceback.print_exc()
        err.print(f"internal error: {type(error).__name__}: {error}", markup=False, style="red")
        err.print("This is a bug in gmac; run again with --debug to see where it happened.")
        code = 1
    raise typer.Exit(code)
