"""The Stripe providers, through the real Stripe SDK, against a local HTTP server that answers
like the Stripe API (form-encoded requests, JSON objects). stripe-mock comes later."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gmac.errors import IntegrationError
from gmac.providers import (
    StripePriceProvider,
    StripeProductProvider,
    StripeWebhookEndpointProvider,
)
from tests.local_http import LocalServer, Request

KEY = "sk_test_secretkey"


class FakeStripe:
    """Products, prices and webhook endpoints kept in memory, answered as Stripe does."""

    def __init__(self, server: LocalServer) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.count = 0
        for kind in ("products", "prices", "webhook_endpoints"):
            server.route("POST", f"/v1/{kind}", self.create)
            server.route("GET", f"/v1/{kind}/([^/]+)", self.retrieve)
            server.route("POST", f"/v1/{kind}/([^/]+)", self.update)
            server.route("DELETE", f"/v1/{kind}/([^/]+)", self.delete)

    @staticmethod
    def _nest(form: dict[str, str]) -> dict[str, Any]:
        nested: dict[str, Any] = {}
        for key, value in form.items():
            match = re.fullmatch(r"(\w+)\[(\w+)\]", key)
            if match and match[2].isdigit():
                nested.setdefault(match[1], []).append(value)
            elif match:
                nested.setdefault(match[1], {})[match[2]] = value
            else:
                nested[key] = {"true": True, "false": False}.get(value, value)
        return nested

    def create(self, request: Request, match: re.Match[str]) -> tuple[int, Any]:
        kind = request.path.rsplit("/", 1)[1]
        prefix = {"products": "prod", "prices": "price", "webhook_endpoints": "we"}[kind]
        self.count += 1
        body = self._nest(request.form())
        found = {
            "id": f"{prefix}_{self.count}",
            "object": kind[:-1],
            "active": True,
            "metadata": {},
            "description": None,
            "lookup_key": None,
            **body,
        }
        if kind == "prices":
            found["unit_amount"] = int(found["unit_amount"])
            recurring = found.get("recurring")
            if recurring:
                recurring["interval_count"] = int(recurring["interval_count"])
            found.setdefault("recurring", None)
        if kind == "webhook_endpoints":
            found.update(secret="whsec_signing", status="enabled")
        self.objects[found["id"]] = found
        return 200, found

    def retrieve(self, request: Request, match: re.Match[str]) -> tuple[int, Any]:
        found = self.objects.get(match[1])
        if found is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such object"}}
        return 200, {k: v for k, v in found.items() if k != "secret"}

    def update(self, request: Request, match: re.Match[str]) -> tuple[int, Any]:
        found = self.objects.get(match[1])
        if found is None:
            return 404, {"error": {"type": "invalid_request_error", "message": "No such object"}}
        changes = self._nest(request.form())
        metadata = {**found.get("metadata", {}), **changes.pop("metadata", {})}
        found.update(changes, metadata={k: v for k, v in metadata.items() if v != ""})
        return 200, {k: v for k, v in found.items() if k != "secret"}

    def delete(self, request: Request, match: re.Match[str]) -> tuple[int, Any]:
        self.objects.pop(match[1], None)
        return 200, {"id": match[1], "deleted": True}


@pytest.fixture
def stripe_api(server: LocalServer) -> FakeStripe:
    return FakeStripe(server)


def _common(server: LocalServer, key: str) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "api_key": KEY,
        "api_key_secret": "stripe-key",
        "api_base": server.url,
        "key": key,
        "metadata": {"gmac_id": key},
    }


def _product(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {**_common(server, "pro"), "name": "Pro", "description": "", "active": True, **changes}


def _price(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {
        **_common(server, "pro-monthly"),
        "product": "prod_1",
        "currency": "usd",
        "unit_amount": 1900.0,  # numbers reach providers as floats
        "interval": "month",
        "interval_count": 1.0,
        "lookup_key": "shop-production-pro-monthly",
        "active": True,
        **changes,
    }


def test_product_lifecycle(server: LocalServer, stripe_api: FakeStripe) -> None:
    provider = StripeProductProvider()
    created = provider.create(_product(server))
    assert created.id == "prod_1"
    request = server.sent("POST", "/v1/products")[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["idempotency-key"].startswith("gmac-product-")
    assert request.form() == {"name": "Pro", "metadata[gmac_id]": "pro"}

    stripe_api.objects["prod_1"]["name"] = "Renamed by hand"
    stripe_api.objects["prod_1"]["metadata"]["added_by_hand"] = "x"
    outs = provider.read("prod_1", _product(server)).outs or {}
    assert outs["name"] == "Renamed by hand"
    assert outs["metadata"] == {"gmac_id": "pro"}  # keys gmac does not set are left alone

    provider.update("prod_1", _product(server), _product(server, name="Pro 2"))
    assert stripe_api.objects["prod_1"]["name"] == "Pro 2"

    provider.delete("prod_1", _product(server))
    archived = server.sent("POST", "/v1/products/prod_1")[-1]
    assert archived.form() == {"active": "false"}
    assert stripe_api.objects["prod_1"]["active"] is False


def test_idempotency_keys_follow_the_inputs(server: LocalServer, stripe_api: FakeStripe) -> None:
    provider = StripeProductProvider()
    provider.create(_product(server))
    provider.create(_product(server))
    provider.create(_product(server, name="Other"))
    keys = [r.headers["idempotency-key"] for r in server.sent("POST", "/v1/products")]
    assert keys[0] == keys[1] != keys[2]


def test_an_archived_product_found_by_create_is_reactivated(
    server: LocalServer, stripe_api: FakeStripe
) -> None:
    server.answer(
        "POST",
        "/v1/products",
        200,
        {"id": "prod_9", "object": "product", "active": False, "name": "Pro", "metadata": {}},
    )
    stripe_api.objects["prod_9"] = {"id": "prod_9", "object": "product", "active": False}
    StripeProductProvider().create(_product(server))
    assert server.sent("POST", "/v1/products/prod_9")[0].form() == {"active": "true"}


def test_price_lifecycle(server: LocalServer, stripe_api: FakeStripe) -> None:
    provider = StripePriceProvider()
    created = provider.create(_price(server))
    assert created.id == "price_1"
    form = server.sent("POST", "/v1/prices")[0].form()
    assert form == {
        "product": "prod_1",
        "currency": "usd",
        "unit_amount": "1900",
        "metadata[gmac_id]": "pro-monthly",
        "recurring[interval]": "month",
        "recurring[interval_count]": "1",
        "lookup_key": "shop-production-pro-monthly",
        "transfer_lookup_key": "true",
    }

    outs = provider.read("price_1", _price(server)).outs or {}
    assert (outs["unit_amount"], outs["interval"], outs["product"]) == (1900, "month", "prod_1")

    provider.update("price_1", _price(server), _price(server, lookup_key="new-key"))
    assert server.sent("POST", "/v1/prices/price_1")[0].form()["lookup_key"] == "new-key"

    provider.delete("price_1", _price(server))
    assert server.sent("POST", "/v1/prices/price_1")[-1].form() == {"active": "false"}


def test_a_one_time_price_has_no_recurring(server: LocalServer, stripe_api: FakeStripe) -> None:
    StripePriceProvider().create(_price(server, interval="", lookup_key=""))
    form = server.sent("POST", "/v1/prices")[0].form()
    assert not any(key.startswith(("recurring", "lookup_key")) for key in form)


def test_webhook_endpoint_signing_secret_comes_from_create(
    server: LocalServer, stripe_api: FakeStripe
) -> None:
    provider = StripeWebhookEndpointProvider()
    props = {
        **_common(server, "hook"),
        "url": "https://api.example.com/stripe",
        "enabled_events": ["checkout.session.completed"],
        "description": "gmac",
    }
    created = provider.create(props)
    form = server.sent("POST", "/v1/webhook_endpoints")[0].form()
    assert form["url"] == "https://api.example.com/stripe"
    assert form["enabled_events[0]"] == "checkout.session.completed"
    outs = created.outs or {}
    assert outs["signing_secret"] == "whsec_signing"

    read = provider.read(created.id, outs).outs or {}
    assert read["signing_secret"] == "whsec_signing"  # never returned again: kept

    updated = provider.update(created.id, outs, {**props, "url": "https://api.example.com/v2"})
    assert (updated.outs or {})["signing_secret"] == "whsec_signing"
    assert stripe_api.objects[created.id]["url"] == "https://api.example.com/v2"

    provider.delete(created.id, outs)
    assert created.id not in stripe_api.objects
    assert provider.read(created.id, outs).id is None


def test_a_rejected_key_is_a_clear_error_without_the_key(server: LocalServer) -> None:
    server.answer(
        "POST",
        "/v1/products",
        401,
        {"error": {"type": "invalid_request_error", "message": f"Invalid API Key provided: {KEY}"}},
    )
    with pytest.raises(IntegrationError) as caught:
        StripeProductProvider().create(_product(server))
    assert str(caught.value) == "stripe: secret key rejected (401); check secret 'stripe-key'"
    assert KEY not in str(caught.value)


def test_other_stripe_errors_name_the_call(server: LocalServer) -> None:
    server.answer(
        "POST",
        "/v1/prices",
        400,
        {"error": {"type": "invalid_request_error", "message": "No such product: 'prod_x'"}},
    )
    with pytest.raises(IntegrationError) as caught:
        StripePriceProvider().create(_price(server, product="prod_x"))
    assert str(caught.value) == "stripe: create price: No such product: 'prod_x' (400)"


def test_a_missing_key_fails_before_any_request(server: LocalServer) -> None:
    with pytest.raises(IntegrationError, match="stripe: no secret key; set secret 'stripe-key'"):
        StripeProductProvider().create(_product(server, api_key=""))
    assert server.requests == []
