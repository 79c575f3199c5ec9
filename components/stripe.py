"""Stripe: the products, prices and webhook endpoints of a Stripe integration."""

from __future__ import annotations

import pulumi

from components._integrations import api_base, secret_input
from components.context import CompileContext
from gmac.models import StripeIntegration
from gmac.providers import (
    DEFAULT_STRIPE_API_BASE,
    StripePrice,
    StripeProduct,
    StripeWebhookEndpoint,
)

TYPE = "gmac:index:Stripe"
API_BASE_VARIABLE = "GMAC_STRIPE_API_BASE"


class Stripe(pulumi.ComponentResource):
    """Every product and price of the integration, and its webhook endpoints.

    Children: `{name}-product-{product}`, `{name}-price-{price}`,
    `{name}-webhook-{signing_secret}`. Outputs: `product_ids` and `price_ids` by spec id,
    `signing_secrets` by secret name (secret outputs, for the secret store). Each object
    carries `gmac_project`, `gmac_environment` and `gmac_id` metadata; each price the
    lookup key `{project}-{environment}-{price}`.
    """

    product_ids: dict[str, pulumi.Output[str]]
    price_ids: dict[str, pulumi.Output[str]]
    signing_secrets: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        integration: StripeIntegration,
        ctx: CompileContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        key_secret = integration.credentials.secret
        api_key = secret_input(ctx, key_secret)
        base = api_base(API_BASE_VARIABLE, DEFAULT_STRIPE_API_BASE)
        child = pulumi.ResourceOptions(parent=self)

        def metadata(spec_id: str) -> dict[str, str]:
            return {
                "gmac_project": ctx.project.name,
                "gmac_environment": ctx.env,
                "gmac_id": spec_id,
            }

        self.product_ids = {}
        self.price_ids = {}
        self.signing_secrets = {}
        for product in integration.products:
            created = StripeProduct(
                f"{name}-product-{product.id}",
                api_key=api_key,
                api_key_secret=key_secret,
                api_base=base,
                key=product.id,
                name=product.name,
                description=product.description or "",
                metadata=metadata(product.id),
                opts=child,
            )
            self.product_ids[product.id] = created.id
            for price in product.prices:
                self.price_ids[price.id] = StripePrice(
                    f"{name}-price-{price.id}",
                    api_key=api_key,
                    api_key_secret=key_secret,
                    api_base=base,
                    key=price.id,
                    product=created.id,
                    currency=price.currency,
                    unit_amount=price.unit_amount,
                    interval=price.interval,
                    interval_count=price.interval_count,
                    lookup_key=f"{ctx.project.name}-{ctx.env}-{price.id}",
                    metadata=metadata(price.id),
                    opts=child,
                ).id
        for webhook in integration.webhooks:
            endpoint = StripeWebhookEndpoint(
                f"{name}-webhook-{webhook.signing_secret}",
                api_key=api_key,
                api_key_secret=key_secret,
                api_base=base,
                key=webhook.signing_secret,
                url=webhook.url,
                enabled_events=webhook.events,
                description=f"gmac: {ctx.project.name} ({ctx.env})",
                metadata=metadata(webhook.signing_secret),
                # Only an adoption reads it: the secret of an endpoint that already runs.
                adopt_signing_secret=(ctx.secret_values or {}).get(webhook.signing_secret, ""),
                opts=child,
            )
            self.signing_secrets[webhook.signing_secret] = pulumi.Output.secret(
                endpoint.signing_secret
            )
        self.register_outputs(
            {
                "product_ids": self.product_ids,
                "price_ids": self.price_ids,
                "signing_secrets": self.signing_secrets,
            }
        )
