"""Adopting Kubernetes objects that already run: a namespace and a Deployment made with the
Kubernetes client before the first apply, on the dev control plane.

A plain apply stops before it changes anything and names both the namespace and the
Deployment (its first line carries the CLI's `error: ` prefix); `gmac adopt` finds
them by API version, kind, namespace and name; `gmac apply --adopt` imports them (the same objects,
the same uids) and brings them to the spec; after that the Deployment is managed like any other:
a spec change updates it in place.
"""

from __future__ import annotations

import json
from typing import Any

import kubernetes

from tests.cluster._objects import Cluster, Ref
from tests.cluster._project import Project

ENV = "staging"
SERVICE = "control-panel"


def _by_hand(namespace: str) -> dict[str, Any]:
    """A Deployment as someone made it before gmac: the service's name and selector, an
    image and replica count of their own."""
    labels = {"app.kubernetes.io/name": SERVICE, "app.kubernetes.io/instance": f"{SERVICE}-{ENV}"}
    return {
        "metadata": {"name": SERVICE, "namespace": namespace, "labels": {"team": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": SERVICE, "image": "registry.example/panel:0.9"}]},
            },
        },
    }


def test_a_deployment_made_by_hand_is_adopted_then_managed(project: Project, kube: Any) -> None:
    namespace = project.namespaces[ENV]
    core = kubernetes.client.CoreV1Api(kube)
    apps = kubernetes.client.AppsV1Api(kube)
    namespace_uid = core.create_namespace({"metadata": {"name": namespace}}).metadata.uid
    apps.create_namespaced_deployment(namespace, _by_hand(namespace))
    cluster = Cluster(kube)
    ref = Ref("apps/v1", "Deployment", namespace, SERVICE)
    uid = cluster.get(ref).metadata.uid

    # Never a silent takeover: one line per object, nothing changed.
    refused = project.gmac("apply", "--env", ENV, "--yes", check=False)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    lines = [line.removeprefix("error: ") for line in refused.stderr.strip().splitlines()]
    assert lines[-1] == "nothing was changed", refused.stderr
    assert any(
        line.startswith(f"Deployment {namespace}/{SERVICE} ({namespace}/{SERVICE}) already exists")
        for line in lines
    ), refused.stderr
    assert any(
        line.startswith(f"Namespace {namespace} ({namespace}) already exists") for line in lines
    ), refused.stderr
    assert cluster.get(Ref("v1", "ConfigMap", namespace, "api-env")) is None
    assert cluster.get(ref).spec.replicas == 3

    # gmac adopt: found by namespace, kind and name, with what adopting changes.
    report = json.loads(project.gmac("adopt", "--env", ENV, "--json").stdout)
    found = {(r["type"], r["name"]): r for r in report["resources"] if r["status"] == "found"}
    deployment = found[("kubernetes:apps/v1:Deployment", SERVICE)]
    assert deployment["id"] == f"{namespace}/{SERVICE}"
    assert deployment["how"] == "by namespace/kind/name"
    assert deployment["then"] == "update"
    assert found[("kubernetes:core/v1:Namespace", namespace)]["id"] == namespace
    assert any(c["path"].startswith("spec.replicas") for c in deployment["changes"])
    assert all(r["status"] != "ambiguous" for r in report["resources"])

    # Imported: the same object, now as the spec says.
    project.gmac("apply", "--env", ENV, "--adopt", "--yes")
    adopted = cluster.get(ref)
    assert adopted.metadata.uid == uid
    assert adopted.spec.replicas == 1  # `replicas: {staging: 1}`
    assert core.read_namespace(namespace).metadata.uid == namespace_uid
    assert project.gmac("plan", "--env", ENV, check=False).returncode == 0

    # Managed from now on: a spec change updates the same object.
    project.edit_service(SERVICE, replicas={"staging": 2, "production": 2})
    project.gmac("apply", "--env", ENV, "--yes")
    changed = cluster.get(ref)
    assert (changed.metadata.uid, changed.spec.replicas) == (uid, 2)
