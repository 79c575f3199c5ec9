"""The Stripe client, through the real Stripe SDK, against a local HTTP server answering as
the Stripe API does (stripe-mock comes with the integration tests): the key check, what a
missing object reads as, and errors without the key; creates and look-ups against the Stripe
stand-in."""

from __future__ import annotations

import socket

import pytest

from gmac.clients.http import RetryPolicy
from gmac.clients.stripe import LIST_PAGE, StripeApi, StripeConnection
from gmac.errors import IntegrationError
from tests.integrations.stripe_api import KEY as STAND_IN_KEY
from tests.integrations.stripe_api import serve as stripe_stand_in
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


def test_a_create_sends_the_key_it_is_given_and_find_looks_up_by_metadata() -> None:
    """Against the Stripe stand-in (tests/integrations/stripe_api.py), which keeps state."""
    with stripe_stand_in() as stand_in:
        api = _api(stand_in.url, key=STAND_IN_KEY)
        made = api.create_product({"name": "Pro", "metadata": {"mark": "a"}}, "key-1")
        assert stand_in.keys_sent("/v1/products") == ["key-1"]
        for n in range(LIST_PAGE + 5):  # newer ones: the first is on the second page
            api.create_product({"name": f"P{n}", "metadata": {"mark": f"p{n}"}}, f"k{n}")
        found = api.find_product("mark", "a")
        assert found is not None and found.id == made.id
        assert api.find_product("mark", "none") is None
        api.archive_product(made.id)
        assert api.find_product("mark", "a") is None  # only active products

        price = api.create_price(
            {"product": made.id, "currency": "usd", "unit_amount": 100, "metadata": {"m": "1"}},
            "key-2",
        )
        found_price = api.find_price(made.id, "m", "1")
        assert found_price is not None and found_price.id == price.id
        hook = api.create_webhook_endpoint(
            {"url": "https://x.example.com", "enabled_events": ["*"], "metadata": {"m": "1"}},
            "key-3",
        )
        assert [e.id for e in api.find_webhook_endpoints("m", "1")] == [hook.id]


def test_an_unreachable_api_is_named() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    api = StripeApi(StripeConnection(KEY, api_base=base, retry=RetryPolicy(attempts=1)))
    with pytest.raises(IntegrationError) as caught:
        api.check_key()
    assert str(caught.value) == f"stripe: cannot reach {base}: ConnectError"
