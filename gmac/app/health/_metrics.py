"""The health report as Prometheus metrics (prometheus-client), for a node_exporter textfile
collector (`--metrics-file`, written atomically) or a Pushgateway (`--pushgateway URL`).

    gmac_integration_up{environment, integration, type, check}           1 healthy, 0 not
    gmac_integration_check_duration_seconds{environment, integration, type, check}
    gmac_health_healthy{environment}                                      1 when every check is
    gmac_health_last_run_timestamp_seconds{environment}
    gmac_integration_calls_total{integration}          calls this run made, through gmac's
    gmac_integration_call_errors_total{integration}    HTTP layer (gmac.clients.usage)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    push_to_gateway,
    write_to_textfile,
)

from gmac.app.health._checks import HealthReport
from gmac.clients.usage import usage
from gmac.errors import IntegrationError

PUSH_JOB = "gmac_health"
_CHECK_LABELS = ("environment", "integration", "type", "check")


def metrics_registry(reports: Sequence[HealthReport]) -> CollectorRegistry:
    registry = CollectorRegistry()
    up = Gauge(
        "gmac_integration_up",
        "Whether the integration check passed (1) or failed (0).",
        _CHECK_LABELS,
        registry=registry,
    )
    duration = Gauge(
        "gmac_integration_check_duration_seconds",
        "How long the integration check took.",
        _CHECK_LABELS,
        registry=registry,
    )
    healthy = Gauge(
        "gmac_health_healthy",
        "Whether every integration check of the environment passed.",
        ["environment"],
        registry=registry,
    )
    last_run = Gauge(
        "gmac_health_last_run_timestamp_seconds",
        "When gmac health last ran, in Unix seconds.",
        ["environment"],
        registry=registry,
    )
    for report in reports:
        for result in report.results:
            labels = (report.environment, result.target, result.kind, result.check)
            up.labels(*labels).set(1 if result.healthy else 0)
            duration.labels(*labels).set(result.seconds)
        healthy.labels(report.environment).set(1 if report.healthy else 0)
        last_run.labels(report.environment).set(report.checked_at.timestamp())
    _usage_counters(registry)
    return registry


def _usage_counters(registry: CollectorRegistry) -> None:
    calls = Counter(
        "gmac_integration_calls",
        "Calls gmac made to the integration's API in this run.",
        ["integration"],
        registry=registry,
    )
    errors = Counter(
        "gmac_integration_call_errors",
        "Calls to the integration's API in this run that failed.",
        ["integration"],
        registry=registry,
    )
    for service, counts in usage().items():
        calls.labels(service).inc(counts.calls)
        errors.labels(service).inc(counts.errors)


def write_metrics_file(reports: Sequence[HealthReport], path: Path) -> None:
    """Writes the metrics for a textfile collector; a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_to_textfile(str(path), metrics_registry(reports))
    except OSError as error:
        raise IntegrationError(
            "metrics", f"cannot write {path}: {error.strerror or error}"
        ) from None


def push_metrics(reports: Sequence[HealthReport], gateway: str, timeout: float = 10.0) -> None:
    """Replaces each environment's group on the Pushgateway with its report's metrics."""
    for report in reports:
        try:
            push_to_gateway(
                gateway,
                job=PUSH_JOB,
                registry=metrics_registry([report]),
                grouping_key={"environment": report.environment},
                timeout=timeout,
            )
        except OSError as error:
            raise IntegrationError("pushgateway", f"cannot push to {gateway}: {error}") from None
