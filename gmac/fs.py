"""Writing files so that a reader, or a second gmac writing at the same moment, never sees
half of one: the text goes to a file of this process's own beside the target, which then
replaces it in one rename, or, for a file that must be created only once, is linked into place
(`create_exclusively`)."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_atomically(path: Path, text: str, mode: int = 0o644) -> None:
    write_bytes_atomically(path, text.encode("utf-8"), mode)


def write_bytes_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name of this process's and thread's own: two threads (the web panel's) never share one.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tmp.chmod(mode)  # the umask may have taken bits off
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, text: str, mode: int = 0o644) -> None:
    """Write `text` unless the file holds it already (keeps its time stamp and inode)."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    write_atomically(path, text, mode)


def create_exclusively(path: Path, data: bytes, mode: int = 0o644) -> bool:
    """Create `path` holding `data` unless it exists already; whether this call created it.

    The data is written to a file of this call's own first and then linked into place, so
    that a reader never finds the file empty or half written, and of two writers exactly one
    wins (link() is atomic, on NFS too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.chmod(mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)
