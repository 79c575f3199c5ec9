"""Where a stack's no-change record lives, beside its state, and the state's version.

A plan that found no changes, or an apply that succeeded, leaves a record of what it saw, so
that the next plan that would see the same answers without the engine (what "the same" means
is gmac.app.operations.no_change's to decide; this module only keeps the bytes). It lives
with the state, so whoever shares the state shares the record, within what a Pulumi
backend's own layout allows:

    file://DIR       DIR/.gmac-plans/<project>/<stack>.json, written whole to a file of its
                     own and renamed into place; the state's version is the digest of the
                     checkpoint, DIR/.pulumi/stacks/<project>/<stack>.json (or .json.gz)
    s3://BUCKET/P    the object P/.gmac-plans/<project>/<stack>.json, one PUT (S3 replaces an
                     object whole); the state's version is the checkpoint object's ETag,
                     which a new checkpoint changes
    anything else    no record: Pulumi Cloud and the other backends keep the checkpoint
                     behind an API of their own, so every plan there runs the engine

The folder is beside `.pulumi/`, not in it: the backend reads every `*.json` under
`.pulumi/stacks/<project>/` as a stack.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol

from gmac.errors import EngineError
from gmac.fs import write_atomically

RECORDS_DIR = ".gmac-plans"
_CHECKPOINT_SUFFIXES = (".json", ".json.gz")


class RecordStore(Protocol):
    where: str  # for messages: a path or an s3:// URL

    def state_version(self) -> str:
        """What identifies the stack's checkpoint as it is now; "" when there is none."""

    def read(self) -> str | None:
        """The record, or None when there is none."""

    def write(self, text: str) -> None:
        """Replace the record, atomically."""


def record_store(backend_url: str, project: str, stack: str) -> RecordStore | None:
    """The store of one stack's record, or None for a backend that cannot keep one."""
    name = f"{RECORDS_DIR}/{project}/{stack}.json"
    checkpoint = f".pulumi/stacks/{project}/{stack}"
    if backend_url.startswith("file://"):
        state = Path(backend_url.removeprefix("file://").split("?", 1)[0])
        return FileRecordStore(state / name, state / checkpoint)
    if backend_url.startswith("s3://"):
        return S3RecordStore(backend_url, name, checkpoint)
    return None


class FileRecordStore:
    def __init__(self, path: Path, checkpoint: Path) -> None:
        self.path = path
        self.checkpoint = checkpoint
        self.where = str(path)

    def state_version(self) -> str:
        for suffix in _CHECKPOINT_SUFFIXES:
            try:
                with self.checkpoint.with_name(self.checkpoint.name + suffix).open("rb") as file:
                    return f"sha256:{hashlib.file_digest(file, 'sha256').hexdigest()}"
            except FileNotFoundError:
                continue
            except OSError as error:
                raise EngineError(f"cannot read the state {self.checkpoint}: {error}") from None
        return ""

    def read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            raise EngineError(f"cannot read the plan record {self.path}: {error}") from None

    def write(self, text: str) -> None:
        try:
            write_atomically(self.path, text)
        except OSError as error:
            raise EngineError(f"cannot write the plan record {self.path}: {error}") from None


class S3RecordStore:
    """In the state's bucket, through the same location and client as the stack's lock
    (gmac.engine.lock_s3); boto3 is imported only for an s3:// backend."""

    def __init__(self, backend_url: str, name: str, checkpoint: str) -> None:
        from gmac.engine.lock_s3 import S3Location  # noqa: PLC0415 (boto3 only when used)

        self.location = S3Location.from_url(backend_url)
        self.key = self.location.prefix + name
        self.checkpoint = self.location.prefix + checkpoint
        self.where = f"s3://{self.location.bucket}/{self.key}"
        self._client: Any = None

    def _s3(self) -> Any:
        if self._client is None:
            self._client = self.location.client()
        return self._client

    def _call(self, doing: str, method: str, key: str, **kwargs: Any) -> Any:
        """One request; None when the object does not exist."""
        from botocore.exceptions import (  # type: ignore[import-untyped]  # noqa: PLC0415
            BotoCoreError,
            ClientError,
        )

        where = f"s3://{self.location.bucket}/{key}"
        try:
            return getattr(self._s3(), method)(Bucket=self.location.bucket, Key=key, **kwargs)
        except ClientError as error:
            code = str((getattr(error, "response", None) or {}).get("Error", {}).get("Code"))
            if code in {"NoSuchKey", "404", "NotFound"}:
                return None
            raise EngineError(f"cannot {doing} {where}: {error}") from None
        except BotoCoreError as error:
            raise EngineError(f"cannot {doing} {where}: {error}") from None

    def state_version(self) -> str:
        for suffix in _CHECKPOINT_SUFFIXES:
            found = self._call("read", "head_object", self.checkpoint + suffix)
            if found is not None:
                return f"etag:{found['ETag']}"
        return ""

    def read(self) -> str | None:
        found = self._call("read", "get_object", self.key)
        return None if found is None else bytes(found["Body"].read()).decode("utf-8", "replace")

    def write(self, text: str) -> None:
        self._call("write", "put_object", self.key, Body=text.encode("utf-8"))
