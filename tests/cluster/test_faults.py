"""The API server stops in the middle of an apply: gmac says so clearly, and the next apply
(the server back) completes, with every object once and nothing left outside the state.

Two moments: while objects are being created (the provider's calls are refused), and while
the engine waits for Deployments to become ready (the provider would retry for ten minutes:
gmac notices the server is gone and cancels the run)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest

from gmac.dev.cluster import ControlPlane
from gmac.dev.cluster._resync import TOUCHED
from tests.cluster._objects import (
    Cluster,
    Ref,
    compiled,
    describe_pods,
    node_readiness,
    stack_state,
    wait_for,
)
from tests.cluster._project import Project

ENV = "staging"


def _check_converged(project: Project, cluster: Cluster) -> None:
    """No duplicates and no orphans: the state holds each object once, with no operation left
    pending, and the cluster holds exactly what the state does, which is what the specs say."""
    namespace = project.namespaces[ENV]
    expected = compiled(project, ENV)
    state = stack_state(project, ENV)
    assert not state.get("pending_operations"), state.get("pending_operations")
    urns = Counter(resource["urn"] for resource in state["resources"])
    assert [urn for urn, count in urns.items() if count > 1] == []
    in_state = {
        Ref.from_pulumi(resource["type"], resource["outputs"])
        for resource in state["resources"]
        if resource["type"].startswith("kubernetes:")
    }
    assert in_state == expected
    kinds = {(ref.api_version, ref.kind) for ref in expected}
    assert cluster.managed(namespace, kinds) == {ref for ref in expected if ref.namespace}
    for ref in expected:
        assert cluster.get(ref) is not None, f"{ref} is missing"


@pytest.mark.parametrize("moment", ["creating", "awaiting readiness"])
def test_api_server_stopped_mid_apply(
    moment: str, project: Project, kube: Any, control_plane: ControlPlane
) -> None:
    namespace = project.namespaces[ENV]
    cluster = Cluster(kube)
    if moment == "creating":
        # The namespace comes first: the objects in it are on their way.
        ref = Ref("v1", "Namespace", "", namespace)
    else:
        # Without kwok no pod becomes ready: the engine waits on the Deployments.
        control_plane.stop_component("kwok")
        ref = Ref("apps/v1", "Deployment", namespace, "api")

    running = project.start("apply", "--env", ENV, "--yes")
    try:
        wait_for(lambda: cluster.get(ref) is not None, f"the apply to create {ref}")
        stopped = time.monotonic()
        control_plane.stop_component("kube-apiserver")
        stdout, stderr = running.communicate(timeout=300)
        took = time.monotonic() - stopped
    except BaseException:
        running.kill()
        running.communicate()
        raise
    finally:
        for name in ("kube-apiserver", "kwok"):
            if name not in control_plane.running:
                control_plane.start_component(name)

    assert running.returncode == 1, stdout + stderr
    assert "Traceback" not in stderr
    error = stderr[stderr.index("error: ") :]
    assert f"apply of '{ENV}'" in error, stderr
    assert "connection refused" in error.lower(), error
    # Fails instead of awaiting the server for the provider's ten minutes; the bound leaves
    # room for a busy machine.
    assert took < 150, f"the apply took {took:.0f}s to fail after the server was stopped"
    if moment == "awaiting readiness":
        assert "stopped answering" in error and "gmac apply --env staging" in error, error

    # The server is back: the next apply finishes the job, and the one after has nothing to do.
    project.gmac("apply", "--env", ENV, "--yes")
    assert project.gmac("plan", "--env", ENV, check=False).returncode == 0
    _check_converged(project, cluster)
    wait_for(
        lambda: (
            cluster.get(Ref("apps/v1", "Deployment", namespace, "api")).status.readyReplicas == 3
        ),
        "api to be ready",
        describe=lambda: describe_pods(cluster, namespace),
    )


def _node_ready(cluster: Cluster) -> set[str]:
    return {status for statuses in node_readiness(cluster).values() for status in statuses}


def test_pods_are_ready_again_once_their_lost_node_is_back(
    kube: Any, control_plane: ControlPlane
) -> None:
    """While kwok (the node's kubelet) is gone, the node lifecycle controller marks the node
    and its pods not ready; once it is back, the pods are ready again, as a kubelet's next
    status report would make them, and a Deployment that was available is available again."""
    cluster = Cluster(kube)
    namespace = "lost-node"
    namespaces = cluster.client.resources.get(api_version="v1", kind="Namespace")
    deployments = cluster.client.resources.get(api_version="apps/v1", kind="Deployment")
    namespaces.create(body={"metadata": {"name": namespace}})
    labels = {"app": "lost-node"}
    deployments.create(
        namespace=namespace,
        body={
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "web", "image": "example/web:1"}]},
                },
            },
        },
    )
    ref = Ref("apps/v1", "Deployment", namespace, "web")

    def describe() -> str:
        return describe_pods(cluster, namespace)

    try:
        wait_for(lambda: cluster.get(ref).status.readyReplicas == 2, "web to be ready")
        control_plane.stop_component("kwok")
        # The controller's grace period (50 s) passes without a lease renewal.
        wait_for(lambda: _node_ready(cluster) == {"Unknown"}, "the node to be lost", 180, describe)
        wait_for(
            lambda: not cluster.get(ref).status.readyReplicas, "web to be unready", 60, describe
        )
    finally:
        if "kwok" not in control_plane.running:
            control_plane.start_component("kwok")
    try:
        wait_for(lambda: _node_ready(cluster) == {"True"}, "the node to be back", 120, describe)
        wait_for(
            lambda: cluster.get(ref).status.readyReplicas == 2, "web ready again", 120, describe
        )
        # And it stays so: nothing marks the pods not ready behind the node's back.
        time.sleep(15)
        assert cluster.get(ref).status.readyReplicas == 2, describe()
        # kwok, started again, met each pod once more (gmac.dev.cluster._resync).
        pods = cluster.client.resources.get(api_version="v1", kind="Pod")
        listed = [pod.to_dict() for pod in pods.get(namespace=namespace).items]
        assert listed and all(TOUCHED in pod["metadata"].get("annotations", {}) for pod in listed)
    finally:
        namespaces.delete(name=namespace)


def test_the_plane_is_whole_after_the_faults(control_plane: ControlPlane) -> None:
    """The server answers as before for the session's other tests, and every component
    the plane started still runs."""
    assert control_plane.client().ready()[0]
    assert set(control_plane.running) == {
        "kine",
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kwok",
    }
    assert control_plane.exited() == {}
