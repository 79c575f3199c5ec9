"""An Ingress host is what Kubernetes takes: the real API server judges the same hosts as
gmac's validation (a server-side dry run creates nothing)."""

from __future__ import annotations

from typing import Any

import kubernetes
import pytest
from pydantic import TypeAdapter, ValidationError

from gmac.models.common import IngressHost

TAKEN = ("api.gmac.io", "*.gmac.io", "*.pr-7.staging.gmac.io", "localhost")
REFUSED = ("*gmac.io", "api.*.gmac.io", "*", "*.", "API.gmac.io", "10.0.0.1", "a_b.gmac.io")


def _ingress(host: str) -> dict[str, Any]:
    backend = {"service": {"name": "api", "port": {"number": 80}}}
    path = {"path": "/", "pathType": "Prefix", "backend": backend}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "hosts"},
        "spec": {"rules": [{"host": host, "http": {"paths": [path]}}]},
    }


def test_the_api_server_and_gmac_agree_on_ingress_hosts(kube: Any) -> None:
    api = kubernetes.client.NetworkingV1Api(kube)
    hosts = TypeAdapter(IngressHost)
    for host in TAKEN:
        assert hosts.validate_python(host) == host
        created = api.create_namespaced_ingress("default", _ingress(host), dry_run="All")
        assert created.spec.rules[0].host == host
    for host in REFUSED:
        with pytest.raises(ValidationError):
            hosts.validate_python(host)
        with pytest.raises(kubernetes.client.ApiException) as refused:
            api.create_namespaced_ingress("default", _ingress(host), dry_run="All")
        assert refused.value.status == 422, host
