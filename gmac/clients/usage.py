"""How many calls this process made to each outside service, and how many failed: counted in
the one HTTP exchange (`gmac.clients.http`), exported by `gmac health` as Prometheus counters.

A call is one logical exchange, however many attempts it took; it failed when it raised or
ended in an error status (4xx, 5xx).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import httpx


@dataclass(frozen=True)
class Usage:
    calls: int
    errors: int


_counts: dict[str, list[int]] = {}
_lock = threading.Lock()


def record(service: str, *, failed: bool) -> None:
    with _lock:
        counts = _counts.setdefault(service, [0, 0])
        counts[0] += 1
        counts[1] += int(failed)


def usage() -> dict[str, Usage]:
    """Calls and errors per service so far, by service name."""
    with _lock:
        return {name: Usage(calls, errors) for name, (calls, errors) in sorted(_counts.items())}


class _Exchange(Protocol):
    service: str


E = TypeVar("E", bound=_Exchange)


def counted(run: Callable[[E], httpx.Response]) -> Callable[[E], httpx.Response]:
    """Counts each call of an exchange's `run`: an error status or a raise is a failure."""

    @functools.wraps(run)
    def counting(exchange: E) -> httpx.Response:
        try:
            response = run(exchange)
        except BaseException:
            record(exchange.service, failed=True)
            raise
        record(exchange.service, failed=response.is_error)
        return response

    return counting
