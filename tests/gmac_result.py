"""What a `gmac` subprocess did, printed whole enough to debug a failed assertion."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TAIL = 6000  # characters of each stream kept in a failure message


@dataclass
class Result:
    args: tuple[str, ...]
    code: int
    stdout: str
    stderr: str
    seconds: float

    def __str__(self) -> str:
        return (
            f"gmac {' '.join(self.args)} -> exit {self.code} in {self.seconds:.1f}s\n"
            f"--- stdout\n{self.stdout[-TAIL:]}\n--- stderr\n{self.stderr[-TAIL:]}"
        )

    def json(self) -> Any:
        return json.loads(self.stdout)
