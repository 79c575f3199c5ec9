"""The Turso providers against a local HTTP server speaking the Platform API calls they make."""

from __future__ import annotations

from typing import Any

import pytest

from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers import TursoDatabaseProvider, TursoDatabaseTokenProvider
from tests.local_http import LocalServer

TOKEN = "turso-platform-token"
DATABASES = "/v1/organizations/shop/databases"
DATABASE = {"DbId": "db-0001", "Hostname": "orders-shop.turso.io", "Name": "orders"}


def _db_props(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "api_base": server.url,
        "token": TOKEN,
        "token_secret": "turso-api-token",
        "organization": "shop",
        "name": "orders",
        "group": "eu",
        **changes,
    }


def _token_props(server: LocalServer, **changes: Any) -> dict[str, Any]:
    return {
        "api_base": server.url,
        "token": TOKEN,
        "token_secret": "turso-api-token",
        "organization": "shop",
        "database": "orders",
        "authorization": "read-only",
        "expiration": "60d",
        "rotate_after": 2592000,
        **changes,
    }


def test_database_lifecycle(server: LocalServer) -> None:
    server.answer("POST", DATABASES, 200, {"database": DATABASE})
    server.answer("GET", f"{DATABASES}/orders", 200, {"database": {**DATABASE, "group": "us"}})
    server.answer("DELETE", f"{DATABASES}/orders", 200, {"database": "orders"})
    provider = TursoDatabaseProvider()

    created = provider.create(_db_props(server))
    assert created.id == "db-0001"
    request = server.sent("POST", DATABASES)[0]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json() == {"name": "orders", "group": "eu"}
    outs = created.outs or {}
    assert outs["url"] == "libsql://orders-shop.turso.io"
    assert outs["hostname"] == "orders-shop.turso.io"

    read = provider.read(created.id, {**_db_props(server), **outs})
    assert (read.outs or {})["group"] == "us"  # moved outside gmac: the next diff replaces it

    provider.delete(created.id, _db_props(server))
    assert len(server.sent("DELETE", f"{DATABASES}/orders")) == 1


def test_a_deleted_database_reads_as_gone_and_deletes_quietly(server: LocalServer) -> None:
    server.answer("GET", f"{DATABASES}/orders", 404, {"error": "database not found"})
    server.answer("DELETE", f"{DATABASES}/orders", 404, {"error": "database not found"})
    provider = TursoDatabaseProvider()
    assert provider.read("db-0001", _db_props(server)).id is None
    provider.delete("db-0001", _db_props(server))


def test_turso_errors_are_clear(server: LocalServer) -> None:
    server.answer("POST", DATABASES, 401, {"error": "invalid token"})
    with pytest.raises(IntegrationError) as caught:
        TursoDatabaseProvider().create(_db_props(server))
    assert str(caught.value) == "turso: token rejected (401); check secret 'turso-api-token'"
    assert TOKEN not in str(caught.value)

    # 409: a database of that name exists, and nothing says gmac made it: never taken over.
    server.answer("POST", DATABASES, 409, {"error": "database orders already exists"})
    with pytest.raises(ExistingObjectError) as conflict:
        TursoDatabaseProvider().create(_db_props(server))
    assert str(conflict.value) == (
        "turso: database 'orders' already exists and gmac did not make it; run `gmac adopt` "
        "to review it, then `gmac apply --adopt` to take it over"
    )


def test_update_only_stores_a_new_platform_token(server: LocalServer) -> None:
    stored = {**_db_props(server), "url": "libsql://orders-shop.turso.io", "db_id": "db-0001"}
    result = TursoDatabaseProvider().update("db-0001", stored, _db_props(server, token="new"))
    assert server.requests == []
    assert (result.outs or {})["token"] == "new"
    assert (result.outs or {})["url"] == "libsql://orders-shop.turso.io"


def test_database_token_lifecycle(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("gmac.providers._turso._now", lambda: 1_700_000_000)
    tokens = f"{DATABASES}/orders/auth/tokens"
    server.answer("POST", tokens, 200, {"jwt": "eyJ.secret.jwt"})
    server.answer("GET", f"{DATABASES}/orders", 200, {"database": DATABASE})
    provider = TursoDatabaseTokenProvider()

    created = provider.create(_token_props(server))
    request = server.sent("POST", tokens)[0]
    assert request.query == {"expiration": "60d", "authorization": "read-only"}
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    outs = created.outs or {}
    assert outs["jwt"] == "eyJ.secret.jwt"
    assert outs["rotate_at"] == 1_700_000_000 + 2592000
    assert "secret" not in created.id and created.id.startswith("orders:read-only:")

    assert provider.read(created.id, outs).outs == outs  # a token cannot be read back

    before = len(server.requests)
    provider.delete(created.id, outs)  # Turso cannot revoke a single token
    assert len(server.requests) == before


def test_a_token_of_a_deleted_database_is_gone(server: LocalServer) -> None:
    server.answer("GET", f"{DATABASES}/orders", 404, {"error": "database not found"})
    assert TursoDatabaseTokenProvider().read("orders:x", _token_props(server)).id is None
