"""A file backend's checkpoint of one stack, and its repair after a run killed mid-write.

The backend writes `<stack>.json` after each step and keeps the previous version beside it
as `<stack>.json.bak` (each with an `.attrs` file holding its checksum). A run killed while
writing leaves the checkpoint empty or cut short: the backup, at most one step older, is the
state to go on from. Pulumi's providers then find that step's resource again (server-side
apply, a rendered file rewritten, gmac's providers taking over what they made).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path


def _readable(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Checkpoint:
    state_dir: Path
    project: str
    stack: str

    @property
    def path(self) -> Path:
        return self.state_dir / ".pulumi" / "stacks" / self.project / f"{self.stack}.json"

    @property
    def backup(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def damaged(self) -> bool:
        """The checkpoint exists but cannot be read, and its backup can."""
        return self.path.exists() and not _readable(self.path) and _readable(self.backup)

    def restore(self) -> bool:
        """Put the backup back in place of a damaged checkpoint; whether anything was done.
        Only for a stack no process is writing: the caller holds the stack's lock."""
        if not self.damaged():
            return False
        attrs = self.backup.with_name(self.backup.name + ".attrs")
        if attrs.exists():
            shutil.copyfile(attrs, self.path.with_name(self.path.name + ".attrs"))
        shutil.copyfile(self.backup, self.path)
        return True
