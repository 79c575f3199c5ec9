"""kwok started again: the node's pods are touched once, so that kwok plays its stages for
every one of them, as a kubelet's next status sync would report them.

kwok (v0.8.0) takes a new identity each time it starts. It renews the node's lease under
it and at once lists the node's pods, but a pod it meets while its lease cache still names
the identity before is skipped as "read only", and nothing is played for that pod until it
changes. Pods that the node lifecycle controller marked not ready while kwok was gone
would stay not ready for good. So, once the new identity holds the lease and kwok's cache
has had a moment to see it, each pod on the node gets an annotation: one more event each.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from gmac.dev.cluster._api import AdminApi, ApiCallError
from gmac.dev.cluster._objects import NODE_NAME

LEASE = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{NODE_NAME}"
TOUCHED = "gmac.dev/kwok-started"  # the annotation: when kwok last started
CACHE_SECONDS = 2.0  # for kwok's lease cache to see the lease it has just renewed


def lease_holder(api: AdminApi) -> str | None:
    """Who holds the node's lease: a kwok process's identity; None when there is no lease
    or the API server does not answer."""
    try:
        lease = api.get(LEASE)
    except ApiCallError:
        return None
    holder = ((lease or {}).get("spec") or {}).get("holderIdentity")
    return holder if isinstance(holder, str) else None


def touch_pods(api: AdminApi) -> int:
    """After a moment for kwok's lease cache, annotate every pod on the node once; how many
    were touched."""
    time.sleep(CACHE_SECONDS)
    listed = api.get("/api/v1/pods", query=[("fieldSelector", f"spec.nodeName={NODE_NAME}")])
    at = datetime.now(UTC).isoformat(timespec="seconds")
    touched = 0
    for pod in (listed or {}).get("items", []):
        meta = pod.get("metadata", {})
        path = f"/api/v1/namespaces/{meta.get('namespace')}/pods/{meta.get('name')}"
        try:
            api.merge_patch(path, {"metadata": {"annotations": {TOUCHED: at}}})
        except ApiCallError as error:
            if error.status != 404:  # a pod deleted meanwhile needs nothing
                raise
            continue
        touched += 1
    return touched
