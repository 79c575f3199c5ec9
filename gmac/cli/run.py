"""The one place where errors become messages and exit codes.

Every command body runs through `run_command`: a GmacError is printed as one message (a
JSON error object too, on stdout, for `--json`), anything else is a bug in gmac, reported as
such; `--debug` (GMAC_DEBUG=1) adds the traceback.
"""

from __future__ import annotations

import gc
import traceback
from collections.abc import Callable

import typer

from gmac.errors import GmacError, SpecError
from gmac.render.console import err, print_json

# `quick_exit`: the command ran holds nothing open (no thread, server, child, connection or
# file to write), so `main` may leave without the interpreter's teardown.
state = {"debug": False, "quick_exit": False}


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


def run_command(
    body: Callable[[], int | None], *, as_json: bool = False, quick_exit: bool = False
) -> None:
    """Run a command body: GmacError becomes a message and an exit code, never a traceback.

    `quick_exit` says the body leaves nothing to close: see `state`. The process then ends
    right after it, so no cycle it leaves needs collecting, and the cyclic collector stays
    off: the collection that would follow loading a large project costs more than the
    command's output (some 0.03 s at 1,000 services)."""
    state["quick_exit"] = quick_exit
    if quick_exit:
        gc.disable()
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
