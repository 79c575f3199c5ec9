"""Alertmanager's API v2: the alerts firing now, and silences (`gmac alerts ack`).

    GET  /api/v2/alerts      the alerts, with their state (active, suppressed) and silences
    POST /api/v2/silences    a silence: matchers, start, end, who, why -> {"silenceID": ...}
    GET  /api/v2/silences    to show what silences an alert

The URL comes from `--alertmanager` or `GMAC_ALERTMANAGER_URL`; calls go through the shared
HTTP exchange (`http`: timeouts, retries), failures are `alertmanager: ...` IntegrationErrors.
Matchers and durations are written as amtool writes them (`severity=critical`, `2h`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from gmac.clients.http import Api, RetryPolicy, default_timeout
from gmac.errors import IntegrationError, UsageError

URL_VARIABLE = "GMAC_ALERTMANAGER_URL"
DEFAULT_URL = "http://127.0.0.1:9093"
_DURATION = re.compile(r"([0-9]+)([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_MATCHER = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(=~|!=|!~|=)(.*)$")


def parse_duration(text: str) -> timedelta:
    """`2h`, `30m`, `1h30m`, `1d`: a positive duration."""
    parts = _DURATION.findall(text.strip())
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise UsageError(f"--for: '{text}' is not a duration such as 30m, 2h or 1d")
    total = timedelta(seconds=sum(int(n) * _UNIT[u] for n, u in parts))
    if total <= timedelta(0):
        raise UsageError(f"--for: '{text}' must be longer than zero")
    return total


@dataclass(frozen=True)
class Matcher:
    name: str
    value: str
    is_regex: bool = False
    is_equal: bool = True

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """`severity=critical`, `service=~api|web`, `env!=local`."""
        match = _MATCHER.match(text.strip())
        if match is None:
            raise UsageError(f"'{text}' is not a matcher such as severity=critical")
        name, op, value = match.groups()
        return cls(name, value, is_regex="~" in op, is_equal=not op.startswith("!"))

    def to_api(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "isRegex": self.is_regex,
            "isEqual": self.is_equal,
        }

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        found = (
            re.fullmatch(self.value, value) is not None if self.is_regex else value == self.value
        )
        return found == self.is_equal

    def __str__(self) -> str:
        op = (
            ("=~" if self.is_regex else "=") if self.is_equal else ("!~" if self.is_regex else "!=")
        )
        return f"{self.name}{op}{self.value}"


@dataclass(frozen=True)
class Alert:
    name: str
    state: str  # active, suppressed, unprocessed
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str
    silenced_by: tuple[str, ...] = ()
    fingerprint: str = ""

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")

    @property
    def summary(self) -> str:
        return self.annotations.get("summary", "") or self.annotations.get("description", "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "severity": self.severity,
            "summary": self.summary,
            "labels": self.labels,
            "annotations": self.annotations,
            "starts_at": self.starts_at,
            "silenced_by": list(self.silenced_by),
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True)
class Silence:
    id: str
    matchers: tuple[Matcher, ...]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "matchers": [str(m) for m in self.matchers],
            "starts_at": self.starts_at.isoformat(timespec="seconds"),
            "ends_at": self.ends_at.isoformat(timespec="seconds"),
            "created_by": self.created_by,
            "comment": self.comment,
        }


def _when(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass(frozen=True)
class Alertmanager:
    url: str
    timeout: float = field(default_factory=default_timeout)
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_environment)
    api: Api = field(init=False, repr=False)

    def __post_init__(self) -> None:
        base = self.url.rstrip("/") + "/api/v2"
        api = Api("alertmanager", base, timeout=self.timeout, retry=self.retry)
        object.__setattr__(self, "api", api)

    def alerts(self, matchers: Sequence[Matcher] = (), *, silenced: bool = True) -> list[Alert]:
        """The alerts Alertmanager holds, newest first; silenced ones too unless told."""
        params = {"silenced": "true" if silenced else "false", "inhibited": "true"}
        found = self.api.request("GET", "/alerts", params=params) or []
        alerts = []
        for item in found:
            labels = {str(k): str(v) for k, v in (item.get("labels") or {}).items()}
            if not all(matcher.matches(labels) for matcher in matchers):
                continue
            status = item.get("status") or {}
            alerts.append(
                Alert(
                    name=labels.get("alertname", ""),
                    state=str(status.get("state", "")),
                    labels=labels,
                    annotations={
                        str(k): str(v) for k, v in (item.get("annotations") or {}).items()
                    },
                    starts_at=str(item.get("startsAt", "")),
                    silenced_by=tuple(str(s) for s in status.get("silencedBy") or ()),
                    fingerprint=str(item.get("fingerprint", "")),
                )
            )
        return sorted(alerts, key=lambda alert: (alert.starts_at, alert.name), reverse=True)

    def silence(
        self,
        matchers: Sequence[Matcher],
        duration: timedelta,
        *,
        created_by: str,
        comment: str,
        now: datetime | None = None,
    ) -> Silence:
        if not matchers:
            raise UsageError("a silence needs at least one matcher")
        start = now or datetime.now(UTC)
        end = start + duration
        body = {
            "matchers": [matcher.to_api() for matcher in matchers],
            "startsAt": _when(start),
            "endsAt": _when(end),
            "createdBy": created_by,
            "comment": comment,
        }
        answer = self.api.request("POST", "/silences", json=body)
        silence_id = str((answer or {}).get("silenceID", ""))
        if not silence_id:
            raise IntegrationError("alertmanager", "POST /silences: no silenceID in the answer")
        return Silence(silence_id, tuple(matchers), start, end, created_by, comment)

    def silences(self) -> list[dict[str, Any]]:
        return list(self.api.request("GET", "/silences") or [])
