"""A stack's lock as an object in the bucket of an S3 backend, reached through boto3.

The object sits beside the state, under the backend URL's prefix, and is reached with the
URL's own endpoint and options and the credentials Pulumi uses (AWS_ACCESS_KEY_ID and the
rest of the AWS SDKs' default chain). Pulumi 3.274 reads the URL through gocloud.dev's s3blob
(AWS SDK v2), first turning the v1-era options into v2 ones; this reads the same options:

    endpoint=HOST:PORT | URL    an S3-compatible server; without a scheme, https unless
                                disableSSL=true (v1) or disable_https=true (v2) says http
    s3ForcePathStyle=true       path-style addressing (use_path_style=true, the v2 name)
    region=R, profile=P         as the SDKs read them; anonymous=true sends no signature

Every change is one conditional request, which S3 (and SeaweedFS's gateway) applies
atomically: create is a put with `If-None-Match: *`, renewal and take-over are puts with
`If-Match: <ETag>`, release a delete with `If-Match`. The record's age is the object's
Last-Modified against the server's own Date, so no client clock is trusted.

boto3 is imported here only, and this module only for an s3:// backend: every other
command starts without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from gmac.engine.lock import Entry
from gmac.errors import LockStoreError

_TRUE = {"1", "t", "true", "yes", "on"}
# A conditional write that lost: the condition failed, or (AWS) another one was in flight.
_LOST = {"PreconditionFailed", "ConditionalRequestConflict", "NoSuchKey", "404", "412", "409"}


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or ending in "/"
    endpoint: str | None
    region: str | None
    path_style: bool
    profile: str | None
    anonymous: bool

    @classmethod
    def from_url(cls, url: str) -> S3Location:
        parts = urlsplit(url)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}

        def flag(*names: str) -> bool:
            return any(query.get(name, "").lower() in _TRUE for name in names)

        plain_http = flag("disableSSL", "disable_https")
        endpoint = query.get("endpoint") or None
        if endpoint is not None and "://" not in endpoint:
            endpoint = f"{'http' if plain_http else 'https'}://{endpoint}"
        elif endpoint is not None and flag("disable_https"):
            endpoint = "http://" + endpoint.split("://", 1)[1]
        prefix = parts.path.strip("/")
        return cls(
            bucket=parts.netloc,
            prefix=f"{prefix}/" if prefix else "",
            endpoint=endpoint,
            region=query.get("region") or None,
            path_style=flag("s3ForcePathStyle", "use_path_style"),
            profile=query.get("profile") or None,
            anonymous=flag("anonymous"),
        )

    def client(self) -> Any:
        # Here, not at the top (see the module's docstring); boto3 ships no type hints.
        import boto3  # type: ignore[import-untyped]  # noqa: PLC0415
        from botocore import UNSIGNED  # type: ignore[import-untyped]  # noqa: PLC0415
        from botocore.config import Config  # type: ignore[import-untyped]  # noqa: PLC0415

        options: dict[str, Any] = {"retries": {"max_attempts": 3, "mode": "standard"}}
        if self.path_style:
            options["s3"] = {"addressing_style": "path"}
        if self.anonymous:
            options["signature_version"] = UNSIGNED
        if self.endpoint is not None:
            # As Pulumi does for S3-compatible stores: no checksums they may not support.
            options["request_checksum_calculation"] = "when_required"
            options["response_checksum_validation"] = "when_required"
        session = boto3.session.Session(profile_name=self.profile)
        return session.client(
            "s3", endpoint_url=self.endpoint, region_name=self.region, config=Config(**options)
        )


def _code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3LockStore:
    def __init__(self, backend_url: str, name: str) -> None:
        self.location = S3Location.from_url(backend_url)
        self.key = self.location.prefix + name
        self.where = f"s3://{self.location.bucket}/{self.key}"
        self._client: Any = None

    def _s3(self) -> Any:
        if self._client is None:
            self._client = self.location.client()
        return self._client

    def _call(self, doing: str, method: str, **kwargs: Any) -> Any:
        """One request; None when it lost a condition; LockStoreError when it failed."""
        from botocore.exceptions import (  # type: ignore[import-untyped]  # noqa: PLC0415
            BotoCoreError,
            ClientError,
        )

        try:
            return getattr(self._s3(), method)(Bucket=self.location.bucket, Key=self.key, **kwargs)
        except ClientError as error:
            if _code(error) in _LOST:
                return None
            raise LockStoreError(f"cannot {doing} the lock {self.where}: {error}") from None
        except BotoCoreError as error:
            raise LockStoreError(f"cannot {doing} the lock {self.where}: {error}") from None

    def create(self, data: bytes) -> str | None:
        put = self._call("create", "put_object", Body=data, IfNoneMatch="*")
        return None if put is None else str(put["ETag"])

    def read(self) -> Entry | None:
        got = self._call("read", "get_object")
        if got is None:
            return None
        data = got["Body"].read()
        served = got["ResponseMetadata"].get("HTTPHeaders", {}).get("date")
        now = parsedate_to_datetime(served) if served else None
        age = (now - got["LastModified"]).total_seconds() if now is not None else 0.0
        return Entry(data, str(got["ETag"]), max(0.0, age))

    def renew(self, version: str, data: bytes) -> str | None:
        put = self._call("renew", "put_object", Body=data, IfMatch=version)
        return None if put is None else str(put["ETag"])

    def take_over(self, version: str, data: bytes) -> str | None:
        put = self._call("take over", "put_object", Body=data, IfMatch=version)
        return None if put is None else str(put["ETag"])

    def release(self, version: str) -> None:
        try:
            self._call("release", "delete_object", IfMatch=version)
        except LockStoreError:
            # A store without conditional deletes: delete it if it still is this run's.
            found = self.read()
            if found is not None and found.version == version:
                self._call("release", "delete_object")
