"""VictoriaLogs' HTTP API: LogsQL queries, and the Loki push API it accepts.

    GET  /select/logsql/query  ?query={namespace="gmac",service="api"} _msg:~"(?i)error"
                               &start=RFC3339&end=RFC3339&limit=N
         -> JSON lines: {"_time": "...Z", "_stream": "{...}", "_msg": "...", field: value}
    POST /insert/loki/api/v1/push   Loki's JSON push body

With `limit=N` VictoriaLogs answers the N newest matching entries. A log line shipped as
JSON and parsed into fields at ingestion has no `_msg` unless the shipper names one; such an
entry is shown as its fields, and `--grep` (which searches `_msg`) does not see it: ship
with `?disable_message_parsing=1` or `_msg_field=msg` (docs/observe.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from gmac.clients.http import Api, RetryPolicy, default_timeout
from gmac.clients.logs import (
    LogLine,
    LogQuery,
    Stream,
    grep_pattern,
    quoted,
    rfc3339,
    rfc3339_ns,
    stream_selector,
)
from gmac.errors import IntegrationError

SERVICE = "victorialogs"
PUSH_PATH = "/insert/loki/api/v1/push"
QUERY_TIMEOUT = 15.0
RETRY = RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0)


def logsql(query: LogQuery) -> str:
    expr = stream_selector(query.selector)
    if query.grep:
        expr += f" _msg:~{quoted(grep_pattern(query.grep))}"
    return expr


@dataclass(frozen=True)
class VictoriaLogs:
    url: str
    kind: str = "victorialogs"
    timeout: float = field(default_factory=lambda: min(default_timeout(), QUERY_TIMEOUT))
    api: Api = field(init=False, repr=False)

    def __post_init__(self) -> None:
        api = Api(SERVICE, self.url.rstrip("/"), timeout=self.timeout, retry=RETRY)
        object.__setattr__(self, "api", api)

    def describe(self, query: LogQuery) -> str:
        return logsql(query)

    def query(self, query: LogQuery) -> list[LogLine]:
        params = {
            "query": logsql(query),
            "start": rfc3339(query.start_ns),
            "end": rfc3339(query.end_ns),
            "limit": str(query.limit),
        }
        path = "/select/logsql/query"
        response = self.api.send("GET", path, params=params)
        if response.status_code == 400:
            text = response.text.strip().splitlines()[0][:300] if response.text.strip() else ""
            raise IntegrationError(SERVICE, f"query failed: {text or 'bad request'}", status=400)
        self.api.check("GET", path, response)
        return parse_json_lines(response)

    def push(self, streams: Sequence[Stream], *, parse_json: bool = False) -> None:
        """Loki's push API; each line kept whole as `_msg` unless `parse_json`."""
        path = PUSH_PATH if parse_json else f"{PUSH_PATH}?disable_message_parsing=1"
        body = {"streams": [stream.to_loki() for stream in streams]}
        self.api.request("POST", path, json=body, idempotent=True)


def _entry(text: str, response: httpx.Response) -> LogLine:
    try:
        item: Any = json.loads(text)
    except ValueError:
        raise _garbage(response) from None
    at = rfc3339_ns(str(item.get("_time", ""))) if isinstance(item, dict) else None
    if at is None:
        raise _garbage(response)
    labels = {str(k): str(v) for k, v in item.items() if not str(k).startswith("_")}
    line = item.get("_msg")
    if not isinstance(line, str) or not line:
        line = json.dumps(labels, sort_keys=True)
    return LogLine(at, line, labels)


def parse_json_lines(response: httpx.Response) -> list[LogLine]:
    """VictoriaLogs' JSON lines as log lines, newest first."""
    lines = [_entry(text, response) for text in response.text.splitlines() if text.strip()]
    return sorted(lines, key=lambda line: line.at_ns, reverse=True)


def _garbage(response: httpx.Response) -> IntegrationError:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return IntegrationError(
        SERVICE,
        f"the answer is not VictoriaLogs' query API ({response.status_code}, {kind}); "
        "check the URL",
    )
