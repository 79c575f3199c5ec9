"""Kubernetes objects that already run, found by API version, kind, namespace and name.

Each kind is listed once per namespace (a LIST, not a GET per object: an apply of 50
services looks up 201 objects of 5 kinds); where the user may get objects but not list them
(RBAC often denies listing Secrets), each is read on its own.

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
from gmac.errors import IntegrationError
from gmac.providers import Candidate, Finding

FORBIDDEN = 403


class KubernetesFinder:
    """Looks objects up in the environment's cluster, connecting on the first look-up."""

    def __init__(self, target: KubeTarget, namespace: str) -> None:
        self.target = target
        self.namespace = namespace
        self._objects: LiveObjects | None = None
        # (API version, kind, namespace) -> name -> object; None where listing is forbidden
        self._listed: dict[tuple[str, str, str], dict[str, dict[str, Any]] | None] = {}

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
        found = self._read(api_version, kind, namespace, name)
        if found is None:
            return Finding(what)
        uid = str((found.get("metadata") or {}).get("uid", ""))
        import_id = f"{namespace}/{name}" if namespace else name
        ours = FIELD_MANAGER in field_managers(found)
        return Finding(
            what, (Candidate(import_id, f"uid {uid}"),), how="by namespace/kind/name", ours=ours
        )

    def _read(self, api_version: str, kind: str, namespace: str, name: str) -> Any:
        key = (api_version, kind, namespace)
        if key not in self._listed:
            try:
                self._listed[key] = self._live().all_of(api_version, kind, namespace)
            except IntegrationError as error:
                if error.status != FORBIDDEN:
                    raise
                self._listed[key] = None
        listed = self._listed[key]
        if listed is None:
            return self._live().get(api_version, kind, namespace, name)
        return listed.get(name)
