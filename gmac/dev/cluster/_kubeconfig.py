"""Kubeconfig files for the local control plane: certificates embedded, one context."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from gmac.dev.cluster._certs import Pki
from gmac.fs import write_atomically

CONTEXT = "gmac-dev"


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")


def kubeconfig_text(server: str, pki: Pki, client: str, context: str = CONTEXT) -> str:
    """A kubeconfig for `client` (a stem in `gmac.dev.cluster._certs.CLIENTS`) at `server`."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": context,
                "cluster": {
                    "server": server,
                    "certificate-authority-data": _b64(pki.ca_cert),
                },
            }
        ],
        "users": [
            {
                "name": f"{context}-{client}",
                "user": {
                    "client-certificate-data": _b64(pki.client_cert(client)),
                    "client-key-data": _b64(pki.client_key(client)),
                },
            }
        ],
        "contexts": [
            {
                "name": context,
                "context": {"cluster": context, "user": f"{context}-{client}"},
            }
        ],
        "current-context": context,
        "preferences": {},
    }
    return yaml.safe_dump(document, sort_keys=False)


def write_kubeconfig(path: Path, text: str) -> Path:
    """Write a kubeconfig readable by its owner only (it holds a private key)."""
    write_atomically(path, text, mode=0o600)
    return path
