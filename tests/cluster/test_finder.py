"""How an apply finds the Kubernetes objects that already run (gmac.app.adopt.kubernetes), on
the session's real API server: each kind listed once per namespace, and object by object
where RBAC lets the user read a kind but not list it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import kubernetes
import yaml

from gmac.app.adopt.kubernetes import KubernetesFinder
from gmac.clients.kubernetes import KubeTarget
from gmac.dev.cluster import ControlPlane
from gmac.engine.program import FIELD_MANAGER

CONFIGMAP = "kubernetes:core/v1:ConfigMap"


def _namespace(kube: Any, *config_maps: str) -> str:
    """A fresh namespace holding `config_maps`: the first made by gmac (server-side apply as
    its field manager), the others by hand."""
    name = f"finder-{uuid.uuid4().hex[:8]}"
    core = kubernetes.client.CoreV1Api(kube)
    core.create_namespace({"metadata": {"name": name}})
    first, *others = config_maps
    kubernetes.dynamic.DynamicClient(kube).resources.get(api_version="v1", kind="ConfigMap").patch(
        # A field of its own: a manager that owns no field gets no managedFields entry.
        body={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": first},
            "data": {"a": "b"},
        },
        namespace=name,
        name=first,
        content_type="application/apply-patch+yaml",
        field_manager=FIELD_MANAGER,
    )
    for other in others:
        core.create_namespaced_config_map(name, {"metadata": {"name": other}})
    return name


def _inputs(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}}


def _found(finder: KubernetesFinder, name: str) -> tuple[str, bool]:
    finding = finder.find(CONFIGMAP, _inputs(name))
    return finding.status, finding.ours


def test_objects_are_found_by_listing_their_kind(
    control_plane: ControlPlane, kube: Any, tmp_path: Path
) -> None:
    namespace = _namespace(kube, "made-by-gmac", "by-hand")
    target = KubeTarget(str(control_plane.kubeconfig), control_plane.context, tmp_path)
    finder = KubernetesFinder(target, namespace)
    assert _found(finder, "made-by-gmac") == ("found", True)
    assert _found(finder, "by-hand") == ("found", False)
    assert _found(finder, "none-such") == ("missing", False)
    finding = finder.find(CONFIGMAP, _inputs("by-hand"))
    assert finding.id == f"{namespace}/by-hand"
    assert finding.what == f"ConfigMap {namespace}/by-hand"


def test_a_kind_the_user_may_read_but_not_list_is_read_object_by_object(
    control_plane: ControlPlane, kube: Any, tmp_path: Path
) -> None:
    namespace = _namespace(kube, "made-by-gmac", "by-hand")
    kubeconfig = _reader_kubeconfig(control_plane, kube, namespace, tmp_path)
    listing = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))
    try:
        core = kubernetes.client.CoreV1Api(listing)
        try:
            core.list_namespaced_config_map(namespace)
        except kubernetes.client.exceptions.ApiException as error:
            assert error.status == 403
        else:
            raise AssertionError("the reader may list ConfigMaps: the test proves nothing")
        assert core.read_namespaced_config_map("by-hand", namespace).metadata.name == "by-hand"
    finally:
        listing.close()

    finder = KubernetesFinder(KubeTarget(str(kubeconfig), "reader", tmp_path), namespace)
    assert _found(finder, "made-by-gmac") == ("found", True)
    assert _found(finder, "by-hand") == ("found", False)
    assert _found(finder, "none-such") == ("missing", False)


def _reader_kubeconfig(
    control_plane: ControlPlane, kube: Any, namespace: str, folder: Path
) -> Path:
    """A kubeconfig of a service account that may get ConfigMaps in `namespace`, not list
    them: the API server's own token for it (TokenRequest)."""
    core = kubernetes.client.CoreV1Api(kube)
    rbac = kubernetes.client.RbacAuthorizationV1Api(kube)
    core.create_namespaced_service_account(namespace, {"metadata": {"name": "reader"}})
    rbac.create_namespaced_role(
        namespace,
        {
            "metadata": {"name": "reader"},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}],
        },
    )
    rbac.create_namespaced_role_binding(
        namespace,
        {
            "metadata": {"name": "reader"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": namespace}],
        },
    )
    token = core.create_namespaced_service_account_token(
        "reader", namespace, {"spec": {"expirationSeconds": 3600}}
    ).status.token
    admin = yaml.safe_load(control_plane.kubeconfig.read_text())
    cluster = admin["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "plane", "cluster": cluster}],
        "users": [{"name": "reader", "user": {"token": token}}],
        "contexts": [{"name": "reader", "context": {"cluster": "plane", "user": "reader"}}],
        "current-context": "reader",
    }
    path = folder / "reader.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path
