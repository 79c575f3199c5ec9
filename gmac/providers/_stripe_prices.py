"""Stripe: prices of a product (see `_stripe` for the inputs every Stripe resource takes and
for when a create takes over what is there)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.errors import IntegrationError
from gmac.providers._adopt import (
    Difference,
    Finding,
    adopt_id,
    differences,
    named_in_spec,
)
from gmac.providers._base import Props, compare, idempotency_key, outputs, published, secret_options
from gmac.providers._connections import stripe_api
from gmac.providers._stripe_common import (
    candidate,
    look_up,
    made_for,
    marked,
    metadata_update,
    our_metadata,
    refusal,
)

if TYPE_CHECKING:
    from stripe.params import (
        PriceCreateParams,
        PriceUpdateParams,
    )

    from gmac.clients.stripe import StripeApi


# Price --------------------------------------------------------------------------------------

PRICE_IMMUTABLE = ("api_base", "product", "currency", "unit_amount", "interval", "interval_count")


def _price_params(p: Props) -> PriceCreateParams:
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
    return params


def _product_of(price: Any) -> str:
    return str(price.product if isinstance(price.product, str) else price.product.id)


def _terms(price: Any) -> tuple[Any, ...]:
    recurring = price.recurring
    return (
        price.currency,
        price.unit_amount,
        recurring.interval if recurring else "",
        recurring.interval_count if recurring else 1,
    )


def _declared_terms(p: Props) -> tuple[Any, ...]:
    interval = p.text("interval")
    count = p.number("interval_count", 1) if interval else 1
    return (p.text("currency"), p.number("unit_amount"), interval, count)


@published
class StripePriceProvider(ResourceProvider):
    """A price. Amount, currency, product and interval cannot change in Stripe: a change is a
    new price (created first, taking over the lookup key), the old one archived. An adopted
    price whose terms differ from the spec's is replaced the same way."""

    UPDATE: ClassVar[tuple[str, ...]] = ("lookup_key", "metadata", "active")
    REPLACE: ClassVar[tuple[str, ...]] = PRICE_IMMUTABLE

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds, news, replace=self.REPLACE, update=self.UPDATE, credentials=("api_key",)
        )

    def _find(self, p: Props, api: StripeApi, marker: str) -> tuple[Finding, dict[str, Any]]:
        """The Finding, and the prices it looked at by ID."""
        what = f"Stripe price {p.text('lookup_key') or p.text('key')}"
        wanted = adopt_id(p)
        if wanted:
            price = api.price(wanted)
            return named_in_spec(what, wanted, candidate(price) if price else None), {}
        product, lookup_key = p.text("product"), p.text("lookup_key")
        # Checked here too: an API that answers a list with more than asked is not trusted.
        listed = api.active_prices(product) if product else []
        prices = [price for price in listed if _product_of(price) == product and price.active]
        by_key = api.prices_with_lookup_key(lookup_key) if lookup_key else []
        keyed = [price for price in by_key if price.lookup_key == lookup_key]
        same_terms = [price for price in prices if _terms(price) == _declared_terms(p)]
        looked_at = {price.id: price for price in (*prices, *keyed)}
        steps = (("by lookup key", keyed), ("by amount and interval", same_terms))
        return look_up(what, p, marker, prices, *steps), looked_at

    def find(self, props: dict[str, Any]) -> Finding:
        p = Props(props)
        return self._find(p, stripe_api(p), marked("price", p, _price_params(p))[0])[0]

    def differences(self, id_: str, props: dict[str, Any]) -> tuple[Difference, ...]:
        live = self.read(id_, props).outs or {}
        return differences(live, props, update=self.UPDATE, replace=self.REPLACE)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = stripe_api(p)
        marker, params = marked("price", p, _price_params(p))
        if adopt_id(p):
            return self._adopt(p, api, marker, params)
        finding, looked_at = self._find(p, api, marker)
        if finding.ours:
            return CreateResult(finding.id, outputs(p, active=True))
        # A price gmac made for this resource is the one a replacement archives next.
        theirs = [c for c in finding.candidates if not made_for(p, looked_at[c.id])]
        if theirs:
            raise refusal("stripe", finding.what.removeprefix("Stripe "), finding)
        price = api.create_price(params, idempotency_key(marker))
        return CreateResult(price.id, outputs(p, active=True))

    def _adopt(self, p: Props, api: StripeApi, marker: str, params: Any) -> CreateResult:
        """Take over the price the `adopt` input names; one whose terms differ is replaced: a
        new price takes its lookup key, the adopted one is archived."""
        wanted = adopt_id(p)
        price = api.price(wanted)
        if price is None:
            raise IntegrationError("stripe", f"price {wanted} to adopt does not exist")
        if _product_of(price) == p.text("product") and _terms(price) == _declared_terms(p):
            self.update(wanted, {}, p.raw)
            return CreateResult(wanted, outputs(p, active=True))
        made = api.create_price(params, idempotency_key(marker))
        api.archive_price(wanted)
        return CreateResult(made.id, outputs(p, active=True))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        price = stripe_api(p).price(id_)
        if price is None:
            return ReadResult(None, {})
        recurring = price.recurring
        live = outputs(
            p,
            product=_product_of(price),
            currency=price.currency,
            unit_amount=price.unit_amount,
            interval=recurring.interval if recurring else "",
            interval_count=recurring.interval_count if recurring else 1,
            lookup_key=price.lookup_key or "",
            metadata=our_metadata(p, price.metadata),
            active=price.active,
        )
        return ReadResult(id_, live)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        params: PriceUpdateParams = {
            "metadata": metadata_update(old, new),
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
