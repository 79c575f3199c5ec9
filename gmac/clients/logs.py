"""What the two log-store clients share: a log line, a query, and the store's interface.

    LogQuery(selector={"namespace": ..., "service": ...}, start_ns, end_ns, grep, limit)
    LogStore.query(LogQuery) -> [LogLine]     newest first, at most `limit`
    LogStore.push(streams)                    Loki's push API, which both stores accept

`grep` is a substring of the line, matched case-insensitively; the stores get it as a
regular expression (RE2, which both use) with every special character escaped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")
_TIME = re.compile(
    r"(?P<base>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<fraction>\d+))?(?P<zone>Z|[+-]\d{2}:\d{2})"
)


@dataclass(frozen=True)
class LogLine:
    at_ns: int  # Unix nanoseconds
    line: str
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.at_ns / 1e9, UTC)

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(timespec="milliseconds"),
            "at_ns": self.at_ns,
            "line": self.line,
            "labels": dict(self.labels),
        }


@dataclass(frozen=True)
class LogQuery:
    selector: Mapping[str, str]
    start_ns: int
    end_ns: int
    grep: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class Stream:
    """One stream to push: its labels and (Unix nanoseconds, line) entries."""

    labels: Mapping[str, str]
    entries: Sequence[tuple[int, str]]

    def to_loki(self) -> dict[str, Any]:
        return {
            "stream": dict(self.labels),
            "values": [[str(at), line] for at, line in self.entries],
        }


class LogStore(Protocol):
    kind: str

    def query(self, query: LogQuery) -> list[LogLine]: ...

    def push(self, streams: Sequence[Stream]) -> None: ...


def grep_pattern(text: str) -> str:
    """A case-insensitive RE2 pattern matching `text` as a substring."""
    return "(?i)" + _RE2_SPECIAL.sub(r"\\\1", text)


def quoted(text: str) -> str:
    """A double-quoted string literal for LogQL, LogsQL and PromQL label values."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def stream_selector(selector: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{k}={quoted(v)}" for k, v in sorted(selector.items())) + "}"


def rfc3339_ns(text: str) -> int | None:
    """`2024-05-01T10:00:00.123456789Z` as Unix nanoseconds (None when it is not that)."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    zone = "+00:00" if match["zone"] == "Z" else match["zone"]
    base = datetime.fromisoformat(match["base"] + zone)
    fraction = (match["fraction"] or "").ljust(9, "0")[:9]
    return int(base.timestamp()) * 1_000_000_000 + int(fraction)


def rfc3339(ns: int) -> str:
    seconds, rest = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{rest:09d}Z"
