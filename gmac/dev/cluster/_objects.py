"""What the plane applies once its API server is ready, the CRDs compiled specs use and the
node kwok plays, and the reads that say when they, and the plane, are ready."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from gmac.dev.cluster._api import AdminApi, ApiCallError
from gmac.errors import ClusterError

NODE_NAME = "kwok-node-0"
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"  # the nodes kwok plays carry it
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
NODE = f"/api/v1/nodes/{NODE_NAME}"
DEFAULT_SERVICE_ACCOUNT = "/api/v1/namespaces/default/serviceaccounts/default"

# Polls `check` until it holds, naming the component whose log explains a timeout.
Wait = Callable[[str, Callable[[], bool], str], None]


def node() -> dict[str, Any]:
    """The node kwok plays: schedulable, untainted, with room for any test."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE_NAME,
            "annotations": {KWOK_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
    }


def install_objects(api: AdminApi, crd_files: Sequence[Path], wait: Wait) -> list[str]:
    """Apply every CRD in `crd_files` and the fake node, then wait until each CRD is
    Established; returns the CRDs' names."""
    names: list[str] = []
    for source in crd_files:
        for document in yaml.safe_load_all(source.read_text()):
            if document:
                name = str(document["metadata"]["name"])
                _apply(api, f"installing CRD {name}", f"{CRDS}/{name}", document)
                names.append(name)
    _apply(api, "creating the fake node", NODE, node())
    for name in names:

        def established(path: str = f"{CRDS}/{name}") -> bool:
            return has_condition(api.get(path), "Established")

        wait("kube-apiserver", established, f"CRD {name} to be established")
    return names


def node_ready(api: AdminApi) -> bool:
    return has_condition(api.get(NODE), "Ready")


def default_service_account_made(api: AdminApi) -> bool:
    """The controller manager makes it: its sign of life, as it serves no health endpoint."""
    return api.get(DEFAULT_SERVICE_ACCOUNT) is not None


def has_condition(obj: dict[str, Any] | None, kind: str) -> bool:
    if obj is None:
        return False
    conditions = obj.get("status", {}).get("conditions") or []
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _apply(api: AdminApi, what: str, path: str, document: dict[str, Any]) -> None:
    try:
        api.apply(path, document)
    except ApiCallError as error:
        raise ClusterError(f"{what}: {error}") from None
