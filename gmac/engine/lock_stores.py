"""Where a stack's lock lives, for each backend, and the file store.

    file://DIR       DIR/.gmac-locks/<project>/<stack>.json, beside the state; atomic on a
                     folder that several hosts share (link() and rename() are, on NFS too)
    s3://BUCKET/P    the object P/.gmac-locks/<project>/<stack>.json in the state's bucket,
                     with the backend URL's endpoint and credentials (gmac.engine.lock_s3)
    anything else    (Pulumi Cloud, https://, gs://, azblob://, postgres://) the project's
                     .gmac/locks/: this checkout only. Pulumi Cloud locks each update itself;
                     the gap between gmac's preview and its update is guarded here only.

The file store keeps a record as it was created: a renewal dates it anew (its mtime), and a
record's version is its digest with that mtime, so a compare-and-swap sees a renewal too.
A swap first renames the record to a name of this run's own (one atomic step: of two runs,
one moves it), then checks that what it moved is what it judged; a record it should not
have moved is put back with link(), which never replaces a newer one.
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from pathlib import Path

from gmac.engine.lock import Entry, LockStore
from gmac.engine.settings import STATE_DIR
from gmac.errors import LockStoreError
from gmac.fs import create_exclusively

LOCKS_DIR = ".gmac-locks"
LOCAL_LOCKS_DIR = "locks"


def lock_store(backend_url: str, root: Path, project: str, stack: str) -> LockStore:
    """The store of one stack's lock for the backend at `backend_url`."""
    name = f"{LOCKS_DIR}/{project}/{stack}.json"
    if backend_url.startswith("file://"):
        state = Path(backend_url.removeprefix("file://").split("?", 1)[0])
        return FileLockStore(state / name)
    if backend_url.startswith("s3://"):
        from gmac.engine.lock_s3 import S3LockStore  # noqa: PLC0415 (boto3 only when used)

        return S3LockStore(backend_url, name)
    return FileLockStore(root / STATE_DIR / LOCAL_LOCKS_DIR / project / f"{stack}.json")


def _version(data: bytes, mtime_ns: int) -> str:
    return f"{hashlib.sha256(data).hexdigest()}:{mtime_ns}"


def _same_record(version: str, other: str) -> bool:
    return version.split(":", 1)[0] == other.split(":", 1)[0]


class FileLockStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = str(path)

    def _fail(self, doing: str, error: OSError) -> LockStoreError:
        return LockStoreError(f"cannot {doing} the lock {self.path}: {error.strerror or error}")

    def _read_at(self, path: Path) -> Entry | None:
        try:
            with path.open("rb") as handle:
                stat = os.fstat(handle.fileno())
                data = handle.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._fail("read", error) from None
        age = max(0.0, time.time() - stat.st_mtime)
        return Entry(data, _version(data, stat.st_mtime_ns), age)

    def create(self, data: bytes) -> str | None:
        try:
            if not create_exclusively(self.path, data):
                return None
        except OSError as error:
            raise self._fail("create", error) from None
        entry = self._read_at(self.path)
        return entry.version if entry is not None else None

    def read(self) -> Entry | None:
        return self._read_at(self.path)

    def renew(self, version: str, data: bytes) -> str | None:
        try:
            with self.path.open("rb") as handle:
                found = handle.read()
                if not _same_record(version, _version(found, 0)):
                    return None
                os.utime(handle.fileno())
                return _version(found, os.fstat(handle.fileno()).st_mtime_ns)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._fail("renew", error) from None

    def _claim(self) -> tuple[Path, Entry] | None:
        """Move the record to a name of this run's own; it and what it held, or None."""
        claim = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.claim")
        try:
            self.path.rename(claim)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._fail("move", error) from None
        entry = self._read_at(claim)
        if entry is None:
            return None
        return claim, entry

    def _put_back(self, claim: Path) -> None:
        try:
            os.link(claim, self.path)
        except FileExistsError:
            pass  # a newer record took the place: its holder is the one that counts now
        finally:
            claim.unlink(missing_ok=True)

    def take_over(self, version: str, data: bytes) -> str | None:
        claimed = self._claim()
        if claimed is None:
            return self.create(data)  # removed meanwhile: an ordinary create
        claim, entry = claimed
        if entry.version != version:  # renewed or replaced since it was judged
            self._put_back(claim)
            return None
        claim.unlink(missing_ok=True)
        return self.create(data)

    def release(self, version: str) -> None:
        claimed = self._claim()
        if claimed is None:
            return
        claim, entry = claimed
        if _same_record(entry.version, version):
            claim.unlink(missing_ok=True)
        else:
            self._put_back(claim)
