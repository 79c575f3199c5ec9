"""Stripe, through its Python SDK: products, prices, webhook endpoints.

Every resource takes `api_key` (secret), `api_key_secret` (the gmac secret's name, for
messages), `api_base` (https://api.stripe.com, or a stripe-mock URL) and `key` (the spec's
id, which makes the idempotency key of every create). Stripe never deletes a product or a
price that was used, so `delete` archives them (`active=false`); webhook endpoints are
deleted.

The SDK sends its requests through `_Transport`, gmac's shared HTTP exchange (`_http`): the
same rate limit, timeouts and retries with backoff as every other integration, instead of the
SDK's own. Every Stripe call is safe to repeat: creates carry an idempotency key, updates set
values, deletes of a deleted object answer 404.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
import stripe
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.http import Exchange, RetryPolicy, default_timeout, redact_url
from gmac.errors import IntegrationError
from gmac.providers._base import Props, compare, idempotency_key, outputs, secret_options

if TYPE_CHECKING:
    from stripe.params import (
        PriceCreateParams,
        PriceUpdateParams,
        ProductCreateParams,
        ProductUpdateParams,
        WebhookEndpointCreateParams,
        WebhookEndpointUpdateParams,
    )

DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"


class _Transport(stripe.HTTPClient):
    """The SDK's HTTP client, as one `_http.Exchange` per request (the SDK retries nothing)."""

    name: ClassVar[str] = "gmac-httpx"

    def __init__(
        self, base: str, timeout: float | None = None, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__()
        self._base = base
        self._timeout = timeout
        self._retry = retry

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        post_data: Any = None,
        *,
        _usage: list[str] | None = None,
    ) -> tuple[str, int, Mapping[str, str]]:
        path = url.removeprefix(self._base.rstrip("/")).split("?", 1)[0]
        response = Exchange(
            service="stripe",
            method=method.upper(),
            url=url,
            what=f"{method.upper()} {path}",
            headers=dict(headers or {}),
            content=post_data or None,
            timeout=self._timeout or default_timeout(),
            idempotent=True,
            base_url=self._base,
            retry=self._retry or RetryPolicy.from_environment(),
        ).run()
        return response.text, response.status_code, response.headers

    def close(self) -> None:
        return None


def _client(p: Props, transport: _Transport | None = None) -> stripe.StripeClient:
    """A client for one call site, over gmac's transport (see the module)."""
    key = p.text("api_key")
    if not key:
        secret = p.text("api_key_secret")
        raise IntegrationError(
            "stripe", "no secret key", hint=f"set secret '{secret}'" if secret else ""
        )
    base = p.text("api_base") or DEFAULT_STRIPE_API_BASE
    return stripe.StripeClient(
        key,
        base_addresses={"api": base},
        max_network_retries=0,
        http_client=transport or _Transport(base),
    )


class _NotFoundError(Exception):
    """The object does not exist (any more)."""


@contextmanager
def _calls(p: Props, what: str) -> Iterator[None]:
    """Stripe's errors as IntegrationErrors, without the key; a 404 as `_NotFoundError`."""
    try:
        yield
    except stripe.AuthenticationError:
        secret = p.text("api_key_secret")
        hint = f"check secret '{secret}'" if secret else ""
        raise IntegrationError("stripe", "secret key rejected", status=401, hint=hint) from None
    except stripe.APIConnectionError:
        where = redact_url(p.text("api_base") or DEFAULT_STRIPE_API_BASE)
        raise IntegrationError("stripe", f"{what}: cannot reach {where}") from None
    except stripe.StripeError as error:
        if error.http_status == 404:
            raise _NotFoundError(what) from None
        detail = error.user_message or (error.error.message if error.error else None)
        message = f"{what}: {detail or type(error).__name__}"
        raise IntegrationError("stripe", message, status=error.http_status) from None


def check_secret_key(
    api_key: str,
    secret_name: str,
    api_base: str = "",
    *,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
) -> None:
    """Whether Stripe takes the key (`GET /v1/balance`): raises the IntegrationError of a
    rejected key or an unreachable API, as an apply would."""
    p = Props({"api_key": api_key, "api_key_secret": secret_name, "api_base": api_base})
    base = api_base or DEFAULT_STRIPE_API_BASE
    with _calls(p, "read balance"):
        _client(p, _Transport(base, timeout, retry)).v1.balance.retrieve()


def _options(kind: str, p: Props, fields: Mapping[str, Any]) -> stripe.RequestOptions:
    return {"idempotency_key": idempotency_key(kind, p.text("key"), fields)}


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


def _archive(p: Props, kind: str, id_: str) -> None:
    """Stripe keeps products and prices that were ever sold: deleting one archives it
    (`active: false`); one already gone is fine."""
    resource = _client(p).v1.products if kind == "product" else _client(p).v1.prices
    try:
        with _calls(p, f"archive {kind} {id_}"):
            resource.update(id_, {"active": False})
    except _NotFoundError:
        return


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
        client = _client(p)
        params: ProductCreateParams = {
            "name": p.text("name"),
            "metadata": p.mapping("metadata"),
        }
        if p.text("description"):
            params["description"] = p.text("description")
        with _calls(p, "create product"):
            product = client.v1.products.create(params, _options("product", p, params))
            if not product.active:
                product = client.v1.products.update(product.id, {"active": True})
        return CreateResult(product.id, outputs(p, active=True))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        try:
            with _calls(p, f"read product {id_}"):
                product = _client(p).v1.products.retrieve(id_)
        except _NotFoundError:
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
        with _calls(new, f"update product {id_}"):
            _client(new).v1.products.update(id_, params)
        return UpdateResult(outputs(new, active=True))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _archive(Props(props), "product", id_)


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
        client = _client(p)
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
        with _calls(p, "create price"):
            price = client.v1.prices.create(params, _options("price", p, params))
            if not price.active:
                price = client.v1.prices.update(price.id, {"active": True})
        return CreateResult(price.id, outputs(p, active=True))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        try:
            with _calls(p, f"read price {id_}"):
                price = _client(p).v1.prices.retrieve(id_)
        except _NotFoundError:
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
        with _calls(new, f"update price {id_}"):
            _client(new).v1.prices.update(id_, params)
        return UpdateResult(outputs(new, active=True))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        _archive(Props(props), "price", id_)


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
        with _calls(p, "create webhook endpoint"):
            endpoint = _client(p).v1.webhook_endpoints.create(
                params, _options("webhook", p, params)
            )
        return CreateResult(
            endpoint.id,
            outputs(
                p, signing_secret=endpoint.to_dict().get("secret") or "", status=endpoint.status
            ),
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        try:
            with _calls(p, f"read webhook endpoint {id_}"):
                endpoint = _client(p).v1.webhook_endpoints.retrieve(id_)
        except _NotFoundError:
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
        with _calls(new, f"update webhook endpoint {id_}"):
            endpoint = _client(new).v1.webhook_endpoints.update(id_, params)
        return UpdateResult(
            outputs(new, signing_secret=old.text("signing_secret"), status=endpoint.status)
        )

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        p = Props(props)
        try:
            with _calls(p, f"delete webhook endpoint {id_}"):
                _client(p).v1.webhook_endpoints.delete(id_)
        except _NotFoundError:
            return


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
