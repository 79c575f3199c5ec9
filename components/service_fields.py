"""The fields of a service's Kubernetes objects, worked out from its spec alone.

Pure functions (no resources): the Service component (components/service.py) puts them
into the objects it registers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from components._kube import duration_seconds
from components.kube_object import Object
from gmac.models.service import Resources

if TYPE_CHECKING:
    from gmac.models import Service as ServiceSpec
    from gmac.models.service import Autoscale, Ingress

DEFAULT_RESOURCES = Resources(cpu="100m", memory="128Mi")
DEFAULT_METRICS_PORT = 9090


def metrics_port(service: ServiceSpec) -> int | None:
    """Where Prometheus scrapes: `metrics.port`, else the service port, else 9090."""
    if service.metrics is None:
        return None
    return service.metrics.port or service.port or DEFAULT_METRICS_PORT


def container_ports(service: ServiceSpec) -> list[Object]:
    """The container's named ports: `http` (the service port) and `metrics` when apart."""
    ports: list[Object] = []
    if service.port is not None:
        ports.append({"name": "http", "containerPort": service.port, "protocol": "TCP"})
    scrape = metrics_port(service)
    if scrape is not None and scrape != service.port:
        ports.append({"name": "metrics", "containerPort": scrape, "protocol": "TCP"})
    return ports


def service_ports(service: ServiceSpec) -> list[Object]:
    """The Kubernetes Service's ports: each container port, by name."""
    return [
        {"name": port["name"], "port": port["containerPort"], "targetPort": port["name"]}
        for port in container_ports(service)
    ]


def resources(service: ServiceSpec) -> Object:
    """Requests from `resources`; a memory limit always (the request unless `limits` says)."""
    wanted = service.resources or DEFAULT_RESOURCES
    limits = {"memory": wanted.memory}
    if wanted.limits is not None:
        if wanted.limits.memory is not None:
            limits["memory"] = wanted.limits.memory
        if wanted.limits.cpu is not None:
            limits["cpu"] = wanted.limits.cpu
    return {"requests": {"cpu": wanted.cpu, "memory": wanted.memory}, "limits": limits}


def probe(service: ServiceSpec) -> Object:
    """The liveness probe from `health` (the readiness probe is it, every 5 s)."""
    health = service.health
    assert health is not None
    port = health.port or service.port
    assert port is not None  # validation: 'health' needs 'port' or 'health.port'
    return {
        "httpGet": {"path": health.path, "port": port},
        "initialDelaySeconds": math.ceil(duration_seconds(health.initial_delay)),
        "periodSeconds": 10,
        "timeoutSeconds": 2,
        "failureThreshold": 3,
    }


def autoscaler_spec(name: str, autoscale: Autoscale) -> Object:
    """A HorizontalPodAutoscaler's spec: the Deployment `name` on its pods' CPU."""
    target = {"type": "Utilization", "averageUtilization": autoscale.cpu_percent}
    return {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "minReplicas": autoscale.min,
        "maxReplicas": autoscale.max,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}],
    }


def ingress_spec(name: str, ingress: Ingress) -> Object:
    """An Ingress's spec: the host and path to the `http` port, TLS from `{name}-tls`."""
    path = {
        "path": ingress.path,
        "pathType": "Prefix",
        "backend": {"service": {"name": name, "port": {"name": "http"}}},
    }
    spec: Object = {"rules": [{"host": ingress.host, "http": {"paths": [path]}}]}
    if ingress.tls:
        spec["tls"] = [{"hosts": [ingress.host], "secretName": f"{name}-tls"}]
    return spec
