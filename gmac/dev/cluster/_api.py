"""The plane's own calls to its API server, as its admin: readiness (`/readyz`), server-side
apply of the objects it needs (CRDs, the fake node) and the reads it waits on.

They take the one way gmac reaches a Kubernetes API server, gmac.clients.kubernetes, with the
admin kubeconfig the plane writes. Each call is made once: the plane polls, and says what it
waited for when it gives up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gmac.clients.kubernetes import KubeTarget
from gmac.dev.cluster._kubeconfig import CONTEXT

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

FIELD_MANAGER = "gmac-dev-cluster"
TIMEOUT = (5, 5)  # seconds to connect, to read (the client ignores a single float)
DETAIL_CHARS = 500
_OBJECT_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>: ")


class ApiCallError(Exception):
    """A call got no answer, or an error status; its message is one line (`GET /path: why`)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AdminApi:
    def __init__(self, kubeconfig: Path) -> None:
        target = KubeTarget(kubeconfig=str(kubeconfig), context=CONTEXT)
        self._client = _without_retries(target.client())

    def ready(self) -> tuple[bool, str]:
        """Whether /readyz answers ok, and what it said (or why it could not be asked)."""
        try:
            body = self._call("GET", "/readyz", "GET /readyz")
        except ApiCallError as error:
            return False, str(error)
        return True, str(body).strip()

    def get(self, path: str, query: list[tuple[str, str]] | None = None) -> dict[str, Any] | None:
        """The object (or list) at `path`, None when it does not exist (404)."""
        try:
            data = self._call("GET", path, f"GET {path}", query=query)
        except ApiCallError as error:
            if error.status == 404:
                return None
            raise
        return data if isinstance(data, dict) else None

    def apply(self, path: str, document: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply of `document` at `path` (the object's own URL), forced."""
        data = self._call(
            "PATCH",
            path,
            f"apply {path}",
            body=document,
            query=[("fieldManager", FIELD_MANAGER), ("force", "true")],
            content_type="application/apply-patch+yaml",
        )
        return data if isinstance(data, dict) else {}

    def merge_patch(self, path: str, patch: dict[str, Any]) -> None:
        """A JSON merge patch of the object at `path`."""
        self._call(
            "PATCH", path, f"patch {path}", body=patch, content_type="application/merge-patch+json"
        )

    def _call(
        self,
        method: str,
        path: str,
        label: str,
        *,
        body: dict[str, Any] | None = None,
        query: list[tuple[str, str]] | None = None,
        content_type: str = "application/json",
    ) -> object:
        # Loaded with the client (target.client() imported it): no cost here.
        from kubernetes.client.exceptions import ApiException  # noqa: PLC0415
        from urllib3.exceptions import HTTPError  # noqa: PLC0415

        try:
            data, _status, _headers = self._client.call_api(
                path,
                method,
                query_params=query or [],
                header_params={"Accept": "application/json", "Content-Type": content_type},
                body=body,
                response_type="object",  # the JSON as it is; text (`ok`) as a string
                auth_settings=["BearerToken"],
                _request_timeout=TIMEOUT,
            )
        except ApiException as error:
            status = error.status or None  # 0: no answer (a TLS failure)
            prefix = f"{status} " if status else ""
            raise ApiCallError(f"{label}: {prefix}{_detail(error)}", status) from None
        except (HTTPError, OSError) as error:
            raise ApiCallError(f"{label}: {_one_line(str(error))}") from None
        return data


def _without_retries(client: ApiClient) -> ApiClient:
    """The same client with urllib3's retries off: they would log a warning for each refused
    connection while the plane polls a server that is starting."""
    from kubernetes.client import rest  # noqa: PLC0415 - loaded with the client

    client.configuration.retries = False
    client.rest_client = rest.RESTClientObject(client.configuration)
    return client


def _detail(error: Any) -> str:
    """The message of the Status object the server answered with, else its body or reason."""
    body = error.body if isinstance(error.body, str) else ""
    try:
        status = json.loads(body)
    except ValueError:
        status = None
    message = status.get("message") if isinstance(status, dict) else None
    return _one_line(str(message or body or error.reason or ""))[:DETAIL_CHARS]


def _one_line(text: str) -> str:
    return _OBJECT_REPR.sub("", " ".join(text.split()))
