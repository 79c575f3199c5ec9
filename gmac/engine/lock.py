"""gmac's own lock on a stack, held where the state is, for a whole apply, refresh or destroy.

Pulumi locks a stack only while one CLI command runs, so between gmac's preview and its
update another apply could slip in, and a second apply would only fail once the first
reached its update. This lock is taken before anything else and held until the command ends.

Decisions worth knowing:
- It lives beside the state (gmac.engine.lock_stores): a file in a file backend's folder, an
  object in an S3 backend's bucket, so that every machine sharing the state sees it. It is
  created atomically (a file linked into place, an S3 put with `If-None-Match: *`): of two
  runs, on one host or two, exactly one gets it.
- The record says who holds it (user, host, pid, command, since when) for the message the
  next run prints, and carries a token that no other run's record has.
- A killed run cannot remove its lock, so a lock is taken over once it is stale: when its
  holder is on this host (same host name, boot and pid namespace) and its process is gone,
  at once; wherever it is, once its lease lapsed. While a run lasts, a thread renews the
  lease every quarter of it; the store's own clock dates each renewal (a file's mtime, an
  object's Last-Modified against the server's Date), and the record names its lease, so
  that the judge uses the holder's. `gmac unlock` also breaks a lock held from another
  host, whose process cannot be checked from here.
- Taking over is a compare-and-swap on the stale record: of two runs taking over the same
  stale lock, one gets it. A run whose renewal finds its record replaced (a lapsed lease,
  `gmac unlock` from another host) has lost the lock: it stops its engine command cleanly
  and fails with LockLostError.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Protocol

from gmac.errors import LockHeldError, LockLostError, LockStoreError

LEASE_SECONDS = 60.0
LEASE_VARIABLE = "GMAC_LOCK_LEASE_SECONDS"
TAKE_OVER_ATTEMPTS = 5


@cache
def this_host_id() -> str:
    """This kernel's boot and pid namespace: a pid means the same process only within both
    (two containers may share a host name)."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = Path("/proc/self/ns/pid").stat().st_ino
    except OSError:
        return ""
    return f"{boot}/{namespace}"


@dataclass(frozen=True)
class LockHolder:
    user: str
    host: str
    pid: int
    started: str = ""
    command: str = ""
    host_id: str = ""  # gmac's records only (see this_host_id)
    token: str = ""
    lease: float = 0.0  # seconds; 0 in Pulumi's records, which have none

    @property
    def on_this_host(self) -> bool:
        if self.host != socket.gethostname():
            return False
        return not self.host_id or self.host_id == this_host_id()

    @property
    def alive(self) -> bool:
        if not self.on_this_host:
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


def parse_holder(data: bytes) -> LockHolder | None:
    """The holder in a lock record (gmac's or Pulumi's: they share the fields)."""
    try:
        record = json.loads(data)
        return LockHolder(
            user=str(record.get("username", "?")),
            host=str(record.get("hostname", "?")),
            pid=int(record.get("pid", 0)),
            started=str(record.get("timestamp", "")),
            command=str(record.get("command", "")),
            host_id=str(record.get("host_id", "")),
            token=str(record.get("token", "")),
            lease=float(record.get("lease", 0)),
        )
    except (ValueError, TypeError, AttributeError):
        return None


def read_holder(path: Path) -> LockHolder | None:
    """The holder written in a lock file."""
    try:
        return parse_holder(path.read_bytes())
    except OSError:
        return None


def lease_seconds() -> float:
    """The lease a run renews: $GMAC_LOCK_LEASE_SECONDS, else LEASE_SECONDS."""
    try:
        value = float(os.environ.get(LEASE_VARIABLE) or LEASE_SECONDS)
    except ValueError:
        return LEASE_SECONDS
    return value if value > 0 else LEASE_SECONDS


@dataclass(frozen=True)
class Entry:
    """A lock record as a store found it."""

    data: bytes
    version: str  # what a compare-and-swap compares: an ETag, a file's digest and mtime
    age: float  # seconds since it was created or last renewed, by the store's clock


class LockStore(Protocol):
    """Where one stack's lock lives. Every change is atomic; None means "someone else's"."""

    where: str  # for messages: a path or an s3:// URL

    def create(self, data: bytes) -> str | None:
        """Create the record unless one exists; its version, or None."""

    def read(self) -> Entry | None:
        """The record, or None when there is none."""

    def renew(self, version: str, data: bytes) -> str | None:
        """Date the record anew if it is still `version`; its new version, or None."""

    def take_over(self, version: str, data: bytes) -> str | None:
        """Replace the record with `data` if it is still `version`; the new version, or None."""

    def release(self, version: str) -> None:
        """Remove the record if it is still `version`."""


def _record(command: str, token: str, lease: float) -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "username": getpass.getuser(),
        "hostname": socket.gethostname(),
        "timestamp": datetime.now(UTC).isoformat(),
        "command": command,
        "host_id": this_host_id(),
        "token": token,
        "lease": lease,
    }


def _encode(record: dict[str, object], renewal: int = 0) -> bytes:
    """The record as stored; each renewal's differs (an S3 ETag is the content's digest)."""
    if renewal:
        record = {**record, "renewal": renewal, "renewed": datetime.now(UTC).isoformat()}
    return json.dumps(record).encode()


