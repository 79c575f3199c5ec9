"""The two consoles every command writes to, and JSON for machines.

`out` is standard output (results), `err` standard error (progress, notes, errors). In a
terminal they fit its width; piped or in a CI log there is no width to fit, so nothing is cut
or folded at 80 columns: a table keeps every value whole, one line per row.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

UNCUT_WIDTH = 100_000  # the width of a console that is not a terminal: wide enough for any row


def _console(*, stderr: bool) -> Console:
    # emoji=False: a spec value such as 'a:fire:b' must print as written, not as 'a🔥b'.
    console = Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)
    if not console.is_terminal:
        console.width = UNCUT_WIDTH
    return console


out = _console(stderr=False)
err = _console(stderr=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def line_console() -> Console:
    """`out` in a terminal; piped, a console that never wraps (one line per row: grep, diff)."""
    return out if out.is_terminal else Console(highlight=False, width=UNCUT_WIDTH, emoji=False)
