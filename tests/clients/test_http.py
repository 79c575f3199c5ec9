"""The shared HTTP exchange (`gmac.clients.http`): retries with backoff and jitter on 429
and 5xx, what is safe to repeat, Retry-After, timeouts, the per-integration rate limit, and
the same machinery under the Stripe SDK. Against a real local HTTP server; only the waits are
recorded instead of slept."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import pytest
import stripe

from gmac.clients import http as _http
from gmac.clients.http import Api, RateLimiter, RetryPolicy, retry_after_seconds
from gmac.clients.stripe import StripeConnection, StripeTransport
from gmac.errors import IntegrationError
from tests.local_http import LocalServer, QuietHandler, serving


def _flaky(server: LocalServer, method: str, path: str, failures: list[tuple[int, Any]]) -> None:
    """Answers the given failures first, then 200 {"ok": true}."""
    queue = list(failures)

    def handler(_request: Any, _match: Any) -> tuple[int, Any]:
        return queue.pop(0) if queue else (200, {"ok": True})

    server.route(method, path, handler)


def _api(server: LocalServer, **kwargs: Any) -> Api:
    return Api("gitea", server.url, authorization="token t", credential="gitea-token", **kwargs)


def test_429_and_5xx_are_retried_with_growing_jittered_waits(
    server: LocalServer, waits: list[float]
) -> None:
    _flaky(server, "GET", "/thing", [(429, {}), (500, {}), (503, {})])

    assert _api(server).request("GET", "/thing") == {"ok": True}

    assert len(server.sent("GET", "/thing")) == 4
    policy = RetryPolicy()
    ceilings = [min(policy.max_delay, policy.base_delay * 2**n) for n in range(3)]
    assert len(waits) == 3
    assert all(0 <= wait <= ceiling for wait, ceiling in zip(waits, ceilings, strict=True))


def test_jitter_spreads_the_waits() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    samples = {round(policy.delay(3), 6) for _ in range(50)}
    assert len(samples) > 40
    assert all(0 <= sample <= 4.0 for sample in samples)
    assert max(policy.delay(10) for _ in range(50)) <= 8.0


def test_retry_after_is_read_and_capped() -> None:
    assert retry_after_seconds("2") == 2.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None
    assert RetryPolicy(max_retry_after=30).delay(1, retry_after=120) == 30
    assert RetryPolicy().delay(1, retry_after=2.5) == 2.5


def test_the_server_says_how_long_to_wait(waits: list[float]) -> None:
    answers = [429, 200]

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server dispatches on do_<METHOD>
            status = answers.pop(0)
            self.send_response(status)
            if status == 429:
                self.send_header("Retry-After", "3")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    with serving(Handler) as url:
        assert Api("stripe", url).request("GET", "/limited") == {}
    assert waits == [3.0]


def test_gives_up_after_the_attempts_with_the_servers_answer(
    server: LocalServer, waits: list[float]
) -> None:
    server.answer("GET", "/down", 502, {"message": "bad gateway"})

    with pytest.raises(IntegrationError) as caught:
        _api(server, retry=RetryPolicy(attempts=3)).request("GET", "/down")

    assert str(caught.value) == "gitea: GET /down: bad gateway (502)"
    assert len(server.sent("GET", "/down")) == 3
    assert len(waits) == 2


def test_a_post_is_not_repeated_after_a_500_but_is_after_429_and_503(
    server: LocalServer, waits: list[float]
) -> None:
    server.answer("POST", "/create", 500, {"message": "boom"})
    with pytest.raises(IntegrationError, match=r"POST /create: boom \(500\)"):
        _api(server).request("POST", "/create", json={})
    assert len(server.sent("POST", "/create")) == 1

    _flaky(server, "POST", "/limited", [(429, {}), (503, {})])
    assert _api(server).request("POST", "/limited", json={}) == {"ok": True}
    assert len(server.sent("POST", "/limited")) == 3

    # A POST the caller knows to be safe (an Idempotency-Key, or said so) is repeated.
    _flaky(server, "POST", "/keyed", [(500, {})])
    response = _api(server).send("POST", "/keyed", json={}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 200
    _flaky(server, "PATCH", "/settings", [(502, {})])
    assert _api(server).request("PATCH", "/settings", json={}, idempotent=True) == {"ok": True}


def test_4xx_other_than_429_is_answered_at_once(server: LocalServer, waits: list[float]) -> None:
    server.answer("GET", "/secret", 401, {"message": "bad token"})
    with pytest.raises(IntegrationError) as caught:
        _api(server).request("GET", "/secret")
    assert str(caught.value) == "gitea: token rejected (401); check secret 'gitea-token'"
    assert len(server.sent("GET", "/secret")) == 1
    assert waits == []


def test_a_server_that_is_not_there_is_retried_then_named(waits: list[float]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    api = Api("turso", f"http://user:pw@127.0.0.1:{port}", authorization="Bearer t")

    with pytest.raises(IntegrationError) as caught:
        api.request("POST", "/v1/x", json={})

    assert str(caught.value) == (
        f"turso: cannot reach http://127.0.0.1:{port}: ConnectError (4 attempts)"
    )
    assert len(waits) == 3


def test_a_server_that_does_not_answer_times_out(waits: list[float]) -> None:
    """A socket that accepts and never answers: each attempt ends at the timeout; a GET is
    tried again, a POST (which may have been carried out) is not."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        api = Api("gitea", url, authorization="token t", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(IntegrationError) as caught:
            api.request("GET", "/slow")
        assert str(caught.value) == "gitea: GET /slow: no answer within 0.3s (4 attempts)"
        assert time.monotonic() - started < 5
        with pytest.raises(IntegrationError, match=r"^gitea: POST /slow: no answer within 0.3s$"):
            api.request("POST", "/slow", json={})
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


