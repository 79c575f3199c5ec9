"""Pulumi dynamic providers for what no provider plugin covers here: Gitea, Stripe, Turso and
image builds. Each remote object has a `ResourceProvider` (real create, read, diff, update and
delete against the real API) and a `Resource` to declare it with.

The providers are stateless; credentials are inputs (secrets). Their classes are published
here, under `gmac.providers`, and pickled by that name into every resource's `__provider`
input: the private module they live in can move without breaking existing state. The Gitea,
Stripe and Turso providers also adopt what already runs (`find`, `differences` and the
`adopt` input: gmac.providers._adopt). The calls themselves are made by the clients in
`gmac.clients`; `NewToken`, `rotate_gitea_token`, `rotate_turso_token` and
`apply_migrations` are theirs, published here too until every caller imports them from
there.
"""

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

PROVIDERS = (
    GeneratedSecretProvider,
    SealedValueProvider,
    GiteaRepositoryProvider,
    GiteaBranchProtectionProvider,
    GiteaWebhookProvider,
    StripeProductProvider,
    StripePriceProvider,
    StripeWebhookEndpointProvider,
    TursoDatabaseProvider,
    TursoDatabaseTokenProvider,
    TursoMigrationsProvider,
    ImageBuildProvider,
    LocalImageBuildProvider,
)
for _provider in PROVIDERS:
    _provider.__module__ = __name__

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
