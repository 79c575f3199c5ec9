"""Prometheus' HTTP API (v1): instant and range queries, on the shared HTTP path.

    GET /api/v1/query         ?query=EXPR&time=T            -> {"status": "success", "data":
    GET /api/v1/query_range   ?query=EXPR&start=&end=&step=      {"resultType": ..., "result"}}

A query the server refuses (`{"status": "error", "errorType": "bad_data", "error": ...}`) is
`prometheus: query failed: bad_data: ...`; an answer that is not the API's shape (a proxy's
HTML page, a log store at the wrong URL) says so instead of raising something obscure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import httpx

from gmac.clients.http import Api, RetryPolicy, default_timeout
from gmac.errors import IntegrationError

SERVICE = "prometheus"
QUERY_TIMEOUT = 15.0
# A dashboard-like read: one retry for a blip, then say what is wrong.
QUERY_RETRY = RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0)


@dataclass(frozen=True)
class Series:
    """One time series of an answer: its labels and (unix seconds, value) points."""

    labels: dict[str, str]
    points: tuple[tuple[float, float], ...]

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None


@dataclass(frozen=True)
class Prometheus:
    url: str
    timeout: float = field(default_factory=lambda: min(default_timeout(), QUERY_TIMEOUT))
    api: Api = field(init=False, repr=False)

    def __post_init__(self) -> None:
        base = self.url.rstrip("/") + "/api/v1"
        object.__setattr__(self, "api", Api(SERVICE, base, timeout=self.timeout, retry=QUERY_RETRY))

    def query(self, expr: str, at: float | None = None) -> list[Series]:
        """An instant query: one point per series."""
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self._series(self._get("/query", params))

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        params = {
            "query": expr,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{max(step, 1.0):g}",
        }
        return self._series(self._get("/query_range", params))

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        response = self.api.send("GET", path, params=params)
        body = _json(response)
        if isinstance(body, dict) and body.get("status") == "error":
            kind = str(body.get("errorType") or "error")
            message = str(body.get("error") or response.reason_phrase)[:300]
            raise IntegrationError(SERVICE, f"query failed: {kind}: {message}")
        self.api.check("GET", path, response)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or body.get("status") != "success":
            raise _garbage(path, response)
        return data

    @staticmethod
    def _series(data: dict[str, Any]) -> list[Series]:
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return [Series({}, (_point(result),))]
        if kind not in ("vector", "matrix") or not isinstance(result, list):
            raise IntegrationError(SERVICE, f"unexpected result type {kind!r}")
        found = []
        for item in result:
            if not isinstance(item, dict):
                raise IntegrationError(SERVICE, "a result that is not a series")
            labels = {str(k): str(v) for k, v in (item.get("metric") or {}).items()}
            raw = item.get("values") if kind == "matrix" else [item.get("value")]
            points = tuple(_point(value) for value in raw or [])
            found.append(Series(labels, tuple(p for p in points if math.isfinite(p[1]))))
        return found


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        if response.is_error:
            return None
        raise _garbage(str(response.request.url.path), response) from None


def _garbage(path: str, response: httpx.Response) -> IntegrationError:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return IntegrationError(
        SERVICE,
        f"GET {path}: the answer is not Prometheus' API ({response.status_code}, {kind}); "
        "check the URL",
    )


def _point(value: Any) -> tuple[float, float]:
    try:
        at, number = value
        return float(at), float(number)
    except (TypeError, ValueError):
        raise IntegrationError(SERVICE, f"a sample that is not [time, value]: {value!r}") from None