def test_the_rate_limiter_spaces_calls_past_its_burst() -> None:
    limiter = RateLimiter(rate=10, burst=2)
    waits = [limiter.wait_time() for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2:] == pytest.approx([0.1, 0.2, 0.3], abs=0.02)
    assert RateLimiter(rate=0).wait_time() == 0.0


def test_each_integration_has_its_own_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_http, "_limiters", {})
    monkeypatch.setenv("GMAC_RATE_LIMIT_GITEA", "3")
    assert _http.rate_limiter("gitea").rate == 3
    assert _http.rate_limiter("gitea") is _http.rate_limiter("gitea")
    assert _http.rate_limiter("stripe").rate == _http.DEFAULT_RATES["stripe"]
    assert _http.rate_limiter("registry").rate == _http.DEFAULT_RATE


def test_requests_wait_for_the_rate_limit(
    server: LocalServer, waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_http, "_limiters", {"gitea": RateLimiter(rate=5, burst=1)})
    server.answer("GET", "/x", 200, {})
    api = _api(server)
    for _ in range(3):
        api.request("GET", "/x")
    assert len(waits) == 2
    assert all(0 < wait <= 0.4 for wait in waits)


def test_environment_sets_timeout_and_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMAC_HTTP_TIMEOUT", "7.5")
    monkeypatch.setenv("GMAC_HTTP_ATTEMPTS", "2")
    api = Api("gitea", "http://127.0.0.1:1")
    assert api.timeout == 7.5
    assert api.retry.attempts == 2


def test_the_stripe_sdk_goes_through_the_same_retries(
    server: LocalServer, waits: list[float]
) -> None:
    queue = [(429, {"error": {"message": "rate"}}), (500, {"error": {"message": "oops"}})]

    def handler(_request: Any, _match: Any) -> tuple[int, Any]:
        return queue.pop(0) if queue else (200, {"id": "prod_1", "object": "product"})

    server.route("POST", "/v1/products", handler)
    client = stripe.StripeClient(
        "sk_test_x",
        base_addresses={"api": server.url},
        max_network_retries=0,
        http_client=StripeTransport(StripeConnection("sk_test_x", api_base=server.url)),
    )

    product = client.v1.products.create({"name": "p"}, {"idempotency_key": "gmac-1"})

    assert product.id == "prod_1"
    sent = server.sent("POST", "/v1/products")
    assert len(sent) == 3
    assert {request.headers["idempotency-key"] for request in sent} == {"gmac-1"}
    assert len(waits) == 2
