"""The live state of a namespace's Deployments, read from the Kubernetes API: replicas wanted
and ready, the image each runs, and its pods' container restarts (`gmac status`).

    GET /apis/apps/v1/namespaces/NS/deployments?labelSelector=...
    GET /api/v1/namespaces/NS/pods?labelSelector=...

The API client comes from `gmac.clients.kubernetes.KubeTarget(...).client()`, the one way to
reach a cluster. Failures are `kubernetes: ...` IntegrationErrors naming the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gmac.clients.http import redact_url
from gmac.errors import IntegrationError

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

SERVICE = "kubernetes"
REQUEST_TIMEOUT = (3.0, 10.0)  # connect, read


@dataclass(frozen=True)
class Workload:
    name: str
    desired: int
    ready: int
    image: str
    restarts: int
    selector: dict[str, str]


def _restarts(pods: list[Any], selector: dict[str, str]) -> int:
    total = 0
    for pod in pods:
        labels = (pod.metadata.labels if pod.metadata else None) or {}
        if any(labels.get(key) != value for key, value in selector.items()):
            continue
        for container in (pod.status.container_statuses if pod.status else None) or []:
            total += int(container.restart_count or 0)
    return total


def namespace_workloads(
    api_client: ApiClient, namespace: str, label_selector: str = ""
) -> dict[str, Workload]:
    """The namespace's Deployments (those matching `label_selector`), by name."""
    from kubernetes import client  # noqa: PLC0415 - slow to import (see `kubernetes`)
    from kubernetes.client.exceptions import ApiException  # noqa: PLC0415

    server = redact_url(str(api_client.configuration.host))
    apps, core = client.AppsV1Api(api_client), client.CoreV1Api(api_client)
    options: dict[str, Any] = {"_request_timeout": REQUEST_TIMEOUT}
    if label_selector:
        options["label_selector"] = label_selector
    try:
        deployments = apps.list_namespaced_deployment(namespace, **options).items or []
        pods = core.list_namespaced_pod(namespace, **options).items or []
    except ApiException as error:
        if error.status == 401:
            raise IntegrationError(SERVICE, f"{server}: credentials rejected", status=401) from None
        if error.status == 403:
            message = f"{server}: not allowed to list deployments and pods in '{namespace}'"
            raise IntegrationError(SERVICE, message, status=403) from None
        message = f"{server}: {error.reason or 'failed'}"
        raise IntegrationError(SERVICE, message, status=error.status) from None
    except Exception as error:  # urllib3's connection errors, TLS, timeouts
        reason = type(error).__name__
        raise IntegrationError(SERVICE, f"cannot reach {server}: {reason}") from None
    found: dict[str, Workload] = {}
    for deployment in deployments:
        spec, status = deployment.spec, deployment.status
        selector = dict((spec.selector.match_labels if spec and spec.selector else None) or {})
        containers = spec.template.spec.containers if spec and spec.template.spec else []
        name = str(deployment.metadata.name)
        found[name] = Workload(
            name=name,
            desired=int(spec.replicas if spec and spec.replicas is not None else 1),
            ready=int((status.ready_replicas if status else 0) or 0),
            image=str(containers[0].image) if containers else "",
            restarts=_restarts(pods, selector),
            selector=selector,
        )
    return found
