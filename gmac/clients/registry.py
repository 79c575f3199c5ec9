"""An OCI registry (the Distribution API v2): whether it still holds an image's manifest.

Only anonymous reads: a registry that wants credentials cannot say, and says so (None).
"""

from __future__ import annotations

from gmac.clients.http import Api
from gmac.errors import IntegrationError

SERVICE = "registry"
TIMEOUT = 15.0
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)


def registry_parts(image: str) -> tuple[str, str]:
    """`registry.example.com/team/api` -> (`registry.example.com`, `team/api`); a name
    without a registry host is Docker Hub's."""
    host, _, path = image.partition("/")
    if not path or ("." not in host and ":" not in host and host != "localhost"):
        return "registry-1.docker.io", image if path else f"library/{image}"
    return host, path


def has_manifest(image: str, digest: str) -> bool | None:
    """Whether the registry of `image` (`host/path`) has the manifest `digest`; None when it
    cannot tell (unreachable, or it wants credentials)."""
    host, path = registry_parts(image)
    scheme = "http" if host.startswith(("localhost", "127.0.0.1")) else "https"
    registry = Api(SERVICE, f"{scheme}://{host}", timeout=TIMEOUT)
    try:
        answer = registry.send(
            "HEAD", f"/v2/{path}/manifests/{digest}", headers={"Accept": MANIFEST_TYPES}
        )
    except IntegrationError:
        return None
    if answer.status_code == 404:
        return False
    return True if answer.is_success else None
