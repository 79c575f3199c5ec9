"""Any Kubernetes object by its identity: API version, kind, namespace and name, through the
kubernetes package's dynamic client (its discovery tells a namespaced kind from a cluster one,
and finds custom resources such as a PrometheusRule).

    GET /apis/GROUP/VERSION/namespaces/NS/KIND/NAME     (or /api/v1/... for the core group)
    GET /apis/GROUP/VERSION/namespaces/NS/KIND          every object of a kind: one LIST

The API client comes from `gmac.clients.kubernetes.KubeTarget(...).client()`. Failures are
`kubernetes: ...` IntegrationErrors naming the server; a kind the server does not serve is
one too (its CRD is not installed).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

from gmac.clients.http import redact_url
from gmac.errors import IntegrationError

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

SERVICE = "kubernetes"
REQUEST_TIMEOUT = (3.0, 10.0)  # connect, read


class LiveObjects:
    """Reads objects of one cluster, each by its identity."""

    def __init__(self, api_client: ApiClient) -> None:
        self.api_client = api_client
        self.server = redact_url(str(api_client.configuration.host))

    @cached_property
    def _dynamic(self) -> Any:
        from kubernetes.dynamic import DynamicClient  # noqa: PLC0415 - slow to import

        try:
            return DynamicClient(self.api_client)
        except Exception as error:  # the client's discovery raises many kinds
            raise self._error(f"cannot read the API's resources: {error}") from None

    def _resource(self, api_version: str, kind: str) -> Any:
        from kubernetes.dynamic.exceptions import (  # noqa: PLC0415
            ResourceNotFoundError,
            ResourceNotUniqueError,
        )

        try:
            return self._dynamic.resources.get(api_version=api_version, kind=kind)
        except (ResourceNotFoundError, ResourceNotUniqueError):
            raise self._error(f"{self.server} serves no {kind} of {api_version}") from None

    def namespaced(self, api_version: str, kind: str) -> bool:
        return bool(self._resource(api_version, kind).namespaced)

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        """The object as the API server returns it, or None when there is none."""
        from kubernetes.client.exceptions import ApiException  # noqa: PLC0415

        resource = self._resource(api_version, kind)
        options: dict[str, Any] = {"name": name, "_request_timeout": REQUEST_TIMEOUT}
        if resource.namespaced:
            options["namespace"] = namespace
        try:
            found = resource.get(**options)
        except ApiException as error:
            if error.status == 404:
                return None
            raise self._error(f"GET {kind} {name}: {error.reason}", error.status) from None
        except OSError as error:
            raise self._error(f"cannot reach {self.server}: {error}") from None
        data: dict[str, Any] = found.to_dict()
        return data

    def all_of(self, api_version: str, kind: str, namespace: str) -> dict[str, dict[str, Any]]:
        """Every object of the kind in `namespace` (in the cluster, for a cluster kind) as the
        API server lists them, by name: one request where `get` makes one per object."""
        from kubernetes.client.exceptions import ApiException  # noqa: PLC0415

        resource = self._resource(api_version, kind)
        options: dict[str, Any] = {"_request_timeout": REQUEST_TIMEOUT}
        if resource.namespaced:
            options["namespace"] = namespace
        try:
            listed = resource.get(**options)
        except ApiException as error:
            raise self._error(f"LIST {kind}: {error.reason}", error.status) from None
        except OSError as error:
            raise self._error(f"cannot reach {self.server}: {error}") from None
        items: list[dict[str, Any]] = listed.to_dict().get("items") or []
        return {str(item["metadata"]["name"]): item for item in items}

    def _error(self, message: str, status: int | None = None) -> IntegrationError:
        return IntegrationError(SERVICE, message, status=status)


def field_managers(found: dict[str, Any]) -> set[str]:
    """The managers of the object's fields (its `metadata.managedFields`)."""
    managed = (found.get("metadata") or {}).get("managedFields") or []
    return {str(entry.get("manager", "")) for entry in managed}
