"""Where a provider's inputs become a client: which input holds the URL, the credential and
the name of its secret, for each service. Built once per call from the property bag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gmac.clients.gitea import GiteaClient, GiteaConnection
from gmac.clients.kubernetes import KubeTarget
from gmac.clients.turso import DEFAULT_TURSO_API_BASE, TursoClient, TursoConnection
from gmac.providers._base import Props

if TYPE_CHECKING:
    from gmac.clients.stripe import StripeApi


def gitea_client(p: Props) -> GiteaClient:
    """`base_url`, `token` and `token_secret`; fails at once without a token."""
    connection = GiteaConnection(
        p.text("base_url"), token=p.text("token"), token_secret=p.text("token_secret")
    )
    client = GiteaClient(connection)
    client.require_credentials()
    return client


def stripe_api(p: Props) -> StripeApi:
    """`api_key`, `api_key_secret` and `api_base`; fails at once without a key."""
    # Stripe's SDK takes 0.035 s to import: a plan that declares Stripe objects but calls
    # nothing in the program's process should not pay for it (the provider's process does).
    from gmac.clients.stripe import (  # noqa: PLC0415
        DEFAULT_STRIPE_API_BASE,
        StripeApi,
        StripeConnection,
    )

    connection = StripeConnection(
        p.text("api_key"),
        api_key_secret=p.text("api_key_secret"),
        api_base=p.text("api_base") or DEFAULT_STRIPE_API_BASE,
    )
    return StripeApi(connection)


def turso_client(p: Props) -> TursoClient:
    """`api_base`, `token` and `token_secret`; fails at once without a token."""
    connection = TursoConnection(
        p.text("api_base") or DEFAULT_TURSO_API_BASE,
        token=p.text("token"),
        token_secret=p.text("token_secret"),
    )
    client = TursoClient(connection)
    client.require_credentials()
    return client


def kube_target(p: Props) -> KubeTarget:
    """`kubeconfig` (a path; empty for the default) and `context` (empty for the current)."""
    return KubeTarget(p.text("kubeconfig") or None, p.text("context") or None)
