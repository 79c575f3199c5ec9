"""HTTP plumbing for the REST APIs (Gitea, Stripe, Turso, Alertmanager, registries).

One `Api` per call site: a base URL, the Authorization header, a timeout. Every request goes
through `exchange` (by way of `Api.send`, or of the Stripe SDK's transport), the one place
where these live:

- **rate limit**: a token bucket per integration (`gitea`, `stripe`, ...), shared by every
  call this process makes, so a plan with a hundred resources does not trip the server's own
  limit. `GMAC_RATE_LIMIT_<SERVICE>` sets its requests per second (`0` turns it off).
- **timeouts**: `GMAC_HTTP_TIMEOUT` seconds per attempt (30 by default), connecting included.
- **retries**: up to `GMAC_HTTP_ATTEMPTS` attempts (4), waiting between them an exponential
  backoff with full jitter (`uniform(0, min(8s, 0.5s * 2**retry))`), or the server's
  `Retry-After` when it says. What is retried depends on whether a second attempt is safe:

      | failure                                   | retried                          |
      |-------------------------------------------|----------------------------------|
      | cannot connect; 429; 503                  | always: nothing was done         |
      | other 5xx; timeout or connection lost     | idempotent requests only: GET,   |
      |   after the request was sent              | HEAD, PUT, DELETE, a request with|
      |                                           | an Idempotency-Key, or a caller  |
      |                                           | that says it is                  |

Failures become `IntegrationError`s that say which service, what was asked and what it
answered, never the credential:

    gitea: token rejected (401); check secret 'gitea-token'
    turso: POST /v1/organizations/gmac/databases: database already exists (409)
    gitea: GET /api/v1/repos/gmac/api: no answer within 30s (4 attempts)
"""

from __future__ import annotations

import os
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from gmac.clients import usage
from gmac.clients.pool import pooled_client
from gmac.errors import IntegrationError

DEFAULT_TIMEOUT = 30.0
DEFAULT_ATTEMPTS = 4
CONNECT_TIMEOUT = 10.0
TIMEOUT_VARIABLE = "GMAC_HTTP_TIMEOUT"
ATTEMPTS_VARIABLE = "GMAC_HTTP_ATTEMPTS"
RATE_VARIABLE_PREFIX = "GMAC_RATE_LIMIT_"
# Requests per second, below each service's published limit (Stripe: 25/s in test mode, 100/s
# live; Gitea and Turso publish none). Others: DEFAULT_RATE.
DEFAULT_RATES = {"stripe": 20.0, "gitea": 20.0, "turso": 10.0}
DEFAULT_RATE = 20.0
_MESSAGE_LIMIT = 300
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_ALWAYS_RETRIED = frozenset({429, 503})


def redact_url(url: str) -> str:
    """The URL without any user:password part, for messages."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@cache
def _default_tls() -> ssl.SSLContext:
    """httpx's default verification (certifi's CAs), made once: it takes tens of ms."""
    return httpx.create_ssl_context()


def _server_message(response: httpx.Response) -> str:
    """The server's own short explanation (`{"message": ...}`, `{"error": ...}`), if any."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return text[:_MESSAGE_LIMIT] if text and "<html" not in text.lower() else ""
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value:
                return value[:_MESSAGE_LIMIT]
    return ""


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    try:
        return float(text) if text else default
    except ValueError:
        return default


def default_timeout() -> float:
    return _env_number(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT)


# Retries ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a request is tried again."""

    attempts: int = DEFAULT_ATTEMPTS
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0  # a server asking for longer gets this much

    @classmethod
    def from_environment(cls) -> RetryPolicy:
        return cls(attempts=max(1, int(_env_number(ATTEMPTS_VARIABLE, DEFAULT_ATTEMPTS))))

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (1, 2, ...): full jitter, or the
        server's Retry-After (capped) when it gave one."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return random.uniform(0, ceiling)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def is_idempotent(method: str, headers: Mapping[str, str] | None = None) -> bool:
    if method.upper() in _IDEMPOTENT_METHODS:
        return True
    return any(key.lower() == "idempotency-key" for key in headers or {})


# Rate limits --------------------------------------------------------------------------------


