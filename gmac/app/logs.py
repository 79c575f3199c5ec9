"""`gmac logs SERVICE --env ENV`: a service's log lines from the project's log store.

The store is the project's `monitoring.logs.store` (victorialogs, or loki), at the
environment's `monitoring.logs` URL. A service's streams are those labelled with its
namespace and name, `{namespace="NS",service="NAME"}` (the labels to set in the log
shipper: docs/observe.md); `--grep TEXT` keeps the lines holding TEXT, in any case.

    search_logs(LogsRequest) -> LogsResult          newest first, at most `limit`
    follow_logs(LogsRequest) -> iterator of batches  oldest first, then each new line once
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gmac.app.observe import (
    READ_TIMEOUT,
    environment_spec,
    find_service,
    log_store_kind,
    logs_endpoint,
    parse_duration,
    selector,
)
from gmac.clients.logs import LogLine, LogQuery
from gmac.clients.loki import Loki
from gmac.clients.victorialogs import VictoriaLogs
from gmac.errors import UsageError

MAX_LIMIT = 5000
FOLLOW_INTERVAL = 2.0


@dataclass(frozen=True)
class LogsRequest:
    specs: Path
    service: str
    env: str
    since: str = "1h"
    grep: str | None = None
    limit: int = 100
    now: float | None = None  # Unix seconds; the current time when not given


@dataclass(frozen=True)
class LogsResult:
    service: str
    environment: str
    store: str
    url: str
    query: str
    lines: tuple[LogLine, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "environment": self.environment,
            "store": self.store,
            "query": self.query,
            "lines": [line.to_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class _Plan:
    service: str
    environment: str
    store: Loki | VictoriaLogs
    url: str
    query: LogQuery


def _plan(request: LogsRequest) -> _Plan:
    if not 1 <= request.limit <= MAX_LIMIT:
        raise UsageError(f"--limit: {request.limit} is not between 1 and {MAX_LIMIT}")
    if request.grep is not None and not request.grep.strip():
        raise UsageError("--grep: give some text to look for")
    spec = environment_spec(request.specs, request.env)
    service = find_service(spec, request.service)
    endpoint = logs_endpoint(spec)
    if not endpoint.url:
        raise UsageError(f"logs: {endpoint.why_not}, or GMAC_LOGS_URL")
    kind = log_store_kind(spec)
    store: Loki | VictoriaLogs = (
        Loki(endpoint.url, timeout=READ_TIMEOUT)
        if kind == "loki"
        else VictoriaLogs(endpoint.url, timeout=READ_TIMEOUT)
    )
    end = request.now if request.now is not None else time.time()
    since = parse_duration(request.since)
    query = LogQuery(
        selector(spec, service.name),
        start_ns=int((end - since) * 1e9),
        end_ns=int(end * 1e9) + 1,
        grep=request.grep,
        limit=request.limit,
    )
    return _Plan(service.name, spec.env, store, endpoint.url, query)


def search_logs(request: LogsRequest) -> LogsResult:
    plan = _plan(request)
    lines = plan.store.query(plan.query)
    return LogsResult(
        plan.service,
        plan.environment,
        plan.store.kind,
        plan.url,
        plan.store.describe(plan.query),
        tuple(lines),
    )


def follow_logs(
    request: LogsRequest,
    *,
    interval: float = FOLLOW_INTERVAL,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[list[LogLine]]:
    """The lines of `search_logs`, oldest first, then each new line as it arrives (polling
    every `interval`), until the caller stops iterating (Ctrl-C in the command)."""
    plan = _plan(request)
    query = plan.query
    seen: set[tuple[int, str]] = set()
    while True:
        lines = sorted(plan.store.query(query), key=lambda line: line.at_ns)
        fresh = [line for line in lines if (line.at_ns, line.line) not in seen]
        seen.update((line.at_ns, line.line) for line in fresh)
        yield fresh
        sleep(interval)
        newest = max((at for at, _ in seen), default=query.start_ns)
        query = LogQuery(
            query.selector, newest, int(time.time() * 1e9) + 1, query.grep, query.limit
        )
        # Lines at the newest instant are asked for again, and skipped when seen.
        seen = {(at, text) for at, text in seen if at >= newest}
