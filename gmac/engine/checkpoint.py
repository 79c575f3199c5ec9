"""A file backend's checkpoint of one stack, and its repair after a run killed mid-write.

The backend writes `<stack>.json` after each step and keeps the previous version beside it
as `<stack>.json.bak`. Each has an `.attrs` file beside it (its content type and checksum),
which the backend rewrites in place, before it renames the new checkpoint into place. A run
killed mid-write can therefore leave one of two things behind:

- the checkpoint empty or cut short: the backup, at most one step older, is the state to go
  on from. Pulumi's providers then find that step's resource again (server-side apply, a
  rendered file rewritten, gmac's providers taking over what they made);
- the checkpoint whole, but its `.attrs` file empty or cut short, which the backend refuses
  to read ("failed to load checkpoint: EOF"). The checkpoint itself is then the state to go
  on from; the backend reads a checkpoint without an `.attrs` file as it reads any other.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Repair = Literal["backup restored", "attributes removed"]


def _readable(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


def _attributes(path: Path) -> Path:
    return path.with_name(path.name + ".attrs")


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

    def repair_needed(self) -> Repair | None:
        """What a run killed while saving the state left to repair, if anything."""
        if not self.path.exists():
            return None
        if not _readable(self.path):
            return "backup restored" if _readable(self.backup) else None
        attributes = _attributes(self.path)
        return "attributes removed" if attributes.exists() and not _readable(attributes) else None

    def damaged(self) -> bool:
        return self.repair_needed() is not None

    def restore(self) -> Repair | None:
        """Repair a checkpoint a killed run left unreadable; what was done, if anything.
        Only for a stack no process is writing: the caller holds the stack's lock."""
        repair = self.repair_needed()
        if repair == "backup restored":
            backup_attributes = _attributes(self.backup)
            if backup_attributes.exists() and _readable(backup_attributes):
                shutil.copyfile(backup_attributes, _attributes(self.path))
            else:
                _attributes(self.path).unlink(missing_ok=True)
            shutil.copyfile(self.backup, self.path)
        elif repair == "attributes removed":
            _attributes(self.path).unlink()
        return repair
