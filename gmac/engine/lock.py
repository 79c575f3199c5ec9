"""gmac's own lock on a stack, held for a whole apply, refresh or destroy.

Pulumi locks a stack only while one CLI command runs, so between gmac's preview and its
update another apply could slip in, and a second apply would only fail once the first
reached its update. This lock is taken before anything else and held until the command
ends. It is an `flock`, which the kernel releases when the process dies: a killed run never
leaves it behind. The file holds who took it, for the message the next run prints.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gmac.errors import LockHeldError


@dataclass(frozen=True)
class LockHolder:
    user: str
    host: str
    pid: int
    started: str = ""
    command: str = ""

    @property
    def alive(self) -> bool:
        if self.host != socket.gethostname():
            return True  # cannot tell from here: assume the other machine is still at work
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def __str__(self) -> str:
        since = f" since {self.started[:19].replace('T', ' ')} UTC" if self.started else ""
        return f"{self.user}@{self.host} (pid {self.pid}){since}"


def read_holder(path: Path) -> LockHolder | None:
    """The holder written in a lock file (gmac's or Pulumi's: they share the fields)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return LockHolder(
            user=str(data.get("username", "?")),
            host=str(data.get("hostname", "?")),
            pid=int(data.get("pid", 0)),
            started=str(data.get("timestamp", "")),
            command=str(data.get("command", "")),
        )
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def _holder_record(command: str) -> str:
    return json.dumps(
        {
            "pid": os.getpid(),
            "username": getpass.getuser(),
            "hostname": socket.gethostname(),
            "timestamp": datetime.now(UTC).isoformat(),
            "command": command,
        }
    )


@contextmanager
def stack_lock(path: Path, env: str, command: str) -> Iterator[None]:
    """Hold the lock at `path` for the block, or fail at once naming who holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeldError(_held_message(path, env)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, _holder_record(command).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _held_message(path: Path, env: str) -> str:
    holder = read_holder(path)
    who = str(holder) if holder else "another gmac process"
    what = f"`gmac {holder.command}`" if holder and holder.command else "another gmac command"
    return (
        f"stack '{env}' is locked by {who}: {what} is running on it. "
        "Wait for it to finish, then try again."
    )
