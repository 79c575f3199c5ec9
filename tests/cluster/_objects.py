"""Reading what gmac applied, with the Kubernetes Python client, and what the compiler emits."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubernetes import dynamic
from kubernetes.client import ApiClient
from kubernetes.dynamic.exceptions import NotFoundError

from tests.cluster._project import Project


@dataclass(frozen=True, order=True)
class Ref:
    """One Kubernetes object: its API version, kind, namespace ('' when cluster-scoped), name."""

    api_version: str
    kind: str
    namespace: str
    name: str

    @classmethod
    def from_pulumi(cls, type_: str, inputs: dict[str, Any]) -> Ref:
        # kubernetes:apps/v1:Deployment -> apps/v1 Deployment; kubernetes:core/v1:X -> v1 X
        _, group_version, kind = type_.split(":")
        api_version = group_version.removeprefix("core/")
        metadata = inputs.get("metadata", {})
        return cls(api_version, kind, metadata.get("namespace") or "", metadata["name"])

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {where}{self.name}"


def compiled(project: Project, env: str) -> set[Ref]:
    """Every Kubernetes object the compiler emits for `env` (`gmac graph --json`)."""
    graph = json.loads(project.gmac("graph", "--env", env, "--json").stdout)
    return {
        Ref.from_pulumi(node["type"], node["inputs"])
        for node in graph["resources"]
        if node["type"].startswith("kubernetes:")
    }


class Cluster:
    """The objects in the cluster, through the dynamic client (CRDs included)."""

    def __init__(self, api: ApiClient) -> None:
        self.client = dynamic.DynamicClient(api)

    def _resource(self, api_version: str, kind: str) -> Any:
        return self.client.resources.get(api_version=api_version, kind=kind)

    def get(self, ref: Ref) -> Any | None:
        resource = self._resource(ref.api_version, ref.kind)
        try:
            if ref.namespace:
                return resource.get(name=ref.name, namespace=ref.namespace)
            return resource.get(name=ref.name)
        except NotFoundError:
            return None

    def managed(self, namespace: str, kinds: set[tuple[str, str]]) -> set[Ref]:
        """Objects of these kinds in `namespace` that carry gmac's managed-by label."""
        found = set()
        for api_version, kind in kinds:
            if kind == "Namespace":
                continue
            listing = self._resource(api_version, kind).get(
                namespace=namespace, label_selector="app.kubernetes.io/managed-by=gmac"
            )
            for item in listing.items:
                found.add(Ref(api_version, kind, namespace, item.metadata.name))
        return found

    def patch(self, ref: Ref, body: dict[str, Any], manager: str = "kubectl-edit") -> Any:
        """A hand edit: a merge patch by another field manager, as `kubectl edit` makes."""
        return self._resource(ref.api_version, ref.kind).patch(
            body=body,
            name=ref.name,
            namespace=ref.namespace or None,
            content_type="application/merge-patch+json",
            field_manager=manager,
        )


def managers(obj: Any) -> dict[str, str]:
    """Field managers of an object and how each wrote (Apply, Update)."""
    return {
        entry["manager"]: entry["operation"]
        for entry in obj.to_dict()["metadata"].get("managedFields", [])
    }


def wait_for(
    check: Callable[[], Any],
    what: str,
    timeout: float = 120,
    describe: Callable[[], str] | None = None,
) -> Any:
    """Poll `check` until it is true; on giving up, `describe` says what was seen instead."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            seen = f"\n{describe()}" if describe else ""
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}{seen}")
        time.sleep(0.5)


def _ready(node: Any) -> list[str]:
    return [c.status for c in node.status.conditions or [] if c.type == "Ready"]


def node_readiness(cluster: Cluster) -> dict[str, list[str]]:
    """Each node's Ready condition ('True', 'False', 'Unknown'), by node name."""
    nodes = cluster._resource("v1", "Node").get().items
    return {node.metadata.name: _ready(node) for node in nodes}


def describe_pods(cluster: Cluster, namespace: str) -> str:
    """The nodes and the namespace's pods as the API server has them, for a failure message."""
    lines = []
    for node in cluster._resource("v1", "Node").get().items:
        taints = [f"{t.key}:{t.effect}" for t in node.spec.taints or []]
        lines.append(f"node {node.metadata.name} ready={_ready(node)} taints={taints}")
    for pod in cluster._resource("v1", "Pod").get(namespace=namespace).items:
        conditions = {c.type: c.status for c in pod.status.conditions or []}
        lines.append(
            f"pod {pod.metadata.name} phase={pod.status.phase} node={pod.spec.nodeName}"
            f" deleting={bool(pod.metadata.deletionTimestamp)} conditions={conditions}"
        )
    return "\n".join(lines)


def stack_state(project: Project, env: str) -> dict[str, Any]:
    """The stack's checkpoint in the project's file backend."""
    found = list((project.root / ".gmac" / "state").glob(f".pulumi/stacks/**/{env}.json"))
    assert len(found) == 1, f"one checkpoint for {env}, found {found}"
    data = json.loads(Path(found[0]).read_text())
    return dict(data["checkpoint"].get("latest") or {})