def stale_reason(entry: Entry, holder: LockHolder | None, lease: float) -> str | None:
    """Why the lock in `entry` may be taken over, or None while its holder may be at work."""
    allowed = holder.lease if holder is not None and holder.lease > 0 else lease
    if holder is not None and holder.on_this_host and not holder.alive:
        return f"its process (pid {holder.pid}) is gone from this host"
    if entry.age > allowed:
        return f"its lease was last renewed {entry.age:.0f}s ago (lease: {allowed:.0f}s)"
    return None


def _held_message(env: str, holder: LockHolder | None, entry: Entry, lease: float) -> str:
    who = str(holder) if holder else "another gmac process"
    what = f"`gmac {holder.command}`" if holder and holder.command else "another gmac command"
    if holder is None or holder.on_this_host:
        how = "its process is alive on this host"
        then = "Wait for it to finish, then try again."
    else:
        allowed = holder.lease if holder.lease > 0 else lease
        how = (
            f"it runs on another host, and took or renewed its lease {entry.age:.0f}s ago; "
            f"the lock is taken over once {allowed:.0f}s pass without a renewal"
        )
        then = (
            "Wait for it to finish, then try again; if that run is gone, "
            f"`gmac unlock --env {env}` releases its lock now."
        )
    return f"stack '{env}' is locked by {who}: {what} is running on it ({how}). {then}"


def _acquire(store: LockStore, env: str, data: bytes, lease: float, break_other_hosts: bool) -> str:
    for _ in range(TAKE_OVER_ATTEMPTS):
        version = store.create(data)
        if version is not None:
            return version
        entry = store.read()
        if entry is None:
            continue  # released meanwhile: create again
        holder = parse_holder(entry.data)
        stale = stale_reason(entry, holder, lease)
        forced = break_other_hosts and holder is not None and not holder.on_this_host
        if stale is None and not forced:
            raise LockHeldError(_held_message(env, holder, entry, lease))
        version = store.take_over(entry.version, data)
        if version is not None:
            return version
    raise LockHeldError(
        f"stack '{env}' is locked: its lock at {store.where} changed hands "
        f"{TAKE_OVER_ATTEMPTS} times while this run tried to take it. Try again."
    )


class _Heartbeat(threading.Thread):
    """Renews the lease every quarter of it until stopped; notes when the lock is lost."""

    def __init__(
        self,
        store: LockStore,
        version: str,
        record: dict[str, object],
        lease: float,
        on_lost: Callable[[], object] | None,
    ) -> None:
        super().__init__(name="gmac-lock-heartbeat", daemon=True)
        self.store, self.version, self.record, self.lease = store, version, record, lease
        self.on_lost = on_lost
        self.lost = ""  # why, once lost
        self._stopped = threading.Event()

    def run(self) -> None:
        renewed, renewal = time.monotonic(), 0
        while not self._stopped.wait(self.lease / 4):
            renewal += 1
            try:
                version = self.store.renew(self.version, _encode(self.record, renewal))
            except LockStoreError as error:
                if time.monotonic() - renewed < self.lease:
                    continue  # try again; others may take it over only once the lease lapsed
                version, self.lost = None, f"its lease could not be renewed: {error}"
            if version is None:
                self.lost = self.lost or "another run replaced its record"
                if self.on_lost is not None:
                    self.on_lost()
                return
            self.version, renewed = version, time.monotonic()

    def stop(self) -> None:
        self._stopped.set()
        self.join()

    def release(self) -> None:
        """Remove the record, unless the lock was lost; a store that fails now leaves it to
        lapse (the pid check, the lease) rather than fail a command that did its work."""
        if not self.lost:
            with contextlib.suppress(LockStoreError):
                self.store.release(self.version)


@contextmanager
def stack_lock(
    store: LockStore,
    env: str,
    command: str,
    *,
    lease: float = LEASE_SECONDS,
    on_lost: Callable[[], object] | None = None,
    break_other_hosts: bool = False,
) -> Iterator[None]:
    """Hold the stack's lock in `store` for the block, or fail at once naming who holds it.

    `on_lost` is called (from the heartbeat's thread) when the lock is taken from this run;
    the block then ends in LockLostError. `break_other_hosts` takes a lock held from another
    host even before its lease lapsed (`gmac unlock`)."""
    record = _record(command, uuid.uuid4().hex, lease)
    version = _acquire(store, env, _encode(record), lease, break_other_hosts)
    heartbeat = _Heartbeat(store, version, record, lease, on_lost)
    heartbeat.start()
    try:
        yield
    except BaseException as error:
        heartbeat.stop()
        heartbeat.release()
        if heartbeat.lost:
            raise _lost(env, store, heartbeat.lost) from error
        raise
    heartbeat.stop()
    heartbeat.release()
    if heartbeat.lost:
        raise _lost(env, store, heartbeat.lost)


def _lost(env: str, store: LockStore, why: str) -> LockLostError:
    return LockLostError(
        f"stack '{env}': this run lost its lock at {store.where} ({why}), so the engine was "
        "stopped after the steps in flight; run the command again once the other run is done"
    )
