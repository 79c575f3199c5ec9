"""The Stripe providers, through the Stripe SDK, against stripe-mock (which checks every
request against Stripe's OpenAPI description). stripe-mock keeps no state, so what reached
it is read from the recording proxy in front of it: the lookup before every create, an
idempotency key on every create (one per attempt, resent by that attempt's retries), an
amount change that creates a new price and archives the old one, retries on 429 and 5xx,
a rejected key, and stripe-mock dying and coming back.

stripe-mock answers a list with its fixed fixtures, so it cannot show a create finding what
an earlier attempt made: that is tests/providers/test_stripe.py, against the Stripe stand-in
(tests/integrations/stripe_api.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import parse_qs

import pytest

from gmac.clients import http as _http
from gmac.dev.servers import STRIPE_MOCK_KEY, Server
from gmac.errors import IntegrationError
from gmac.providers import (
    StripePriceProvider,
    StripeProductProvider,
    StripeWebhookEndpointProvider,
)
from gmac.providers._stripe import MARKER_KEY
from tests.integrations.conftest import Forwarded, RecordingProxy

CREATES = ("/v1/products", "/v1/prices", "/v1/webhook_endpoints")


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(_http, "_sleep", waits.append)
    monkeypatch.setattr(_http, "_limiters", {})
    return waits


def _form(sent: Forwarded) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(sent.body.decode(), keep_blank_values=True).items()}


def _headers(sent: Forwarded) -> dict[str, str]:
    return {k.lower(): v for k, v in sent.headers.items()}


def _common(proxy: RecordingProxy, key: str, **changes: Any) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "api_key": STRIPE_MOCK_KEY,
        "api_key_secret": "stripe-secret-key",
        "api_base": proxy.url,
        "key": key,
        "metadata": {"gmac_project": "shop", "gmac_id": key},
        **changes,
    }


def _price(proxy: RecordingProxy, **changes: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "product": "prod_pro",
        "currency": "usd",
        "unit_amount": 1900.0,  # numbers reach providers as floats
        "interval": "month",
        "interval_count": 1.0,
        "lookup_key": "shop-staging-pro-monthly",
        "active": True,
    }
    return _common(proxy, "pro-monthly", **{**fields, **changes})


def test_product_lifecycle(stripe_proxy: RecordingProxy) -> None:
    provider = StripeProductProvider()
    props = _common(stripe_proxy, "pro", name="gmac Pro", description="", active=True)

    created = provider.create(props)

    assert created.id.startswith("prod_")
    (lookup,) = stripe_proxy.sent("GET", "/v1/products")
    assert parse_qs(lookup.query) == {"active": ["true"], "limit": ["100"]}
    (create,) = stripe_proxy.sent("POST", "/v1/products")
    assert stripe_proxy.seen.index(lookup) < stripe_proxy.seen.index(create)
    assert create.status == 200
    assert _headers(create)["authorization"] == f"Bearer {STRIPE_MOCK_KEY}"
    form = _form(create)
    marker = form.pop(f"metadata[{MARKER_KEY}]")
    assert form == {
        "name": "gmac Pro",
        "metadata[gmac_project]": "shop",
        "metadata[gmac_id]": "pro",
    }
    assert marker.startswith("gmac-product-")
    assert _headers(create)["idempotency-key"].startswith(f"{marker}-")

    read = provider.read(created.id, props)
    assert read.id == created.id
    provider.update(created.id, props, {**props, "name": "gmac Pro 2"})
    provider.delete(created.id, props)

    update, archive = stripe_proxy.sent("POST", f"/v1/products/{created.id}")
    assert _form(update)["name"] == "gmac Pro 2"
    assert _form(archive) == {"active": "false"}
    assert {f.status for f in stripe_proxy.seen} == {200}


def test_an_amount_change_creates_a_new_price_and_archives_the_old(
    stripe_proxy: RecordingProxy,
) -> None:
    provider = StripePriceProvider()
    old_props = _price(stripe_proxy)
    old = provider.create(old_props)
    new_props = _price(stripe_proxy, unit_amount=2400.0)

    diff = provider.diff(old.id, {**old_props, **(old.outs or {})}, new_props)
    assert diff.replaces == ["unit_amount"]
    assert diff.delete_before_replace is False  # the new price first, then the old archived

    new = provider.create(new_props)  # what the engine does for a replacement: create ...
    provider.delete(old.id, old_props)  # ... then delete the old, which archives it

    created = stripe_proxy.sent("POST", "/v1/prices")
    assert [_form(c)["unit_amount"] for c in created] == ["1900", "2400"]
    assert _form(created[1])["lookup_key"] == "shop-staging-pro-monthly"
    assert _form(created[1])["transfer_lookup_key"] == "true"  # the lookup key moves over
    assert _form(created[1])["recurring[interval]"] == "month"
    (archive,) = stripe_proxy.sent("POST", f"/v1/prices/{old.id}")
    assert _form(archive) == {"active": "false"}
    assert archive.status == 200
    assert new.id.startswith("price_")
    keys = [_headers(c)["idempotency-key"] for c in created]
    assert len(set(keys)) == 2  # another amount, another key: not the old price again


def test_webhook_endpoint_signing_secret_is_a_secret_output(
    stripe_proxy: RecordingProxy,
) -> None:
    # Stripe returns the endpoint's `secret` from create only; stripe-mock's fixture has no
    # such field, so the proxy adds one as Stripe documents it.
    signing = f"whsec_{uuid.uuid4().hex}"
    stripe_proxy.additions[("POST", "/v1/webhook_endpoints")] = lambda: {"secret": signing}
    provider = StripeWebhookEndpointProvider()
    props = _common(
        stripe_proxy,
        "stripe-webhook-secret",
        url="https://api.staging.example.com/stripe/webhook",
        enabled_events=["checkout.session.completed", "invoice.payment_failed"],
        description="gmac: shop (staging)",
    )

    created = provider.create(props)

    (create,) = stripe_proxy.sent("POST", "/v1/webhook_endpoints")
    form = _form(create)
    assert form["url"] == props["url"]
    events = [v for k, v in sorted(form.items()) if k.startswith("enabled_events[")]
    assert events == props["enabled_events"]
    outs = created.outs or {}
    assert outs["status"] == "enabled"
    assert outs["signing_secret"] == signing

    # Read never sees it again (Stripe does not return it): the stored one is kept. (The
    # rest of what stripe-mock reads back is its fixture, not what was sent: it keeps no
    # state, so drift cannot be shown against it.)
    read = provider.read(created.id, {**props, **outs}).outs or {}
    assert read["signing_secret"] == signing
    provider.delete(created.id, props)
    assert stripe_proxy.sent("DELETE", f"/v1/webhook_endpoints/{created.id}")


def test_every_create_carries_an_idempotency_key_kept_across_retries(
    stripe_proxy: RecordingProxy, no_waits: list[float]
) -> None:
    stripe_proxy.fail_next(429, headers={"Retry-After": "1"}, method="POST")
    stripe_proxy.fail_next(500, method="POST")
    stripe_proxy.fail_next(503, method="POST")

    StripeProductProvider().create(_common(stripe_proxy, "pro", name="Pro", active=True))
    StripePriceProvider().create(_price(stripe_proxy))
    StripeWebhookEndpointProvider().create(
        _common(stripe_proxy, "hook", url="https://x.example.com/h", enabled_events=["*"])
    )

    creates = [f for f in stripe_proxy.seen if f.method == "POST" and f.path in CREATES]
    assert [f.status for f in creates] == [429, 500, 503, 200, 200, 200]
    keys = [_headers(f).get("idempotency-key", "") for f in creates]
    assert all(key.startswith("gmac-") for key in keys)
    assert len(set(keys[:4])) == 1  # the retries of the product: one key
    assert no_waits[0] == 1.0  # the server's Retry-After
    assert len(no_waits) == 3


def test_a_new_attempt_at_a_create_sends_a_new_key(
    stripe_proxy: RecordingProxy, no_waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed apply, then the next one: each attempt its own key, its retries the same.
    A fixed key would have Stripe replay the first attempt's stored 500 for a day."""
    monkeypatch.setenv(_http.ATTEMPTS_VARIABLE, "2")
    stripe_proxy.fail_next(500, count=2, method="POST")
    props = _price(stripe_proxy)
    with pytest.raises(IntegrationError, match=r"create price: .*\(500\)"):
        StripePriceProvider().create(props)
    StripePriceProvider().create(props)  # the next apply

    creates = stripe_proxy.sent("POST", "/v1/prices")
    assert [f.status for f in creates] == [500, 500, 200]
    keys = [_headers(f)["idempotency-key"] for f in creates]
    assert keys[0] == keys[1] != keys[2]
    markers = {_form(f)[f"metadata[{MARKER_KEY}]"] for f in creates}
    assert len(markers) == 1  # the same resource: the same marker, found by the lookup
    assert all(key.startswith(f"{next(iter(markers))}-") for key in keys)
    lookups = [parse_qs(f.query) for f in stripe_proxy.sent("GET", "/v1/prices")]
    # Two per attempt, before its create: the product's prices, and the price holding the
    # lookup key (which another object might hold: then the create stops, see `gmac adopt`).
    by_product = {"product": ["prod_pro"], "active": ["true"], "limit": ["100"]}
    by_key = {"lookup_keys[0]": ["shop-staging-pro-monthly"], "limit": ["100"]}
    assert lookups == [by_product, by_key, by_product, by_key]


