"""What `gmac status`, `metrics` and `logs` share: where an environment's observe sources
answer, durations such as `--since 1h`, and finding the service asked for.

    source        from                                           else
    Prometheus    GMAC_PROMETHEUS_URL, environments.ENV.monitoring.prometheus   not configured
    Alertmanager  GMAC_ALERTMANAGER_URL, environments.ENV.monitoring.alertmanager
    log store     GMAC_LOGS_URL, environments.ENV.monitoring.logs; its kind from the
                  project's monitoring.logs.store (victorialogs unless it says loki)

A variable wins over the spec, so that one can point a command at a port-forward.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from gmac.clients.http import RetryPolicy
from gmac.errors import UsageError
from gmac.models import Service
from gmac.suggest import did_you_mean
from gmac.validate import Spec, validate_directory

PROMETHEUS_VARIABLE = "GMAC_PROMETHEUS_URL"
ALERTMANAGER_VARIABLE = "GMAC_ALERTMANAGER_URL"
LOGS_VARIABLE = "GMAC_LOGS_URL"
# A read for people waiting on it: one retry for a blip, then say what is wrong.
READ_RETRY = RetryPolicy(attempts=2, base_delay=0.2, max_delay=1.0)
READ_TIMEOUT = 10.0

_DURATION = re.compile(r"([0-9]+)(s|m|h|d|w)")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclass(frozen=True)
class Endpoint:
    """A source's URL, or why there is none (`url` empty)."""

    url: str
    why_not: str = ""


def _endpoint(spec: Spec, variable: str, field: str) -> Endpoint:
    override = os.environ.get(variable, "").strip()
    if override:
        return Endpoint(override)
    monitoring = spec.environment.monitoring
    url = getattr(monitoring, field) if monitoring is not None else None
    if url:
        return Endpoint(str(url))
    return Endpoint("", f"not configured: set environments.{spec.env}.monitoring.{field}")


def prometheus_endpoint(spec: Spec) -> Endpoint:
    return _endpoint(spec, PROMETHEUS_VARIABLE, "prometheus")


def alertmanager_endpoint(spec: Spec) -> Endpoint:
    return _endpoint(spec, ALERTMANAGER_VARIABLE, "alertmanager")


def logs_endpoint(spec: Spec) -> Endpoint:
    return _endpoint(spec, LOGS_VARIABLE, "logs")


def log_store_kind(spec: Spec) -> str:
    store = spec.project.monitoring.log_store() if spec.project.monitoring else None
    return store.store if store is not None else "victorialogs"


def parse_duration(text: str, flag: str = "--since") -> int:
    """`90s`, `30m`, `1h`, `1h30m`, `2d`: whole seconds, more than zero."""
    value = text.strip()
    parts = _DURATION.findall(value)
    if not parts or "".join(n + u for n, u in parts) != value:
        raise UsageError(f"{flag}: '{text}' is not a duration such as 30m, 1h or 2d")
    seconds = sum(int(n) * _UNIT[u] for n, u in parts)
    if seconds <= 0:
        raise UsageError(f"{flag}: '{text}' must be longer than zero")
    return seconds


def environment_spec(specs: Path, env: str) -> Spec:
    """The validated spec of one environment (SpecError, or UsageError for an unknown one)."""
    return validate_directory(specs, env)[env]


def find_service(spec: Spec, name: str) -> Service:
    names = [service.name for service in spec.services]
    if name not in names:
        raise UsageError(
            f"no service '{name}' in environment '{spec.env}'{did_you_mean(name, names)}"
            f" (its services: {', '.join(names) or 'none'})"
        )
    return spec.service(name)


def namespace(spec: Spec) -> str:
    return spec.environment.kubernetes.namespace or spec.project.name


def selector(spec: Spec, service: str) -> dict[str, str]:
    """The labels a service's metrics and log streams carry: its namespace and its name."""
    return {"namespace": namespace(spec), "service": service}
