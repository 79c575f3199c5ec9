"""`gmac metrics SERVICE --env ENV`: a service's golden signals from Prometheus' HTTP API.

The PromQL is built from the labels gmac compiles: every series a service's pods export
carries `namespace` (the ServiceMonitor's target label) and `service` (the Service's name,
and the constant label the templates' code adds). With S = {namespace="NS",service="NAME"}:

    signal      for             PromQL (W: the rate window, R: --since)
    requests    HTTP services   sum(rate(http_requests_total{S}[W]))
    errors      HTTP services   (sum(rate(http_requests_total{S,code=~"5.."}[W])) or vector(0))
                                / sum(rate(http_requests_total{S}[W]))
    p95         HTTP services   histogram_quantile(0.95, sum by (le)
                                (rate(http_request_duration_seconds_bucket{S}[W])))
    cpu         every workload  sum(rate(process_cpu_seconds_total{S}[W]))
    memory      every workload  sum(process_resident_memory_bytes{S})
    restarts    every workload  sum(changes(process_start_time_seconds{S}[W])); now: over R
    up          every workload  sum(up{S}) targets up, of count(up{S})
    custom      metrics.custom  NAME{service="NAME"}, the recording rule gmac compiles; while
                                Prometheus has recorded none (a rule not applied yet), the
                                metric's own expression

An HTTP service is one with a `port` (the go-api and nextjs-web templates emit the request
metrics). A range query covers `--since` in about 60 steps (at least 5s each); W is twice the
step and at least one minute, so that a rate always spans several scrapes. The number shown
is the series' last point. A PromQL error or an unreachable Prometheus is an error: the
command fails with Prometheus' own words; a signal without data is shown as such.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from gmac.app.observe import (
    READ_TIMEOUT,
    environment_spec,
    find_service,
    parse_duration,
    prometheus_endpoint,
    selector,
)
from gmac.clients.logs import stream_selector
from gmac.clients.prometheus import Prometheus, Series
from gmac.errors import UsageError
from gmac.models import Service

POINTS = 60
MIN_STEP = 5
MIN_WINDOW = 60


@dataclass(frozen=True)
class MetricsRequest:
    specs: Path
    service: str
    env: str
    since: str = "1h"
    now: float | None = None  # Unix seconds; the current time when not given


@dataclass(frozen=True)
class Signal:
    """What to ask Prometheus for one signal."""

    name: str
    title: str
    unit: str  # req/s, ratio, seconds, cores, bytes, count, or a custom metric's own
    query: str
    current_query: str | None = None  # an instant query for the number, when not the last point
    fallback: str | None = None  # asked instead when `query` has no data


@dataclass(frozen=True)
class MetricSeries:
    name: str
    title: str
    unit: str
    query: str
    points: tuple[tuple[float, float], ...] = ()
    current: float | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "unit": self.unit,
            "query": self.query,
            "current": self.current,
            "labels": self.labels,
            "points": [[at, value] for at, value in self.points],
        }


@dataclass(frozen=True)
class MetricsReport:
    service: str
    environment: str
    prometheus: str
    since_seconds: int
    step_seconds: int
    window_seconds: int
    series: tuple[MetricSeries, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "environment": self.environment,
            "prometheus": self.prometheus,
            "since_seconds": self.since_seconds,
            "step_seconds": self.step_seconds,
            "window_seconds": self.window_seconds,
            "series": [series.to_dict() for series in self.series],
        }


def _window(seconds: int) -> str:
    return f"{seconds}s"


def signals(service: Service, labels: dict[str, str], window: int, since: int) -> list[Signal]:
    """The signals of `service`, each with its PromQL."""
    s = stream_selector(labels)
    inner = s[1:-1]
    w = _window(window)
    found: list[Signal] = []
    if service.port is not None:
        total = f"sum(rate(http_requests_total{s}[{w}]))"
        failed = f'sum(rate(http_requests_total{{{inner},code=~"5.."}}[{w}]))'
        found += [
            Signal("requests", "request rate", "req/s", total),
            Signal("errors", "error ratio (5xx)", "ratio", f"({failed} or vector(0)) / {total}"),
            Signal(
                "p95",
                "p95 latency",
                "seconds",
                "histogram_quantile(0.95, sum by (le) "
                f"(rate(http_request_duration_seconds_bucket{s}[{w}])))",
            ),
        ]
    if service.image is not None:
        found += [
            Signal("cpu", "CPU", "cores", f"sum(rate(process_cpu_seconds_total{s}[{w}]))"),
            Signal("memory", "memory (RSS)", "bytes", f"sum(process_resident_memory_bytes{s})"),
            Signal(
                "restarts",
                "restarts",
                "count",
                f"sum(changes(process_start_time_seconds{s}[{w}]))",
                f"sum(changes(process_start_time_seconds{s}[{_window(since)}]))",
            ),
            Signal("up", "targets up", "count", f"sum(up{s})", None),
        ]
    custom = service.metrics.custom if service.metrics is not None else []
    for metric in custom:
        own = stream_selector({"service": service.name})
        title = metric.description or metric.name
        found.append(
            Signal(
                f"custom:{metric.name}",
                title,
                metric.unit,
                f"{metric.name}{own}",
                fallback=metric.expr,
            )
        )
    return found


def _series(signal: Signal, found: list[Series], now_value: float | None) -> list[MetricSeries]:
    if not found:
        return [MetricSeries(signal.name, signal.title, signal.unit, signal.query)]
    result = []
    for item in found:
        current = now_value if signal.current_query is not None else item.last
        result.append(
            MetricSeries(
                signal.name,
                signal.title,
                signal.unit,
                signal.query,
                item.points,
                current,
                item.labels,
            )
        )
    return result


def service_metrics(request: MetricsRequest) -> MetricsReport:
    spec = environment_spec(request.specs, request.env)
    service = find_service(spec, request.service)
    endpoint = prometheus_endpoint(spec)
    if not endpoint.url:
        raise UsageError(f"prometheus: {endpoint.why_not}, or GMAC_PROMETHEUS_URL")
    since = parse_duration(request.since)
    step = max(MIN_STEP, since // POINTS)
    window = max(MIN_WINDOW, 2 * step)
    end = request.now if request.now is not None else time.time()
    prometheus = Prometheus(endpoint.url, timeout=READ_TIMEOUT)
    series: list[MetricSeries] = []
    for wanted in signals(service, selector(spec, service.name), window, since):
        signal = wanted
        found = prometheus.query_range(signal.query, end - since, end, step)
        if not found and signal.fallback is not None:
            signal = replace(signal, query=signal.fallback)
            found = prometheus.query_range(signal.query, end - since, end, step)
        now_value = None
        if signal.current_query is not None:
            instant = prometheus.query(signal.current_query, end)
            now_value = instant[0].last if instant else None
        series += _series(signal, found, now_value)
    return MetricsReport(service.name, spec.env, endpoint.url, since, step, window, tuple(series))


def metric_queries(request: MetricsRequest) -> list[Signal]:
    """The PromQL `service_metrics` would send, without sending it (`--show-queries`)."""
    spec = environment_spec(request.specs, request.env)
    service = find_service(spec, request.service)
    since = parse_duration(request.since)
    step = max(MIN_STEP, since // POINTS)
    return signals(service, selector(spec, service.name), max(MIN_WINDOW, 2 * step), since)
