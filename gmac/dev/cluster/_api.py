"""A few calls to the API server over HTTPS with the admin certificate: readiness, server-side
apply of the objects the control plane needs (CRDs, the fake node), and reads to wait on.

Only the standard library: gmac itself does not depend on a Kubernetes client.
"""

from __future__ import annotations

import http.client
import json
import ssl
from typing import Any

from gmac.dev.cluster._certs import Pki

FIELD_MANAGER = "gmac-dev-cluster"


class ApiClient:
    def __init__(self, port: int, pki: Pki, *, host: str = "127.0.0.1", timeout: float = 5) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        context = ssl.create_default_context(cafile=str(pki.ca_cert))
        context.load_cert_chain(str(pki.client_cert("admin")), str(pki.client_key("admin")))
        self._context = context

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "application/json",
    ) -> tuple[int, bytes]:
        """One request; OSError (refused, reset, timed out) is the caller's to handle."""
        connection = http.client.HTTPSConnection(
            self.host, self.port, context=self._context, timeout=self.timeout
        )
        try:
            headers = {"Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = content_type
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def ready(self) -> tuple[bool, str]:
        """Whether /readyz answers ok, and what it said (or why it could not be asked)."""
        try:
            status, body = self.request("GET", "/readyz")
        except (OSError, http.client.HTTPException) as error:
            return False, str(error)
        return status == 200, body.decode("utf-8", "replace").strip()

    def get(self, path: str) -> dict[str, Any] | None:
        """The object at `path`, None when it does not exist (404)."""
        status, body = self.request("GET", path)
        if status == 404:
            return None
        if status != 200:
            raise OSError(f"GET {path}: {status} {body[:300].decode('utf-8', 'replace')}")
        data = json.loads(body)
        return data if isinstance(data, dict) else None

    def apply(self, path: str, document: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply of `document` at `path` (the object's own URL), forced."""
        query = f"?fieldManager={FIELD_MANAGER}&force=true"
        status, body = self.request(
            "PATCH",
            path + query,
            json.dumps(document).encode(),
            content_type="application/apply-patch+yaml",
        )
        if status not in (200, 201):
            raise OSError(f"apply {path}: {status} {body[:500].decode('utf-8', 'replace')}")
        data = json.loads(body)
        return data if isinstance(data, dict) else {}
