"""The Stripe client, through the real Stripe SDK, against a local HTTP server answering as
the Stripe API does (stripe-mock comes with the integration tests): the key check, what a
missing object reads as, and errors without the key."""

from __future__ import annotations

import socket

import pytest

from gmac.clients.http import RetryPolicy
from gmac.clients.stripe import StripeApi, StripeConnection
from gmac.errors import IntegrationError
from tests.local_http import LocalServer

KEY = "sk_test_secretkey"
MISSING = {"error": {"type": "invalid_request_error", "message": "No such object"}}


def _api(base: str, key: str = KEY) -> StripeApi:
    return StripeApi(StripeConnection(key, api_key_secret="stripe-key", api_base=base))


def test_the_key_check_reads_the_balance(server: LocalServer) -> None:
    server.answer("GET", "/v1/balance", 200, {"object": "balance", "available": []})
    _api(server.url).check_key()
    (request,) = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"


def test_a_rejected_key_names_its_secret_not_its_value(server: LocalServer) -> None:
    rejected = {"error": {"type": "invalid_request_error", "message": f"Invalid API Key: {KEY}"}}
    server.answer("GET", "/v1/balance", 401, rejected)
    with pytest.raises(IntegrationError) as caught:
        _api(server.url).check_key()
    assert str(caught.value) == "stripe: secret key rejected (401); check secret 'stripe-key'"


def test_no_key_fails_before_any_request(server: LocalServer) -> None:
    with pytest.raises(IntegrationError) as caught:
        _api(server.url, key="")
    assert str(caught.value) == "stripe: no secret key; set secret 'stripe-key'"
    assert KEY not in repr(StripeConnection(KEY))


def test_a_missing_object_reads_as_none_and_archives_quietly(server: LocalServer) -> None:
    for path in ("/v1/products/prod_x", "/v1/prices/price_x", "/v1/webhook_endpoints/we_x"):
        server.answer("GET", path, 404, MISSING)
        server.answer("POST", path, 404, MISSING)
        server.answer("DELETE", path, 404, MISSING)
    api = _api(server.url)
    assert api.product("prod_x") is None
    assert api.price("price_x") is None
    assert api.webhook_endpoint("we_x") is None
    api.archive_product("prod_x")
    api.archive_price("price_x")
    api.delete_webhook_endpoint("we_x")
    assert server.sent("POST", "/v1/products/prod_x")[0].form() == {"active": "false"}


def test_an_archived_product_from_a_repeated_create_is_active_again(server: LocalServer) -> None:
    archived = {"id": "prod_1", "object": "product", "active": False}
    server.answer("POST", "/v1/products", 200, archived)
    server.answer("POST", "/v1/products/prod_1", 200, {**archived, "active": True})
    product = _api(server.url).create_product({"name": "Pro"}, "gmac-product-1")
    assert product.active is True
    assert server.sent("POST", "/v1/products")[0].headers["idempotency-key"] == "gmac-product-1"


def test_an_unreachable_api_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    api = StripeApi(StripeConnection(KEY, api_base=base, retry=RetryPolicy(attempts=1)))
    with pytest.raises(IntegrationError) as caught:
        api.check_key()
    assert str(caught.value) == f"stripe: cannot reach {base}: ConnectError"
