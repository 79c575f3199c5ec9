"""Stripe, through its Python SDK: products, prices, webhook endpoints, and whether a secret
key is taken.

A `StripeConnection` is the secret key, the name of the gmac secret holding it (for
messages), the API base (https://api.stripe.com, or a stripe-mock URL), the timeout and the
retries. The SDK sends its requests through `StripeTransport`, gmac's shared HTTP exchange
(`http`): the same rate limit, timeouts and retries with backoff as every other integration,
instead of the SDK's own. Every Stripe call is safe to repeat: creates carry an idempotency
key (the caller's: one per attempt, resent by the retries of that attempt), updates set
values, deletes of a deleted object answer 404.

`find_product`, `find_price` and `find_webhook_endpoints` look objects up by one metadata
value through Stripe's list endpoints, which are consistent with the creates before them
(Stripe's search can lag behind a create by up to a minute): a create repeated after its
answer was lost finds what the first one made. `active_products`, `active_prices`,
`prices_with_lookup_key` and `webhook_endpoints` list what is there, for `gmac adopt`.

Stripe's errors become `stripe: ...` IntegrationErrors that never hold the key. An object
that does not exist (any more) reads as None, and archiving or deleting it does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import stripe

from gmac.clients.http import Exchange, RetryPolicy, default_timeout, redact_url
from gmac.errors import IntegrationError

if TYPE_CHECKING:
    from stripe.params import (
        PriceCreateParams,
        PriceListParams,
        PriceUpdateParams,
        ProductCreateParams,
        ProductUpdateParams,
        WebhookEndpointCreateParams,
        WebhookEndpointUpdateParams,
    )

SERVICE = "stripe"
DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"


@dataclass(frozen=True)
class StripeConnection:
    """The Stripe API (or stripe-mock) and the secret key to call it with."""

    api_key: str = field(repr=False)
    api_key_secret: str = ""  # the gmac secret holding the key, named in errors
    api_base: str = DEFAULT_STRIPE_API_BASE
    timeout: float = field(default_factory=default_timeout)
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_environment)

    @property
    def base(self) -> str:
        return self.api_base or DEFAULT_STRIPE_API_BASE


class StripeTransport(stripe.HTTPClient):
    """The SDK's HTTP client, as one `http.Exchange` per request (the SDK retries nothing)."""

    name: ClassVar[str] = "gmac-httpx"

    def __init__(self, connection: StripeConnection) -> None:
        super().__init__()
        self.connection = connection

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        base = self.connection.base
        path = url.removeprefix(base.rstrip("/")).split("?", 1)[0]
        response = Exchange(
            service=SERVICE,
            method=method.upper(),
            url=url,
            what=f"{method.upper()} {path}",
            headers=dict(headers or {}),
            content=post_data or None,
            timeout=self.connection.timeout,
            idempotent=True,
            base_url=base,
            retry=self.connection.retry,
        ).run()
        return response.text, response.status_code, response.headers

    def close(self) -> None:
        return None


class StripeNotFoundError(Exception):
    """The object does not exist (any more)."""


LIST_PAGE = 100  # the most Stripe's list endpoints return at once


def _has_metadata(found: Any, key: str, value: str) -> bool:
    metadata = found.metadata
    values = metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata or {})
    return bool(values.get(key) == value)


