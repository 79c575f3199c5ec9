"""Fixtures for the client tests: `server`, the shared local HTTP server
(`tests.local_http`), and `waits`, the pauses of the HTTP exchange recorded instead of
slept, with a fresh rate limit for every test."""

from __future__ import annotations

import pytest

from gmac.clients import http
from tests.local_http import server

__all__ = ["server", "waits"]


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(http, "_sleep", recorded.append)
    monkeypatch.setattr(http, "_limiters", {})
    return recorded
