"""What an image build leaves for a person to follow: `.gmac/builds/<env>/<service>.log`.

The provider runs in the engine's plugin process, not in gmac's, so it reports through
files: the log holds the build's output as it comes, a line per stage starting with
`STAGE_PREFIX`, and when the build is over `<log>.json` holds its outcome (built, reused or
failed; the ref, digest and size, or the whole error). `gmac build` follows the log while
the engine runs and reads the outcome afterwards; after an apply both stay for reading.
Neither ever holds a credential: buildah gets those in an auth file, never in its output.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from gmac.fs import write_atomically

STAGE_PREFIX = "==> "


@dataclass(frozen=True)
class BuildOutcome:
    status: str  # built | reused | failed
    service: str
    image: str = ""
    tag: str = ""
    ref: str = ""
    digest: str = ""
    size: int = 0
    seconds: float = 0.0
    error: str = ""  # the whole message; what, hint and output are its parts
    cause: str = ""
    what: str = ""
    hint: str = ""
    output: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def outcome_path(log: Path) -> Path:
    return log.with_name(log.name + ".json")


def read_outcome(log: Path) -> BuildOutcome | None:
    try:
        data = json.loads(outcome_path(log).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    fields = BuildOutcome.__dataclass_fields__
    values = {k: v for k, v in data.items() if k in fields}
    values["output"] = tuple(values.get("output") or ())
    return BuildOutcome(**values)


class BuildLog:
    """The log of one build; with an empty path it writes nothing."""

    def __init__(self, path: str) -> None:
        self.path = Path(path) if path else None
        self.started = time.monotonic()
        self._handle: IO[str] | None = None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            outcome_path(self.path).unlink(missing_ok=True)
            self._handle = self.path.open("w", encoding="utf-8")

    def line(self, text: str) -> None:
        if self._handle is not None:
            self._handle.write(text + "\n")
            self._handle.flush()

    def stage(self, text: str) -> None:
        self.line(STAGE_PREFIX + text)

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 1)

    def finish(self, outcome: BuildOutcome) -> None:
        if self._handle is not None and self.path is not None:
            self._handle.close()
            self._handle = None
            write_atomically(outcome_path(self.path), json.dumps(outcome.to_dict(), indent=2))
