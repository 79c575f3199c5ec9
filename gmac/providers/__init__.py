"""Pulumi dynamic providers for what no provider plugin covers here: Gitea, Stripe, Turso and
image builds. Each remote object has a `ResourceProvider` (real create, read, diff, update and
delete against the real API) and a `Resource` to declare it with.

The providers are stateless; credentials are inputs (secrets). Their classes are published
here, under `gmac.providers`, and pickled by that name into every resource's `__provider`
input (`_base.published`): the private module they live in can move without breaking
existing state. The Gitea, Stripe and Turso providers also adopt what already runs (`find`,
`differences` and the `adopt` input: gmac.providers._adopt). The calls themselves are made
by the clients in `gmac.clients`; `NewToken`, `rotate_gitea_token`, `rotate_turso_token` and
`apply_migrations` are theirs, published here too until every caller imports them from
there.

Each name is imported when first read (PEP 562): a program that declares only a generated
secret, and the engine's dynamic-provider process that unpickles its provider, import that
provider's module, not the HTTP clients of Gitea, Stripe and Turso.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gmac.clients.gitea import rotate_gitea_token
    from gmac.clients.libsql import apply_migrations
    from gmac.clients.stripe import DEFAULT_STRIPE_API_BASE
    from gmac.clients.tokens import NewToken
    from gmac.clients.turso import DEFAULT_TURSO_API_BASE, rotate_turso_token
    from gmac.providers._adopt import ADOPT_INPUT, Candidate, Difference, Finding
    from gmac.providers._build_log import STAGE_PREFIX, BuildOutcome, read_outcome
    from gmac.providers._generated import (
        GeneratedSecret,
        GeneratedSecretProvider,
        SealedValue,
        SealedValueProvider,
    )
    from gmac.providers._gitea import GiteaRepository, GiteaRepositoryProvider
    from gmac.providers._gitea_branches import GiteaBranchProtection, GiteaBranchProtectionProvider
    from gmac.providers._gitea_webhooks import GiteaWebhook, GiteaWebhookProvider
    from gmac.providers._image import ImageBuild, ImageBuildProvider
    from gmac.providers._image_job import DEFAULT_BUILDER_IMAGE
    from gmac.providers._image_local import INPUTS_LABEL, LocalImageBuild, LocalImageBuildProvider
    from gmac.providers._stripe import StripeProduct, StripeProductProvider
    from gmac.providers._stripe_prices import StripePrice, StripePriceProvider
    from gmac.providers._stripe_webhooks import StripeWebhookEndpoint, StripeWebhookEndpointProvider
    from gmac.providers._turso import (
        TursoDatabase,
        TursoDatabaseProvider,
        TursoDatabaseToken,
        TursoDatabaseTokenProvider,
        TursoMigrations,
        TursoMigrationsProvider,
    )

# Where each public name lives.
_HOMES: dict[str, str] = {
    "rotate_gitea_token": "gmac.clients.gitea",
    "apply_migrations": "gmac.clients.libsql",
    "DEFAULT_STRIPE_API_BASE": "gmac.clients.stripe",
    "NewToken": "gmac.clients.tokens",
    "DEFAULT_TURSO_API_BASE": "gmac.clients.turso",
    "rotate_turso_token": "gmac.clients.turso",
    "ADOPT_INPUT": "gmac.providers._adopt",
    "Candidate": "gmac.providers._adopt",
    "Difference": "gmac.providers._adopt",
    "Finding": "gmac.providers._adopt",
    "STAGE_PREFIX": "gmac.providers._build_log",
    "BuildOutcome": "gmac.providers._build_log",
    "read_outcome": "gmac.providers._build_log",
    "GeneratedSecret": "gmac.providers._generated",
    "GeneratedSecretProvider": "gmac.providers._generated",
    "SealedValue": "gmac.providers._generated",
    "SealedValueProvider": "gmac.providers._generated",
    "GiteaRepository": "gmac.providers._gitea",
    "GiteaRepositoryProvider": "gmac.providers._gitea",
    "GiteaBranchProtection": "gmac.providers._gitea_branches",
    "GiteaBranchProtectionProvider": "gmac.providers._gitea_branches",
    "GiteaWebhook": "gmac.providers._gitea_webhooks",
    "GiteaWebhookProvider": "gmac.providers._gitea_webhooks",
    "ImageBuild": "gmac.providers._image",
    "ImageBuildProvider": "gmac.providers._image",
    "DEFAULT_BUILDER_IMAGE": "gmac.providers._image_job",
    "INPUTS_LABEL": "gmac.providers._image_local",
    "LocalImageBuild": "gmac.providers._image_local",
    "LocalImageBuildProvider": "gmac.providers._image_local",
    "StripeProduct": "gmac.providers._stripe",
    "StripeProductProvider": "gmac.providers._stripe",
    "StripePrice": "gmac.providers._stripe_prices",
    "StripePriceProvider": "gmac.providers._stripe_prices",
    "StripeWebhookEndpoint": "gmac.providers._stripe_webhooks",
    "StripeWebhookEndpointProvider": "gmac.providers._stripe_webhooks",
    "TursoDatabase": "gmac.providers._turso",
    "TursoDatabaseProvider": "gmac.providers._turso",
    "TursoDatabaseToken": "gmac.providers._turso",
    "TursoDatabaseTokenProvider": "gmac.providers._turso",
    "TursoMigrations": "gmac.providers._turso",
    "TursoMigrationsProvider": "gmac.providers._turso",
}
_PROVIDER_NAMES = (
    "GeneratedSecretProvider",
    "SealedValueProvider",
    "GiteaRepositoryProvider",
    "GiteaBranchProtectionProvider",
    "GiteaWebhookProvider",
    "StripeProductProvider",
    "StripePriceProvider",
    "StripeWebhookEndpointProvider",
    "TursoDatabaseProvider",
    "TursoDatabaseTokenProvider",
    "TursoMigrationsProvider",
    "ImageBuildProvider",
    "LocalImageBuildProvider",
)


def __getattr__(name: str) -> Any:
    """The public name `name`, imported from its module the first time it is read."""
    if name == "PROVIDERS":
        value: Any = tuple(__getattr__(provider) for provider in _PROVIDER_NAMES)
    elif name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "ADOPT_INPUT",
    "DEFAULT_BUILDER_IMAGE",
    "DEFAULT_STRIPE_API_BASE",
    "DEFAULT_TURSO_API_BASE",
    "INPUTS_LABEL",
    "PROVIDERS",
    "STAGE_PREFIX",
    "BuildOutcome",
    "Candidate",
    "Difference",
    "Finding",
    "GeneratedSecret",
    "GeneratedSecretProvider",
    "GiteaBranchProtection",
    "GiteaBranchProtectionProvider",
    "GiteaRepository",
    "GiteaRepositoryProvider",
    "GiteaWebhook",
    "GiteaWebhookProvider",
    "ImageBuild",
    "ImageBuildProvider",
    "LocalImageBuild",
    "LocalImageBuildProvider",
    "NewToken",
    "SealedValue",
    "SealedValueProvider",
    "StripePrice",
    "StripePriceProvider",
    "StripeProduct",
    "StripeProductProvider",
    "StripeWebhookEndpoint",
    "StripeWebhookEndpointProvider",
    "TursoDatabase",
    "TursoDatabaseProvider",
    "TursoDatabaseToken",
    "TursoDatabaseTokenProvider",
    "TursoMigrations",
    "TursoMigrationsProvider",
    "apply_migrations",
    "read_outcome",
    "rotate_gitea_token",
    "rotate_turso_token",
]
