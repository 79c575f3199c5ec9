"""What `gmac graph` shows of each resource: a few key properties per type."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

SECRET = "[secret]"  # how a secret input reads in the graph (gmac.compile.capture)


def _get(data: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data


def _pairs(data: Any) -> str | None:
    if not isinstance(data, dict) or not data:
        return None
    return " ".join(f"{key}={value}" for key, value in data.items())


def _probe(probe: Any) -> str | None:
    path, port = _get(probe, "httpGet", "path"), _get(probe, "httpGet", "port")
    return f"GET :{port}{path}" if path is not None else None


def _deployment(inputs: Mapping[str, Any]) -> dict[str, Any]:
    container = _get(inputs, "spec", "template", "spec", "containers", 0) or {}
    ports = [f"{p.get('name')}:{p.get('containerPort')}" for p in container.get("ports", [])]
    secrets = [
        _get(env, "valueFrom", "secretKeyRef", "key")
        for env in container.get("env", [])
        if _get(env, "valueFrom", "secretKeyRef")
    ]
    return {
        "image": container.get("image"),
        "replicas": _get(inputs, "spec", "replicas")
        if _get(inputs, "spec", "replicas") is not None
        else "autoscaled",
        "ports": " ".join(ports) or None,
        "liveness": _probe(container.get("livenessProbe")),
        "readiness": _probe(container.get("readinessProbe")),
        "requests": _pairs(_get(container, "resources", "requests")),
        "limits": _pairs(_get(container, "resources", "limits")),
        "env_from": " ".join(
            str(_get(source, "configMapRef", "name")) for source in container.get("envFrom", [])
        )
        or None,
        "secrets": " ".join(str(key) for key in secrets) or None,
        "non_root": _get(inputs, "spec", "template", "spec", "securityContext", "runAsNonRoot"),
    }


def _service(inputs: Mapping[str, Any]) -> dict[str, Any]:
    ports = _get(inputs, "spec", "ports") or []
    return {"ports": " ".join(f"{p.get('name')}:{p.get('port')}" for p in ports) or None}


def _ingress(inputs: Mapping[str, Any]) -> dict[str, Any]:
    rules = _get(inputs, "spec", "rules") or []
    hosts = [
        f"{rule.get('host')}{path.get('path')}"
        for rule in rules
        for path in _get(rule, "http", "paths") or []
    ]
    tls = [host for item in _get(inputs, "spec", "tls") or [] for host in item.get("hosts", [])]
    return {"hosts": " ".join(hosts) or None, "tls": " ".join(tls) or None}


def _autoscaler(inputs: Mapping[str, Any]) -> dict[str, Any]:
    cpu = _get(inputs, "spec", "metrics", 0, "resource", "target", "averageUtilization")
    return {
        "min": _get(inputs, "spec", "minReplicas"),
        "max": _get(inputs, "spec", "maxReplicas"),
        "cpu_percent": cpu,
    }


def _data_keys(inputs: Mapping[str, Any]) -> dict[str, Any]:
    found: list[str] = []
    for field in ("data", "stringData"):
        value = inputs.get(field)
        if value == SECRET:
            return {"keys": SECRET}
        if isinstance(value, dict):
            found.extend(value)
    return {"keys": " ".join(sorted(found)) or None}


def _rules(inputs: Mapping[str, Any]) -> dict[str, Any]:
    groups = _get(inputs, "spec", "groups") or []
    rules = [rule for group in groups for rule in group.get("rules", [])]
    alerts = [str(rule["alert"]) for rule in rules if "alert" in rule]
    records = [str(rule["record"]) for rule in rules if "record" in rule]
    found = {"alerts": " ".join(alerts) or None}
    if records:
        found["records"] = " ".join(records)
    return found


def _monitor(inputs: Mapping[str, Any]) -> dict[str, Any]:
    endpoints = _get(inputs, "spec", "endpoints") or []
    return {
        "endpoints": " ".join(
            f"{e.get('port')}{e.get('path', '')} every {e.get('interval')}" for e in endpoints
        )
        or None
    }


_KEY_PROPERTIES: Mapping[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "kubernetes:apps/v1:Deployment": _deployment,
    "kubernetes:core/v1:Service": _service,
    "kubernetes:networking.k8s.io/v1:Ingress": _ingress,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": _autoscaler,
    "kubernetes:policy/v1:PodDisruptionBudget": lambda inputs: {
        "max_unavailable": _get(inputs, "spec", "maxUnavailable")
    },
    "kubernetes:core/v1:ConfigMap": _data_keys,
    "kubernetes:core/v1:Secret": _data_keys,
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": _rules,
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": _monitor,
}


def key_properties(type_: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The few properties that say what a resource is; all of `inputs` for unknown types
    that are not Kubernetes objects (integrations), none for components."""
    summarize = _KEY_PROPERTIES.get(type_)
    if summarize is not None:
        found = summarize(inputs)
    elif type_.startswith("kubernetes:"):
        found = {}
    else:
        found = {key: value for key, value in inputs.items() if isinstance(value, str | int | bool)}
    return {key: value for key, value in found.items() if value is not None}
