"""Loki's HTTP API: log queries (LogQL) and its push API.

    GET  /loki/api/v1/query_range  ?query={namespace="gmac",service="api"} |~ "(?i)error"
                                   &start=NS&end=NS&limit=N&direction=backward
         -> {"status": "success", "data": {"resultType": "streams", "result": [
               {"stream": {labels}, "values": [["<unix ns>", "<line>"], ...]}]}}
    POST /loki/api/v1/push         {"streams": [{"stream": {labels}, "values": [[ns, line]]}]}

No real Loki runs in the tests (its licence is on this project's not-to-use list): the query
client is tested against answers shaped as Loki's API documentation gives them
(https://grafana.com/docs/loki/latest/reference/loki-http-api/). The push half is the API
VictoriaLogs accepts too, and is tested against a real VictoriaLogs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from gmac.clients.http import Api, RetryPolicy, default_timeout
from gmac.clients.logs import LogLine, LogQuery, Stream, grep_pattern, quoted, stream_selector
from gmac.errors import IntegrationError

SERVICE = "loki"
PUSH_PATH = "/loki/api/v1/push"
QUERY_TIMEOUT = 15.0
RETRY = RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0)


def logql(query: LogQuery) -> str:
    expr = stream_selector(query.selector)
    if query.grep:
        expr += f" |~ {quoted(grep_pattern(query.grep))}"
    return expr


def push_body(streams: Sequence[Stream]) -> dict[str, Any]:
    return {"streams": [stream.to_loki() for stream in streams]}


@dataclass(frozen=True)
class Loki:
    url: str
    kind: str = "loki"
    timeout: float = field(default_factory=lambda: min(default_timeout(), QUERY_TIMEOUT))
    api: Api = field(init=False, repr=False)

    def __post_init__(self) -> None:
        api = Api(SERVICE, self.url.rstrip("/"), timeout=self.timeout, retry=RETRY)
        object.__setattr__(self, "api", api)

    def describe(self, query: LogQuery) -> str:
        return logql(query)

    def query(self, query: LogQuery) -> list[LogLine]:
        params = {
            "query": logql(query),
            "start": str(query.start_ns),
            "end": str(query.end_ns),
            "limit": str(query.limit),
            "direction": "backward",
        }
        path = "/loki/api/v1/query_range"
        response = self.api.send("GET", path, params=params)
        if response.status_code == 400:  # Loki's parse errors are plain text
            text = response.text.strip().splitlines()[0][:300] if response.text.strip() else ""
            raise IntegrationError(SERVICE, f"query failed: {text or 'bad request'}", status=400)
        self.api.check("GET", path, response)
        return parse_streams(response)

    def push(self, streams: Sequence[Stream]) -> None:
        self.api.request("POST", PUSH_PATH, json=push_body(streams), idempotent=True)


def parse_streams(response: httpx.Response) -> list[LogLine]:
    """Loki's `streams` answer as lines, newest first."""
    try:
        body = response.json()
    except ValueError:
        raise _garbage(response) from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or body.get("status") != "success":
        raise _garbage(response)
    if data.get("resultType") != "streams" or not isinstance(data.get("result"), list):
        raise IntegrationError(SERVICE, f"unexpected result type {data.get('resultType')!r}")
    lines = []
    for item in data["result"]:
        if not isinstance(item, dict):
            raise _garbage(response)
        labels = {str(k): str(v) for k, v in (item.get("stream") or {}).items()}
        for value in item.get("values") or []:
            try:
                at, line = value[0], value[1]
                lines.append(LogLine(int(at), str(line), labels))
            except (TypeError, ValueError, IndexError):
                message = f"an entry that is not [ns, line]: {value!r}"
                raise IntegrationError(SERVICE, message) from None
    return sorted(lines, key=lambda line: line.at_ns, reverse=True)


def _garbage(response: httpx.Response) -> IntegrationError:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return IntegrationError(
        SERVICE,
        f"the answer is not Loki's query API ({response.status_code}, {kind}); check the URL",
    )
