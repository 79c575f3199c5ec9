"""Changing specs updates objects in place; a hand edit in the cluster is drift; removing a
service removes its objects, and in a protected environment only with --allow-destroy."""

from __future__ import annotations

import json
from typing import Any

from tests.cluster._objects import Cluster, Ref, compiled, wait_for
from tests.cluster._project import Project


def test_a_spec_edit_updates_objects_in_place(project: Project, kube: Any) -> None:
    namespace = project.namespaces["staging"]
    project.gmac("apply", "--env", "staging", "--yes")
    cluster = Cluster(kube)
    config_ref = Ref("v1", "ConfigMap", namespace, "api-env")
    deployment_ref = Ref("apps/v1", "Deployment", namespace, "control-panel")
    before = {ref: cluster.get(ref).metadata.uid for ref in (config_ref, deployment_ref)}

    project.edit_service("api", env={"LOG_LEVEL": "debug", "FEATURE_X": "on"})
    project.edit_service(
        "control-panel",
        replicas={"staging": 2, "production": 2},
        resources={"cpu": "300m", "memory": "256Mi"},
    )
    plan = json.loads(project.gmac("plan", "--env", "staging", "--json", check=False).stdout)
    ops = {(c["type"].rsplit(":", 1)[-1], c["name"]): c["op"] for c in plan["changes"]}
    assert ops[("ConfigMap", "api-env")] == "update"
    assert ops[("Deployment", "control-panel")] == "update"
    assert "replace" not in ops.values() and "delete" not in ops.values()

    project.gmac("apply", "--env", "staging", "--yes")
    config = cluster.get(config_ref)
    assert config.data.to_dict() == {"LOG_LEVEL": "debug", "FEATURE_X": "on"}
    deployment = cluster.get(deployment_ref)
    assert deployment.spec.replicas == 2
    assert deployment.spec.template.spec.containers[0].resources.requests.cpu == "300m"
    # The same objects, updated: not deleted and created again.
    assert {ref: cluster.get(ref).metadata.uid for ref in before} == before
    wait_for(lambda: cluster.get(deployment_ref).status.readyReplicas == 2, "2 ready pods")
    assert project.gmac("plan", "--env", "staging", check=False).returncode == 0


def test_a_hand_edit_in_the_cluster_shows_as_drift(project: Project, kube: Any) -> None:
    namespace = project.namespaces["staging"]
    project.gmac("apply", "--env", "staging", "--yes")
    assert project.gmac("drift", "--env", "staging", check=False).returncode == 0

    cluster = Cluster(kube)
    cluster.patch(Ref("v1", "ConfigMap", namespace, "api-env"), {"data": {"LOG_LEVEL": "trace"}})
    result = project.gmac("drift", "--env", "staging", "--json", check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    drift = json.loads(result.stdout)
    changed = {c["name"]: c for c in drift["changes"] if c["op"] != "same"}
    assert set(changed) == {"api-env"}, changed
    paths = [prop["path"] for prop in changed["api-env"]["properties"]]
    assert any("LOG_LEVEL" in path for path in paths), paths
    table = project.gmac("drift", "--env", "staging", check=False)
    assert "api-env" in table.stdout and "LOG_LEVEL" in table.stdout

    # apply puts the spec's value back.
    project.gmac("refresh", "--env", "staging")
    project.gmac("apply", "--env", "staging", "--yes")
    restored = cluster.get(Ref("v1", "ConfigMap", namespace, "api-env"))
    assert restored.data.to_dict() == {"LOG_LEVEL": "info"}


def _service_objects(project: Project, env: str, service: str) -> set[Ref]:
    return {
        ref
        for ref in compiled(project, env)
        if ref.name == service or ref.name.startswith(f"{service}-")
    }


def test_removing_a_service_removes_its_objects(project: Project, kube: Any) -> None:
    project.gmac("apply", "--env", "staging", "--yes")
    cluster = Cluster(kube)
    objects = _service_objects(project, "staging", "control-panel")
    assert {ref.kind for ref in objects} >= {"Deployment", "Service", "Ingress", "ConfigMap"}
    assert all(cluster.get(ref) is not None for ref in objects)

    project.service_file("control-panel").unlink()
    project.gmac("apply", "--env", "staging", "--yes")
    assert [str(ref) for ref in objects if cluster.get(ref) is not None] == []
    api = Ref("apps/v1", "Deployment", project.namespaces["staging"], "api")
    assert cluster.get(api) is not None, "the other services stay"


def test_a_protected_environment_removes_a_service_only_with_allow_destroy(
    project: Project, kube: Any
) -> None:
    project.gmac("apply", "--env", "production", "--yes")
    cluster = Cluster(kube)
    objects = _service_objects(project, "production", "control-panel")
    assert objects and all(cluster.get(ref) is not None for ref in objects)

    project.service_file("control-panel").unlink()
    refused = project.gmac("apply", "--env", "production", "--yes", check=False)
    assert refused.returncode == 1
    assert "--allow-destroy" in refused.stderr and "control-panel" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert all(cluster.get(ref) is not None for ref in objects), "nothing was deleted"

    project.gmac("apply", "--env", "production", "--yes", "--allow-destroy")
    assert [str(ref) for ref in objects if cluster.get(ref) is not None] == []
    namespace = Ref("v1", "Namespace", "", project.namespaces["production"])
    assert cluster.get(namespace) is not None
