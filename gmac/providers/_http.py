"""HTTP plumbing for the REST APIs (Gitea, Turso, the Kubernetes API, registries).

One `Api` per call site: a base URL, the Authorization header, a timeout. Every request goes
through `Api.send`, the one place where retries, backoff and rate limits will go; today it
makes one attempt. Failures become `IntegrationError`s that say which service, what was asked
and what it answered, never the credential:

    gitea: token rejected (401); check secret 'gitea-token'
    turso: POST /v1/organizations/gmac/databases: database already exists (409)
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from gmac.errors import IntegrationError

DEFAULT_TIMEOUT = 30.0
_MESSAGE_LIMIT = 300


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


@dataclass(frozen=True)
class Api:
    """A REST API: `service` names it in errors, `credential` names the secret holding the token."""

    service: str
    base_url: str
    authorization: str | None = field(default=None, repr=False)
    credential: str = ""
    timeout: float = DEFAULT_TIMEOUT
    verify: ssl.SSLContext | bool = field(default=True, repr=False)

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
    ) -> Any:
        """The decoded JSON answer (None for an empty one, or for 404 when `allow_missing`)."""
        response = self.send(method, path, json=json, params=params)
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
    ) -> httpx.Response:
        """One HTTP exchange. Retries, backoff and rate limiting belong here, and only here."""
        all_headers = {"Accept": "application/json", "User-Agent": "gmac"}
        if self.authorization:
            all_headers["Authorization"] = self.authorization
        all_headers.update(headers or {})
        url = self.base_url.rstrip("/") + path
        try:
            verify = _default_tls() if self.verify is True else self.verify
            with httpx.Client(timeout=self.timeout, verify=verify) as client:
                return client.request(method, url, json=json, params=params, headers=all_headers)
        except httpx.TimeoutException:
            raise IntegrationError(
                self.service, f"{method} {path}: no answer within {self.timeout:g}s"
            ) from None
        except httpx.HTTPError as error:
            where = redact_url(self.base_url)
            raise IntegrationError(
                self.service, f"cannot reach {where}: {type(error).__name__}"
            ) from None

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
