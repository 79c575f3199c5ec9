"""A service's custom metrics (`metrics.custom`) as Prometheus recording rules.

Each is recorded under its own name with the label `service` set to the service, so that
`gmac metrics` finds it as `NAME{service="SERVICE"}`. Recording rules come first in the
service's rule group: Prometheus evaluates a group in order, so an alert may use them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gmac.models import Service as ServiceSpec


def recording_rules(name: str, service: ServiceSpec) -> list[dict[str, Any]]:
    custom = service.metrics.custom if service.metrics is not None else []
    return [
        {"record": metric.name, "expr": metric.expr, "labels": {"service": name}}
        for metric in custom
    ]
