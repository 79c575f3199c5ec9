"""Kubernetes objects that already run, found by API version, kind, namespace and name.

An object is gmac's own when `gmac` manages some of its fields (every object gmac applies is
sent server-side as field manager `gmac`): an earlier apply made it and its state was not
saved. Pulumi's import takes an object by `namespace/name` (`name` for a cluster object).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gmac.app.adopt.kinds import api_version_and_kind
from gmac.clients.kubernetes import KubeTarget
from gmac.clients.kubernetes_objects import LiveObjects, field_managers
from gmac.engine.program import FIELD_MANAGER
from gmac.providers import Candidate, Finding


class KubernetesFinder:
    """Looks objects up in the environment's cluster, connecting on the first look-up."""

    def __init__(self, target: KubeTarget, namespace: str) -> None:
        self.target = target
        self.namespace = namespace
        self._objects: LiveObjects | None = None

    def _live(self) -> LiveObjects:
        if self._objects is None:
            self._objects = LiveObjects(self.target.client())
        return self._objects

    def find(self, type_: str, inputs: Mapping[str, Any]) -> Finding:
        api_version, kind = api_version_and_kind(type_)
        metadata = inputs.get("metadata") or {}
        name = str(metadata.get("name") or "")
        live = self._live()
        namespaced = live.namespaced(api_version, kind)
        namespace = str(metadata.get("namespace") or self.namespace) if namespaced else ""
        what = f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"
        found = live.get(api_version, kind, namespace, name)
        if found is None:
            return Finding(what)
        uid = str((found.get("metadata") or {}).get("uid", ""))
        import_id = f"{namespace}/{name}" if namespace else name
        ours = FIELD_MANAGER in field_managers(found)
        return Finding(
            what, (Candidate(import_id, f"uid {uid}"),), how="by namespace/kind/name", ours=ours
        )
