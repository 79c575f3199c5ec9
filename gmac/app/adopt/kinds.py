"""Which compiled resources can take over a live object, and how each is looked up.

- gmac's dynamic providers for Gitea, Stripe and Turso: the provider finds its counterpart
  (`find`) and says what adopting it would change (`differences`);
- Kubernetes objects: by API version, kind, namespace and name (gmac.app.adopt.kubernetes);
- everything else gmac makes itself on apply and nothing can exist before: image builds,
  database tokens (Turso shows none again), migrations, generated and sealed secrets.
"""

from __future__ import annotations

from typing import Any

import gmac.providers

KUBERNETES = "kubernetes:"
DYNAMIC = "pulumi-python:dynamic"

# The providers that adopt, by the type of the resources they serve: their names in
# gmac.providers, which imports a provider (and its service's client) when first asked, so
# an apply that looks up only Kubernetes objects imports none of them.
ADOPTING: dict[str, str] = {
    "pulumi-python:dynamic/gitea:Repository": "GiteaRepositoryProvider",
    "pulumi-python:dynamic/gitea:BranchProtection": "GiteaBranchProtectionProvider",
    "pulumi-python:dynamic/gitea:Webhook": "GiteaWebhookProvider",
    "pulumi-python:dynamic/stripe:Product": "StripeProductProvider",
    "pulumi-python:dynamic/stripe:Price": "StripePriceProvider",
    "pulumi-python:dynamic/stripe:WebhookEndpoint": "StripeWebhookEndpointProvider",
    "pulumi-python:dynamic/turso:Database": "TursoDatabaseProvider",
}


def provider_for(type_: str) -> Any | None:
    """A new provider of the type (they keep no state), or None when it does not adopt."""
    name = ADOPTING.get(type_)
    return getattr(gmac.providers, name)() if name is not None else None


def is_kubernetes_object(type_: str) -> bool:
    return type_.startswith(KUBERNETES)


def is_made_on_apply(type_: str) -> bool:
    """A resource gmac makes itself: nothing of it can exist before the first apply."""
    return type_.startswith(DYNAMIC) and type_ not in ADOPTING


def api_version_and_kind(type_: str) -> tuple[str, str]:
    """`kubernetes:apps/v1:Deployment` -> (`apps/v1`, `Deployment`); the core group has no
    group name (`kubernetes:core/v1:Secret` -> `v1`)."""
    _, group_version, kind = type_.split(":", 2)
    return group_version.removeprefix("core/"), kind