class RateLimiter:
    """A token bucket: `rate` requests per second on average, `burst` at once."""

    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self._tokens = self.burst
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def wait_time(self) -> float:
        """Takes a token; the seconds to wait before using it (0 when one was there)."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self) -> None:
        pause = self.wait_time()
        if pause > 0:
            _sleep(pause)


_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()


def rate_limiter(service: str) -> RateLimiter:
    """The one bucket of `service` in this process (providers run in one plugin process)."""
    with _limiters_lock:
        limiter = _limiters.get(service)
        if limiter is None:
            variable = RATE_VARIABLE_PREFIX + service.upper().replace("-", "_")
            rate = _env_number(variable, DEFAULT_RATES.get(service, DEFAULT_RATE))
            limiter = _limiters[service] = RateLimiter(rate)
        return limiter


def _sleep(seconds: float) -> None:
    """Every wait of this module; tests replace it."""
    time.sleep(seconds)


# One exchange, with retries -----------------------------------------------------------------


@dataclass
class Exchange:
    """One logical request to `url`, tried as often as `retry` allows."""

    service: str
    method: str
    url: str
    what: str  # for messages: `POST /v1/products`
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    content: bytes | str | None = None
    params: Mapping[str, str] | None = None
    timeout: float = DEFAULT_TIMEOUT
    verify: ssl.SSLContext | bool = True
    idempotent: bool | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_environment)
    base_url: str = ""  # shown when the server cannot be reached
    on_retry: Callable[[int, str], None] | None = None

    def safe_to_repeat(self) -> bool:
        if self.idempotent is not None:
            return self.idempotent
        return is_idempotent(self.method, self.headers)

    @usage.counted
    def run(self) -> httpx.Response:
        limiter, attempt = rate_limiter(self.service), 0
        # One client per service in this process (gmac.clients.pool): its connections are kept.
        client = pooled_client(self.service, _default_tls() if self.verify is True else self.verify)
        while True:
            attempt += 1
            limiter.acquire()
            outcome = self._attempt(client)
            last = attempt >= self.retry.attempts
            if isinstance(outcome, httpx.Response):
                status = outcome.status_code
                if status < 500 and status not in _ALWAYS_RETRIED:
                    return outcome
                repeat = status in _ALWAYS_RETRIED or self.safe_to_repeat()
                if not repeat or last:
                    return outcome  # the caller turns it into its own error
                retry_after = retry_after_seconds(outcome.headers.get("Retry-After"))
                reason = f"{self.what}: answered {status}"
            else:
                failure, repeat = outcome
                if not repeat or last:
                    raise self._final(failure, attempt)
                retry_after = None
                reason = str(failure)
            if self.on_retry is not None:
                self.on_retry(attempt, reason)
            _sleep(self.retry.delay(attempt, retry_after))

    def _attempt(self, client: httpx.Client) -> httpx.Response | tuple[IntegrationError, bool]:
        """The answer, or the failure and whether trying again is safe."""
        try:
            return client.request(
                self.method,
                self.url,
                json=self.json,
                content=self.content,
                params=self.params,
                headers=self.headers,
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, CONNECT_TIMEOUT)),
            )
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            return self._unreachable(error), True  # nothing reached the server
        except httpx.TimeoutException:
            message = f"{self.what}: no answer within {self.timeout:g}s"
            return IntegrationError(self.service, message), self.safe_to_repeat()
        except httpx.HTTPError as error:
            return self._unreachable(error), self.safe_to_repeat()

    def _unreachable(self, error: Exception) -> IntegrationError:
        where = redact_url(self.base_url or self.url)
        return IntegrationError(self.service, f"cannot reach {where}: {type(error).__name__}")

    @staticmethod
    def _final(failure: IntegrationError, attempts: int) -> IntegrationError:
        if attempts <= 1:
            return failure
        text = str(failure).removeprefix(f"{failure.service}: ")
        return IntegrationError(failure.service, f"{text} ({attempts} attempts)")


# An API -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Api:
    """A REST API: `service` names it in errors, `credential` names the secret holding the token."""

    service: str
    base_url: str
    authorization: str | None = field(default=None, repr=False)
    credential: str = ""
    timeout: float = field(default_factory=default_timeout)
    verify: ssl.SSLContext | bool = field(default=True, repr=False)
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_environment)

    def require_credentials(self) -> None:
        if not self.authorization:
            hint = f"set secret '{self.credential}'" if self.credential else ""
            raise IntegrationError(self.service, "no API token", hint=hint)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        allow_missing: bool = False,
        idempotent: bool | None = None,
    ) -> Any:
        """The decoded JSON answer (None for an empty one, or for 404 when `allow_missing`)."""
        response = self.send(method, path, json=json, params=params, idempotent=idempotent)
        if response.status_code == 404 and allow_missing:
            return None
        self.check(method, path, response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text

    def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """One logical HTTP exchange: rate limited, timed out, retried (see the module)."""
        all_headers = {"Accept": "application/json", "User-Agent": "gmac"}
        if self.authorization:
            all_headers["Authorization"] = self.authorization
        all_headers.update(headers or {})
        return Exchange(
            service=self.service,
            method=method,
            url=self.base_url.rstrip("/") + path,
            what=f"{method} {path}",
            headers=all_headers,
            json=json,
            params=params,
            timeout=self.timeout,
            verify=self.verify,
            idempotent=idempotent,
            retry=self.retry,
            base_url=self.base_url,
        ).run()

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        """Raises the IntegrationError for an error answer."""
        if response.is_error:
            raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: httpx.Response) -> IntegrationError:
        status = response.status_code
        message = _server_message(response)
        if status == 401:
            hint = f"check secret '{self.credential}'" if self.credential else ""
            return IntegrationError(self.service, "token rejected", status=status, hint=hint)
        if status == 403:
            text = f"{method} {path}: permission denied" + (f": {message}" if message else "")
            return IntegrationError(self.service, text, status=status)
        if status == 404:
            return IntegrationError(self.service, f"{method} {path}: not found", status=status)
        what = message or response.reason_phrase or "failed"
        return IntegrationError(self.service, f"{method} {path}: {what}", status=status)


def head(
    service: str, url: str, *, timeout: float | None = None, retry: RetryPolicy | None = None
) -> httpx.Response:
    """One HEAD request to a full URL (a webhook receiver, ...), whatever its answer: through
    the same rate limit, timeouts and retries as every other call."""
    return Exchange(
        service=service,
        method="HEAD",
        url=url,
        what=f"HEAD {url}",
        timeout=default_timeout() if timeout is None else timeout,
        retry=retry or RetryPolicy.from_environment(),
    ).run()
