"""The Stripe providers, through the real Stripe SDK and gmac's HTTP layer, against the
Stripe stand-in (tests/integrations/stripe_api.py: written from Stripe's API reference, with
state and Stripe's idempotency-key replay, which stripe-mock has neither of).

What the stand-in shows that stripe-mock cannot: a create looks up what an earlier attempt
made (by the `gmac_key` marker in its metadata) and takes it over; every attempt sends an
idempotency key of its own, so a 500 Stripe saved for one key, or an object archived or
deleted since, is never replayed to the next attempt. The same providers against the real
stripe-mock: tests/integrations/test_stripe.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gmac.clients import http as _http
from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers import (
    StripePriceProvider,
    StripeProductProvider,
    StripeWebhookEndpointProvider,
)
from gmac.providers._stripe import MARKER_KEY
from tests.integrations.stripe_api import KEY, KEY_LIFETIME, StripeStandIn, serve


@pytest.fixture
def stripe_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[StripeStandIn]:
    monkeypatch.setattr(_http, "_sleep", lambda _seconds: None)
    monkeypatch.setattr(_http, "_limiters", {})
    with serve() as api:
        yield api


def _common(api: StripeStandIn, key: str) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "api_key": KEY,
        "api_key_secret": "stripe-key",
        "api_base": api.url,
        "key": key,
        "metadata": {"gmac_id": key},
    }


def _product(api: StripeStandIn, **changes: Any) -> dict[str, Any]:
    return {**_common(api, "pro"), "name": "Pro", "description": "", "active": True, **changes}


def _price(api: StripeStandIn, product: str, **changes: Any) -> dict[str, Any]:
    return {
        **_common(api, "pro-monthly"),
        "product": product,
        "currency": "usd",
        "unit_amount": 1900.0,  # numbers reach providers as floats
        "interval": "month",
        "interval_count": 1.0,
        "lookup_key": "shop-production-pro-monthly",
        "active": True,
        **changes,
    }


def _hook(api: StripeStandIn, **changes: Any) -> dict[str, Any]:
    return {
        **_common(api, "hook"),
        "url": "https://api.example.com/stripe",
        "enabled_events": ["checkout.session.completed"],
        "description": "gmac",
        **changes,
    }


def _posts(api: StripeStandIn, path: str) -> list[dict[str, str]]:
    return [h for m, p, h in api.requests if (m, p) == ("POST", path)]


def test_product_lifecycle(stripe_api: StripeStandIn) -> None:
    provider = StripeProductProvider()
    created = provider.create(_product(stripe_api))
    product = stripe_api.objects[created.id]
    assert created.id.startswith("prod_")
    (request,) = _posts(stripe_api, "/v1/products")
    assert request["authorization"] == f"Bearer {KEY}"
    assert request["idempotency-key"].startswith("gmac-product-")
    assert product["name"] == "Pro"
    marker = product["metadata"][MARKER_KEY]
    assert product["metadata"] == {"gmac_id": "pro", MARKER_KEY: marker}
    assert request["idempotency-key"].startswith(marker + "-")

    product["name"] = "Renamed by hand"
    product["metadata"]["added_by_hand"] = "x"
    outs = provider.read(created.id, _product(stripe_api)).outs or {}
    assert outs["name"] == "Renamed by hand"
    assert outs["metadata"] == {"gmac_id": "pro"}  # neither the marker nor keys added by hand

    provider.update(created.id, _product(stripe_api), _product(stripe_api, name="Pro 2"))
    assert product["name"] == "Pro 2"
    assert product["metadata"][MARKER_KEY] == marker  # an update keeps the marker

    provider.delete(created.id, _product(stripe_api))
    assert product["active"] is False


def test_each_attempt_at_a_create_has_a_key_of_its_own(stripe_api: StripeStandIn) -> None:
    """A second apply after a failed one is another attempt: another key, the same marker."""
    stripe_api.fail_next(500, made=False)
    with pytest.raises(IntegrationError):
        StripeProductProvider().create(_product(stripe_api, name="Other"))
    StripeProductProvider().create(_product(stripe_api, name="Other"))
    keys = stripe_api.keys_sent("/v1/products")
    first, second = keys[: _http.DEFAULT_ATTEMPTS], keys[_http.DEFAULT_ATTEMPTS :]
    assert len(set(first)) == 1  # the first attempt and its retries: one key
    assert len(second) == 1 and second[0] not in first
    assert first[0].rsplit("-", 1)[0] == second[0].rsplit("-", 1)[0]  # the same marker


def test_a_500_stripe_saved_for_a_key_does_not_stick_to_the_next_attempt(
    stripe_api: StripeStandIn,
) -> None:
    # Stripe saves the 500 under the key: every retry of that request gets it back ...
    stripe_api.fail_next(500, made=False)
    with pytest.raises(IntegrationError, match=r"create product: injected \(500\)"):
        StripeProductProvider().create(_product(stripe_api))
    assert len(_posts(stripe_api, "/v1/products")) == _http.DEFAULT_ATTEMPTS
    assert stripe_api.of_kind("products") == []

    # ... but the next apply, within the day, is a new attempt: a new key, and a product.
    created = StripeProductProvider().create(_product(stripe_api))
    assert stripe_api.objects[created.id]["active"] is True


def test_a_create_whose_answer_was_lost_is_taken_over_by_the_next_attempt(
    stripe_api: StripeStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_http.ATTEMPTS_VARIABLE, "1")  # the run dies with the lost answer
    stripe_api.lose_next()
    with pytest.raises(IntegrationError, match="cannot reach"):
        StripeProductProvider().create(_product(stripe_api))
    (made,) = stripe_api.of_kind("products")

    again = StripeProductProvider().create(_product(stripe_api))

    assert again.id == made["id"]
    assert len(stripe_api.of_kind("products")) == 1
    assert len(_posts(stripe_api, "/v1/products")) == 1  # found by its marker, not made again

    stripe_api.lose_next()
    with pytest.raises(IntegrationError, match="cannot reach"):
        StripePriceProvider().create(_price(stripe_api, made["id"]))
    price = StripePriceProvider().create(_price(stripe_api, made["id"]))
    assert [p["id"] for p in stripe_api.of_kind("prices")] == [price.id]


def test_the_retries_of_one_request_resend_its_key_and_get_what_it_made(
    stripe_api: StripeStandIn,
) -> None:
    stripe_api.lose_next()  # the first answer is lost; the retry resends the key
    created = StripeProductProvider().create(_product(stripe_api))
    keys = stripe_api.keys_sent("/v1/products")
    assert len(keys) == 2 and keys[0] == keys[1]
    assert [p["id"] for p in stripe_api.of_kind("products")] == [created.id]


def test_destroy_then_apply_within_a_day_makes_a_new_active_product(
    stripe_api: StripeStandIn,
) -> None:
    provider = StripeProductProvider()
    first = provider.create(_product(stripe_api))
    provider.delete(first.id, _product(stripe_api))  # destroy archives it

    stripe_api.advance(KEY_LIFETIME / 2)
    second = provider.create(_product(stripe_api))

    assert second.id != first.id
    assert stripe_api.objects[second.id]["active"] is True
    assert stripe_api.objects[first.id]["active"] is False


def _other(api: StripeStandIn, key: str, name: str) -> dict[str, Any]:
    return {**_product(api), **_common(api, key), "name": name}


def test_the_lookup_finds_only_this_resource(stripe_api: StripeStandIn) -> None:
    """Another product is not taken over; the same one with other inputs is not taken over
    silently either, nor made twice: its create stops and names it."""
    provider = StripeProductProvider()
    pro = provider.create(_product(stripe_api))
    other = provider.create(_other(stripe_api, "team", "Team"))
    assert other.id != pro.id
    with pytest.raises(ExistingObjectError, match=rf"product 'Pro, renamed' \({pro.id}, by gmac"):
        provider.create(_product(stripe_api, name="Pro, renamed"))
    assert provider.create(_product(stripe_api)).id == pro.id
    assert len(stripe_api.of_kind("products")) == 2


def test_the_lookup_pages_through_every_product(stripe_api: StripeStandIn) -> None:
    provider = StripeProductProvider()
    first = provider.create(_product(stripe_api))
    for n in range(120):  # newer products: the first one is on the second page
        provider.create(_other(stripe_api, f"p{n}", f"P{n}"))
    assert provider.create(_product(stripe_api)).id == first.id
    assert len(stripe_api.of_kind("products")) == 121


def test_price_lifecycle(stripe_api: StripeStandIn) -> None:
    product = StripeProductProvider().create(_product(stripe_api)).id
    provider = StripePriceProvider()
    created = provider.create(_price(stripe_api, product))
    price = stripe_api.objects[created.id]
    assert (price["product"], price["currency"], price["unit_amount"]) == (product, "usd", 1900)
    assert price["recurring"] == {"interval": "month", "interval_count": 1}
    assert price["lookup_key"] == "shop-production-pro-monthly"
    assert price["metadata"]["gmac_id"] == "pro-monthly"

    outs = provider.read(created.id, _price(stripe_api, product)).outs or {}
    assert (outs["unit_amount"], outs["interval"], outs["product"]) == (1900, "month", product)

    # A new amount: a new price takes the lookup key over; the old one is archived.
    new = provider.create(_price(stripe_api, product, unit_amount=2400.0))
    provider.delete(created.id, _price(stripe_api, product))
    assert stripe_api.objects[new.id]["lookup_key"] == "shop-production-pro-monthly"
    assert (price["lookup_key"], price["active"]) == (None, False)

    # And back to the old amount: the archived price is not taken over, a new one is made.
    back = provider.create(_price(stripe_api, product))
    assert back.id not in (created.id, new.id)
    assert stripe_api.objects[back.id]["lookup_key"] == "shop-production-pro-monthly"


def test_a_one_time_price_has_no_recurring(stripe_api: StripeStandIn) -> None:
    product = StripeProductProvider().create(_product(stripe_api)).id
    created = StripePriceProvider().create(_price(stripe_api, product, interval="", lookup_key=""))
    price = stripe_api.objects[created.id]
    assert (price["recurring"], price["lookup_key"]) == (None, None)


def test_webhook_endpoint_signing_secret_comes_from_create(stripe_api: StripeStandIn) -> None:
    provider = StripeWebhookEndpointProvider()
    props = _hook(stripe_api)
    created = provider.create(props)
    endpoint = stripe_api.objects[created.id]
    assert endpoint["url"] == "https://api.example.com/stripe"
    assert endpoint["enabled_events"] == ["checkout.session.completed"]
    outs = created.outs or {}
    assert outs["signing_secret"] == endpoint["secret"]

    read = provider.read(created.id, outs).outs or {}
    assert read["signing_secret"] == endpoint["secret"]  # never returned again: kept

    updated = provider.update(created.id, outs, {**props, "url": "https://api.example.com/v2"})
    assert (updated.outs or {})["signing_secret"] == endpoint["secret"]
    assert endpoint["url"] == "https://api.example.com/v2"

    provider.delete(created.id, outs)
    assert created.id not in stripe_api.objects
    assert provider.read(created.id, outs).id is None


def test_an_endpoint_whose_answer_was_lost_is_made_again_with_a_secret(
    stripe_api: StripeStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(_http.ATTEMPTS_VARIABLE, "1")
    stripe_api.lose_next()
    with pytest.raises(IntegrationError, match="cannot reach"):
        StripeWebhookEndpointProvider().create(_hook(stripe_api))
    (orphan,) = stripe_api.of_kind("webhook_endpoints")

    created = StripeWebhookEndpointProvider().create(_hook(stripe_api))

    assert [e["id"] for e in stripe_api.of_kind("webhook_endpoints")] == [created.id]
    assert orphan["id"] != created.id  # the orphan's secret was lost with the answer
    assert (created.outs or {})["signing_secret"] == stripe_api.objects[created.id]["secret"]


def test_a_rejected_key_is_a_clear_error_without_the_key(stripe_api: StripeStandIn) -> None:
    with pytest.raises(IntegrationError) as caught:
        StripeProductProvider().create(_product(stripe_api, api_key="sk_test_wrong"))
    assert str(caught.value) == "stripe: secret key rejected (401); check secret 'stripe-key'"
    assert "sk_test_wrong" not in str(caught.value)


def test_other_stripe_errors_name_the_call(stripe_api: StripeStandIn) -> None:
    with pytest.raises(IntegrationError) as caught:
        StripePriceProvider().create(_price(stripe_api, "prod_x"))
    assert str(caught.value) == "stripe: create price: No such product: 'prod_x' (400)"


def test_a_missing_key_fails_before_any_request(stripe_api: StripeStandIn) -> None:
    with pytest.raises(IntegrationError, match="stripe: no secret key; set secret 'stripe-key'"):
        StripeProductProvider().create(_product(stripe_api, api_key=""))
    assert stripe_api.requests == []
