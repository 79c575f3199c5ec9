"""The two consoles every command writes to, and JSON for machines.

`out` is standard output (results), `err` standard error (progress, notes, errors).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

# emoji=False: a spec value such as 'a:fire:b' must print as written, not as 'a🔥b'.
out = Console(highlight=False, soft_wrap=True, emoji=False)
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def line_console() -> Console:
    """`out` in a terminal; piped, a console that never wraps (one line per row: grep, diff)."""
    return out if out.is_terminal else Console(highlight=False, width=100_000, emoji=False)
