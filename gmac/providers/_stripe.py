"""Stripe: products, prices and webhook endpoints, through `gmac.clients.stripe`.

Every resource takes `api_key` (secret), `api_key_secret` (the gmac secret's name, for
messages), `api_base` (https://api.stripe.com, or a stripe-mock URL) and `key` (the spec's
id). Stripe never deletes a product or a price that was used, so `delete` archives them
(`active=false`); webhook endpoints are deleted.

Creates, and a create whose answer was lost: each object gmac makes carries a marker in its
metadata (`gmac_key`: the resource's key and create inputs, hashed; the same on every run).
A create first looks for an object with its marker (an active product or price, any
endpoint) and takes it over; only when there is none does it make one, with an idempotency
key new for this attempt (resent only by the retries of this one request). An endpoint found
that way has lost its signing secret (only the create's answer holds it), so it is deleted
and made again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.providers._base import (
    Props,
    compare,
    idempotency_key,
    outputs,
    resource_marker,
    secret_options,
)
from gmac.providers._connections import stripe_api

if TYPE_CHECKING:
    from stripe.params import (
        PriceCreateParams,
        PriceUpdateParams,
        ProductCreateParams,
        ProductUpdateParams,
        WebhookEndpointCreateParams,
        WebhookEndpointUpdateParams,
    )


MARKER_KEY = "gmac_key"  # the metadata key of the marker


def _marked(kind: str, p: Props, params: Any) -> tuple[str, Any]:
    """The marker of a create's inputs, and the inputs with it in their metadata."""
    marker = resource_marker(kind, p.text("key"), params)
    return marker, {**params, "metadata": {**params.get("metadata", {}), MARKER_KEY: marker}}


def _our_metadata(p: Props, live: Any) -> dict[str, str]:
    """The live values of the metadata keys gmac sets; keys added by hand are left alone."""
    values = live.to_dict() if hasattr(live, "to_dict") else dict(live or {})
    return {key: str(values[key]) for key in p.mapping("metadata") if key in values}


def _metadata_update(old: Props, new: Props) -> dict[str, str]:
    """New metadata, with keys gmac no longer sets cleared (Stripe clears a key set to "")."""
    cleared = {key: "" for key in old.mapping("metadata") if key not in new.mapping("metadata")}
    return {**cleared, **new.mapping("metadata")}


def _events(p: Props) -> Any:
    # Stripe's types list every event name as a Literal; the spec's pattern checked the shape.
    return p.strings("enabled_events")


# Product ------------------------------------------------------------------------------------


class StripeProductProvider(ResourceProvider):
    """A product; archived (`active=false`) on delete, reactivated if found archived."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=("api_base",),
            update=("name", "description", "metadata", "active"),
            credentials=("api_key",),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = stripe_api(p)
        params: ProductCreateParams = {
            "name": p.text("name"),
            "metadata": p.mapping("metadata"),
        }
        if p.text("description"):
            params["description"] = p.text("description")
        marker, marked = _marked("product", p, params)
        product = api.find_product(MARKER_KEY, marker) or api.create_product(
            marked, idempotency_key(marker)
        )
        return CreateResult(product.id, outputs(p, active=True))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        product = stripe_api(p).product(id_)
        if product is None:
            return ReadResult(None, {})
        live = outputs(
            p,
            name=product.name,
            description=product.description or "",
            metadata=_our_metadata(p, product.metadata),
            active=product.active,
        )
        return ReadResult(id_, live)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        params: ProductUpdateParams = {
            "name": new.text("name"),
            "description": new.text("description"),
            "metadata": _metadata_update(old, new),
            "active": True,
        }
        stripe_api(new).update_product(id_, params)
        return UpdateResult(outputs(new, active=True))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stripe_api(Props(props)).archive_product(id_)


class StripeProduct(Resource, module="stripe", name="Product"):
    """A Stripe product (see `StripeProductProvider`); its ID is the product ID."""

    def __init__(
        self,
        resource_name: str,
        *,
        api_key: pulumi.Input[str],
        api_key_secret: str,
        api_base: str,
        key: str,
        name: str,
        description: str = "",
        metadata: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "api_key": api_key,
            "api_key_secret": api_key_secret,
            "api_base": api_base,
            "key": key,
            "name": name,
            "description": description,
            "metadata": dict(metadata or {}),
            "active": True,
        }
        super().__init__(
            StripeProductProvider(), resource_name, props, secret_options(opts, "api_key")
        )


# Price --------------------------------------------------------------------------------------

PRICE_IMMUTABLE = ("api_base", "product", "currency", "unit_amount", "interval", "interval_count")


class StripePriceProvider(ResourceProvider):
    """A price. Amount, currency, product and interval cannot change in Stripe: a change is a
    new price (created first, taking over the lookup key), the old one archived."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=PRICE_IMMUTABLE,
            update=("lookup_key", "metadata", "active"),
            credentials=("api_key",),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = stripe_api(p)
        params: PriceCreateParams = {
            "product": p.text("product"),
            "currency": p.text("currency"),
            "unit_amount": p.number("unit_amount"),
            "metadata": p.mapping("metadata"),
        }
        if p.text("interval"):
            params["recurring"] = {
                "interval": p.text("interval"),
                "interval_count": p.number("interval_count", 1),
            }
        if p.text("lookup_key"):
            params["lookup_key"] = p.text("lookup_key")
            params["transfer_lookup_key"] = True
        marker, marked = _marked("price", p, params)
        price = api.find_price(params["product"], MARKER_KEY, marker) or api.create_price(
            marked, idempotency_key(marker)
        )
        return CreateResult(price.id, outputs(p, active=True))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        price = stripe_api(p).price(id_)
        if price is None:
            return ReadResult(None, {})
        recurring = price.recurring
        product = price.product if isinstance(price.product, str) else price.product.id
        live = outputs(
            p,
            product=product,
            currency=price.currency,
            unit_amount=price.unit_amount,
            interval=recurring.interval if recurring else "",
            interval_count=recurring.interval_count if recurring else 1,
            lookup_key=price.lookup_key or "",
            metadata=_our_metadata(p, price.metadata),
            active=price.active,
        )
        return ReadResult(id_, live)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        params: PriceUpdateParams = {
            "metadata": _metadata_update(old, new),
            "active": True,
        }
        if new.text("lookup_key"):
            params["lookup_key"] = new.text("lookup_key")
            params["transfer_lookup_key"] = True
        stripe_api(new).update_price(id_, params)
        return UpdateResult(outputs(new, active=True))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stripe_api(Props(props)).archive_price(id_)


