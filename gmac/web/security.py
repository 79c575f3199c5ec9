"""What every request passes through: rate limits per client, security headers, a log line
without query strings (a one-time sign-in token or an OAuth code never reaches a log), and
the CSRF token every form carries.

    /signin/...  `limits.signin` per client address (10/minute): 429 with Retry-After
    /api/...     `limits.api` per client address
    every page   Content-Security-Policy 'self' only (the panel works offline, no CDN),
                 no framing, no sniffing, no referrer sent elsewhere
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gmac.web.options import RateLimits

CSRF_FIELD = "csrf"
log = logging.getLogger("gmac.web")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class Limiter:
    """Moving-window limits per client address, in memory (one panel process)."""

    def __init__(self, limits: RateLimits) -> None:
        self.strategy = MovingWindowRateLimiter(MemoryStorage())
        self.signin: RateLimitItem = parse(limits.signin)
        self.api: RateLimitItem = parse(limits.api)

    def item_for(self, path: str) -> tuple[str, RateLimitItem] | None:
        if path.startswith("/signin/"):  # the attempts, not the page offering them
            return "signin", self.signin
        if path.startswith("/api/"):
            return "api", self.api
        return None

    def retry_after(self, request: Request) -> int | None:
        """None when the request may go on; else seconds to wait."""
        found = self.item_for(request.url.path)
        if found is None:
            return None
        name, item = found
        client = request.client.host if request.client else "unknown"
        if self.strategy.hit(item, name, client):
            return None
        stats = self.strategy.get_window_stats(item, name, client)
        return max(1, math.ceil(stats.reset_time - time.time()))


def guard(limiter: Limiter) -> Callable[..., Awaitable[Response]]:
    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        wait = limiter.retry_after(request)
        if wait is not None:
            response: Response = JSONResponse(
                {"error": f"too many requests: try again in {wait}s"},
                status_code=429,
                headers={"Retry-After": str(wait)},
            )
        else:
            response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        log.info(
            "%s %s %d %.0fms",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
        return response

    return middleware


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(24)
        session[CSRF_FIELD] = token
    return token


def csrf_ok(session: dict[str, Any], sent: object) -> bool:
    token = session.get(CSRF_FIELD)
    return (
        isinstance(token, str)
        and isinstance(sent, str)
        and bool(token)
        and hmac.compare_digest(token, sent)
    )