def test_a_rejected_key_is_one_clear_message(stripe_proxy: RecordingProxy) -> None:
    props = _common(stripe_proxy, "pro", name="Pro", api_key="sk_live_not_a_test_key")
    with pytest.raises(IntegrationError) as caught:
        StripeProductProvider().create(props)
    assert str(caught.value) == (
        "stripe: secret key rejected (401); check secret 'stripe-secret-key'"
    )
    assert "sk_live" not in str(caught.value)
    assert [f.status for f in stripe_proxy.seen] == [401]  # a 401 is not retried
    assert stripe_proxy.seen[0].method == "GET"  # the lookup: nothing was created


def test_stripe_mock_dying_and_coming_back(stripe_mock: Server, no_waits: list[float]) -> None:
    props = {
        **_common(RecordingProxy(stripe_mock.url), "pro", name="Pro", active=True),
        "api_base": stripe_mock.url,
    }
    stripe_mock.kill()
    try:
        with pytest.raises(IntegrationError) as caught:
            StripeProductProvider().create(props)
        assert str(caught.value) == (
            f"stripe: cannot reach {stripe_mock.url}: ConnectError (4 attempts)"
        )
    finally:
        stripe_mock.start()
    assert StripeProductProvider().create(props).id.startswith("prod_")


def test_the_proxy_passes_stripe_mocks_answers_through(stripe_proxy: RecordingProxy) -> None:
    created = StripeProductProvider().create(_common(stripe_proxy, "pro", name="P", active=True))
    answer = stripe_proxy.sent("POST", "/v1/products")[0]
    assert answer.status == 200
    assert json.dumps(created.outs)  # plain data, storable in the state