class StripePrice(Resource, module="stripe", name="Price"):
    """A Stripe price of a product: one-time, or recurring when `interval` is given."""

    def __init__(
        self,
        resource_name: str,
        *,
        api_key: pulumi.Input[str],
        api_key_secret: str,
        api_base: str,
        key: str,
        product: pulumi.Input[str],
        currency: str,
        unit_amount: int,
        interval: str | None = None,
        interval_count: int = 1,
        lookup_key: str = "",
        metadata: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "api_key": api_key,
            "api_key_secret": api_key_secret,
            "api_base": api_base,
            "key": key,
            "product": product,
            "currency": currency,
            "unit_amount": unit_amount,
            "interval": interval or "",
            "interval_count": interval_count,
            "lookup_key": lookup_key,
            "metadata": dict(metadata or {}),
            "active": True,
        }
        super().__init__(
            StripePriceProvider(), resource_name, props, secret_options(opts, "api_key")
        )


# Webhook endpoint ---------------------------------------------------------------------------


class StripeWebhookEndpointProvider(ResourceProvider):
    """A webhook endpoint. Its signing secret is only ever returned by create: it becomes the
    `signing_secret` output (a secret), and `read` keeps it."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=("api_base",),
            update=("url", "enabled_events", "description", "metadata"),
            credentials=("api_key",),
            unordered=("enabled_events",),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        params: WebhookEndpointCreateParams = {
            "url": p.text("url"),
            "enabled_events": _events(p),
            "metadata": p.mapping("metadata"),
        }
        if p.text("description"):
            params["description"] = p.text("description")
        api = stripe_api(p)
        marker, marked = _marked("webhook", p, params)
        for orphan in api.find_webhook_endpoints(MARKER_KEY, marker):
            api.delete_webhook_endpoint(orphan.id)  # its secret was in a lost answer
        endpoint = api.create_webhook_endpoint(marked, idempotency_key(marker))
        return CreateResult(
            endpoint.id,
            outputs(
                p, signing_secret=endpoint.to_dict().get("secret") or "", status=endpoint.status
            ),
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        endpoint = stripe_api(p).webhook_endpoint(id_)
        if endpoint is None:
            return ReadResult(None, {})
        live = outputs(
            p,
            url=endpoint.url,
            enabled_events=list(endpoint.enabled_events),
            description=endpoint.description or "",
            metadata=_our_metadata(p, endpoint.metadata),
            status=endpoint.status,
        )
        return ReadResult(id_, live)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        params: WebhookEndpointUpdateParams = {
            "url": new.text("url"),
            "enabled_events": _events(new),
            "description": new.text("description"),
            "metadata": _metadata_update(old, new),
        }
        endpoint = stripe_api(new).update_webhook_endpoint(id_, params)
        return UpdateResult(
            outputs(new, signing_secret=old.text("signing_secret"), status=endpoint.status)
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        stripe_api(Props(props)).delete_webhook_endpoint(id_)


class StripeWebhookEndpoint(Resource, module="stripe", name="WebhookEndpoint"):
    """A Stripe webhook endpoint; `signing_secret` is a secret output."""

    signing_secret: pulumi.Output[str]
    status: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        api_key: pulumi.Input[str],
        api_key_secret: str,
        api_base: str,
        key: str,
        url: str,
        enabled_events: Sequence[str],
        description: str = "",
        metadata: Mapping[str, str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "api_key": api_key,
            "api_key_secret": api_key_secret,
            "api_base": api_base,
            "key": key,
            "url": url,
            "enabled_events": list(enabled_events),
            "description": description,
            "metadata": dict(metadata or {}),
            "signing_secret": None,
            "status": None,
        }
        super().__init__(
            StripeWebhookEndpointProvider(),
            resource_name,
            props,
            secret_options(opts, "api_key", "signing_secret"),
        )
