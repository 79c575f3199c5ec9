"""Stripe: products, through `gmac.clients.stripe` (prices are in `_stripe_prices`, webhook
endpoints in `_stripe_webhooks`, the marker and metadata in `_stripe_common`).

Every resource takes `api_key` (secret), `api_key_secret` (the gmac secret's name, for
messages), `api_base` (https://api.stripe.com, or a stripe-mock URL) and `key` (the spec's
id). Stripe never deletes a product or a price that was used, so `delete` archives them
(`active=false`).

Creates, and a create whose answer was lost: a create first lists what is there. An active
object with its marker is what an earlier attempt made: it is taken over. An object the
spec could mean but gmac did not make for it (a product of the same name, a price holding
its lookup key or with its amount and interval) stops the create with `ExistingObjectError`:
`gmac adopt` reviews it, `--adopt` takes it over. Only when there is none does it make one,
with an idempotency key new for this attempt (resent only by the retries of this request).
Archived products and prices are never taken over: after a destroy, an apply makes new ones.
"""

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
    MARKER_KEY,
    candidate,
    look_up,
    marked,
    metadata_update,
    our_metadata,
    refusal,
    someone_elses,
)

if TYPE_CHECKING:
    from stripe import Product
    from stripe.params import (
        ProductCreateParams,
        ProductUpdateParams,
    )

    from gmac.clients.stripe import StripeApi

__all__ = ["MARKER_KEY", "StripeProduct", "StripeProductProvider"]


# Product ------------------------------------------------------------------------------------


def _product_params(p: Props) -> ProductCreateParams:
    params: ProductCreateParams = {"name": p.text("name"), "metadata": p.mapping("metadata")}
    if p.text("description"):
        params["description"] = p.text("description")
    return params


def _named(p: Props, product: Product) -> bool:
    return bool(product.name == p.text("name")) and not someone_elses(p, product)


@published
class StripeProductProvider(ResourceProvider):
    """A product; archived (`active=false`) on delete, reactivated if found archived."""

    UPDATE: ClassVar[tuple[str, ...]] = ("name", "description", "metadata", "active")
    REPLACE: ClassVar[tuple[str, ...]] = ("api_base",)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds, news, replace=self.REPLACE, update=self.UPDATE, credentials=("api_key",)
        )

    def _find(self, p: Props, api: StripeApi, marker: str) -> Finding:
        what = f"Stripe product '{p.text('name')}'"
        wanted = adopt_id(p)
        if wanted:
            product = api.product(wanted)
            return named_in_spec(what, wanted, candidate(product) if product else None)
        products = [product for product in api.active_products() if product.active]
        named = [product for product in products if _named(p, product)]
        return look_up(what, p, marker, products, ("by name", named))

    def find(self, props: dict[str, Any]) -> Finding:
        p = Props(props)
        return self._find(p, stripe_api(p), marked("product", p, _product_params(p))[0])

    def differences(self, id_: str, props: dict[str, Any]) -> tuple[Difference, ...]:
        live = self.read(id_, props).outs or {}
        return differences(live, props, update=self.UPDATE, replace=self.REPLACE)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = stripe_api(p)
        marker, params = marked("product", p, _product_params(p))
        wanted = adopt_id(p)
        if wanted:
            if api.product(wanted) is None:
                raise IntegrationError("stripe", f"product {wanted} to adopt does not exist")
            self.update(wanted, {}, props)
            return CreateResult(wanted, outputs(p, active=True))
        finding = self._find(p, api, marker)
        if finding.ours:
            return CreateResult(finding.id, outputs(p, active=True))
        if finding.candidates:
            raise refusal("stripe", finding.what.removeprefix("Stripe "), finding)
        product = api.create_product(params, idempotency_key(marker))
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
            metadata=our_metadata(p, product.metadata),
            active=product.active,
        )
        return ReadResult(id_, live)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        params: ProductUpdateParams = {
            "name": new.text("name"),
            "description": new.text("description"),
            "metadata": metadata_update(old, new),
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
