"""A pull request's preview environment on a real API server: its own namespace, cheaper,
with host names of its own, and gone again after `gmac preview down`."""

from __future__ import annotations

from typing import Any

import kubernetes

from tests.cluster._objects import wait_for
from tests.cluster._project import Project

PR = 41


def test_a_preview_gets_its_own_namespace_and_goes_away(project: Project, kube: Any) -> None:
    apps = kubernetes.client.AppsV1Api(kube)
    core = kubernetes.client.CoreV1Api(kube)
    networking = kubernetes.client.NetworkingV1Api(kube)
    autoscaling = kubernetes.client.AutoscalingV2Api(kube)
    namespace = f"{project.namespaces['staging']}-pr-{PR}"

    project.gmac("preview", "up", "--pr", str(PR))
    deployments = {d.metadata.name: d for d in apps.list_namespaced_deployment(namespace).items}
    assert {"api", "billing-worker", "control-panel"} <= set(deployments)
    # Cheaper than staging: one replica each and no autoscaler.
    assert {d.spec.replicas for d in deployments.values()} == {1}
    assert autoscaling.list_namespaced_horizontal_pod_autoscaler(namespace).items == []
    hosts = {
        rule.host
        for ingress in networking.list_namespaced_ingress(namespace).items
        for rule in ingress.spec.rules
    }
    assert hosts == {f"api.pr-{PR}.staging.gmac.io", f"panel.pr-{PR}.staging.gmac.io"}
    # Staging itself was never applied: the preview made nothing outside its namespace.
    names = {ns.metadata.name for ns in core.list_namespace().items}
    assert project.namespaces["staging"] not in names
    assert project.gmac("preview", "list").stdout.split() == [f"pr-{PR}"]

    project.gmac("preview", "down", "--pr", str(PR))
    assert project.gmac("preview", "list").stdout.split() == []

    def namespace_gone() -> bool:
        return namespace not in {ns.metadata.name for ns in core.list_namespace().items}

    wait_for(namespace_gone, timeout=120, what=f"namespace {namespace} to be deleted")