class StripeApi:
    """The calls gmac makes, each named in its errors (`create price: ...`)."""

    def __init__(self, connection: StripeConnection) -> None:
        if not connection.api_key:
            secret = connection.api_key_secret
            hint = f"set secret '{secret}'" if secret else ""
            raise IntegrationError(SERVICE, "no secret key", hint=hint)
        self.connection = connection
        self.sdk = stripe.StripeClient(
            connection.api_key,
            base_addresses={"api": connection.base},
            max_network_retries=0,
            http_client=StripeTransport(connection),
        )

    @contextmanager
    def calls(self, what: str) -> Iterator[None]:
        """Stripe's errors as IntegrationErrors, without the key; a 404 as
        `StripeNotFoundError`."""
        try:
            yield
        except stripe.AuthenticationError:
            secret = self.connection.api_key_secret
            hint = f"check secret '{secret}'" if secret else ""
            raise IntegrationError(SERVICE, "secret key rejected", status=401, hint=hint) from None
        except stripe.APIConnectionError:
            where = redact_url(self.connection.base)
            raise IntegrationError(SERVICE, f"{what}: cannot reach {where}") from None
        except stripe.StripeError as error:
            if error.http_status == 404:
                raise StripeNotFoundError(what) from None
            if error.http_status == 429:  # still refused after every attempt gmac made
                attempts = self.connection.retry.attempts
                raise IntegrationError(
                    SERVICE,
                    f"{what}: rate limited, refused {attempts} times",
                    status=429,
                    hint="try again later, or lower GMAC_RATE_LIMIT_STRIPE",
                ) from None
            detail = error.user_message or (error.error.message if error.error else None)
            message = f"{what}: {detail or type(error).__name__}"
            raise IntegrationError(SERVICE, message, status=error.http_status) from None

    def check_key(self) -> None:
        """Whether Stripe takes the key (`GET /v1/balance`): raises the IntegrationError of a
        rejected key or an unreachable API, as an apply would."""
        with self.calls("read balance"):
            self.sdk.v1.balance.retrieve()

    # Products and prices: Stripe keeps those ever sold, so they are archived, not deleted ---

    def create_product(self, params: ProductCreateParams, idempotency_key: str) -> stripe.Product:
        """A new product. The retries of this request resend `idempotency_key`, so that Stripe
        answers them with the product the first one made instead of making another."""
        with self.calls("create product"):
            return self.sdk.v1.products.create(params, {"idempotency_key": idempotency_key})

    def find_product(self, metadata_key: str, value: str) -> stripe.Product | None:
        """The active product whose metadata holds `metadata_key: value`, if any."""
        with self.calls("list products"):
            listed = self.sdk.v1.products.list({"active": True, "limit": LIST_PAGE})
            for product in listed.auto_paging_iter():
                if _has_metadata(product, metadata_key, value):
                    return product
        return None

    def active_products(self) -> list[stripe.Product]:
        """Every active product, newest first."""
        with self.calls("list products"):
            listed = self.sdk.v1.products.list({"active": True, "limit": LIST_PAGE})
            return list(listed.auto_paging_iter())

    def product(self, product_id: str) -> stripe.Product | None:
        try:
            with self.calls(f"read product {product_id}"):
                return self.sdk.v1.products.retrieve(product_id)
        except StripeNotFoundError:
            return None

    def update_product(self, product_id: str, params: ProductUpdateParams) -> stripe.Product:
        with self.calls(f"update product {product_id}"):
            return self.sdk.v1.products.update(product_id, params)

    def archive_product(self, product_id: str) -> None:
        """`active: false`; a product already gone is fine."""
        try:
            with self.calls(f"archive product {product_id}"):
                self.sdk.v1.products.update(product_id, {"active": False})
        except StripeNotFoundError:
            return

    def create_price(self, params: PriceCreateParams, idempotency_key: str) -> stripe.Price:
        """A new price; its retries resend `idempotency_key` (see `create_product`)."""
        with self.calls("create price"):
            return self.sdk.v1.prices.create(params, {"idempotency_key": idempotency_key})

    def find_price(self, product: str, metadata_key: str, value: str) -> stripe.Price | None:
        """The active price of `product` whose metadata holds `metadata_key: value`, if any."""
        with self.calls("list prices"):
            params: PriceListParams = {"product": product, "active": True, "limit": LIST_PAGE}
            for price in self.sdk.v1.prices.list(params).auto_paging_iter():
                if _has_metadata(price, metadata_key, value):
                    return price
        return None

    def active_prices(self, product: str) -> list[stripe.Price]:
        """Every active price of `product`, newest first."""
        with self.calls("list prices"):
            params: PriceListParams = {"product": product, "active": True, "limit": LIST_PAGE}
            return list(self.sdk.v1.prices.list(params).auto_paging_iter())

    def prices_with_lookup_key(self, lookup_key: str) -> list[stripe.Price]:
        """The price holding `lookup_key` (lookup keys are unique), of any product."""
        with self.calls("list prices"):
            params: PriceListParams = {"lookup_keys": [lookup_key], "limit": LIST_PAGE}
            return list(self.sdk.v1.prices.list(params).auto_paging_iter())

    def price(self, price_id: str) -> stripe.Price | None:
        try:
            with self.calls(f"read price {price_id}"):
                return self.sdk.v1.prices.retrieve(price_id)
        except StripeNotFoundError:
            return None

    def update_price(self, price_id: str, params: PriceUpdateParams) -> stripe.Price:
        with self.calls(f"update price {price_id}"):
            return self.sdk.v1.prices.update(price_id, params)

    def archive_price(self, price_id: str) -> None:
        """`active: false`; a price already gone is fine."""
        try:
            with self.calls(f"archive price {price_id}"):
                self.sdk.v1.prices.update(price_id, {"active": False})
        except StripeNotFoundError:
            return

    # Webhook endpoints -----------------------------------------------------------------------

    def create_webhook_endpoint(
        self, params: WebhookEndpointCreateParams, idempotency_key: str
    ) -> stripe.WebhookEndpoint:
        """A new endpoint; only this answer holds its signing secret (`secret`)."""
        with self.calls("create webhook endpoint"):
            return self.sdk.v1.webhook_endpoints.create(
                params, {"idempotency_key": idempotency_key}
            )

    def find_webhook_endpoints(self, metadata_key: str, value: str) -> list[stripe.WebhookEndpoint]:
        """The endpoints whose metadata holds `metadata_key: value`."""
        with self.calls("list webhook endpoints"):
            listed = self.sdk.v1.webhook_endpoints.list({"limit": LIST_PAGE})
            return [e for e in listed.auto_paging_iter() if _has_metadata(e, metadata_key, value)]

    def webhook_endpoints(self) -> list[stripe.WebhookEndpoint]:
        with self.calls("list webhook endpoints"):
            return list(self.sdk.v1.webhook_endpoints.list({"limit": LIST_PAGE}).auto_paging_iter())

    def webhook_endpoint(self, endpoint_id: str) -> stripe.WebhookEndpoint | None:
        try:
            with self.calls(f"read webhook endpoint {endpoint_id}"):
                return self.sdk.v1.webhook_endpoints.retrieve(endpoint_id)
        except StripeNotFoundError:
            return None

    def update_webhook_endpoint(
        self, endpoint_id: str, params: WebhookEndpointUpdateParams
    ) -> stripe.WebhookEndpoint:
        with self.calls(f"update webhook endpoint {endpoint_id}"):
            return self.sdk.v1.webhook_endpoints.update(endpoint_id, params)

    def delete_webhook_endpoint(self, endpoint_id: str) -> None:
        """Deletes the endpoint; one already gone is fine."""
        try:
            with self.calls(f"delete webhook endpoint {endpoint_id}"):
                self.sdk.v1.webhook_endpoints.delete(endpoint_id)
        except StripeNotFoundError:
            return
