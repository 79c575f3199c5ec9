"""The Turso client against the Turso Platform API stand-in (tests/integrations/turso_api.py,
written from the documentation in turso_api_facts.json), and libSQL migrations on a real
libSQL file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import libsql_client
import pytest

from gmac.clients.libsql import apply_migrations, split_sql
from gmac.clients.turso import TursoClient, TursoConnection, rotate_turso_token
from gmac.errors import IntegrationError
from tests.integrations.turso_api import TursoStandIn, decode_jwt, serve
from tests.local_http import LocalServer


@pytest.fixture
def turso() -> Iterator[TursoStandIn]:
    with serve() as api:
        yield api


def _client(api: TursoStandIn, token: str | None = None) -> TursoClient:
    connection = TursoConnection(
        api.url, token=api.api_token if token is None else token, token_secret="turso-api-token"
    )
    return TursoClient(connection)


def test_database_lifecycle(turso: TursoStandIn) -> None:
    shop = _client(turso).organization("shop")
    created = shop.create_database("orders", "default")
    assert created is not None
    assert created["Hostname"] == "orders-shop.turso.io"
    assert shop.create_database("orders", "default") is None  # names are unique
    assert shop.database("orders")["DbId"] == created["DbId"]

    jwt = shop.create_database_token("orders", expiration="1d", authorization="read-only")
    claims = decode_jwt(jwt)
    assert (claims["a"], claims["id"], claims["exp"] - claims["iat"]) == (
        "ro",
        created["DbId"],
        86400,
    )

    shop.delete_database("orders")
    assert shop.find_database("orders") is None
    shop.delete_database("orders")  # gone already: fine
    with pytest.raises(IntegrationError) as caught:
        shop.database("orders")
    assert (
        str(caught.value) == "turso: GET /v1/organizations/shop/databases/orders: not found (404)"
    )


def test_the_token_is_checked_and_never_shown(turso: TursoStandIn) -> None:
    assert _client(turso).validate_token() == {"exp": -1}
    with pytest.raises(IntegrationError) as caught:
        _client(turso, "stale-token").validate_token()
    assert str(caught.value) == "turso: token rejected (401); check secret 'turso-api-token'"
    with pytest.raises(IntegrationError, match=r"^turso: no API token; set secret"):
        _client(turso, "").require_credentials()


def test_rotation_revokes_the_previous_token_with_the_new_one(server: LocalServer) -> None:
    """API tokens are not among the documented facts: a local server answers those two."""
    server.route("POST", "/v1/auth/api-tokens/([^/]+)", lambda r, m: (200, {"token": "fresh"}))
    server.answer("DELETE", "/v1/auth/api-tokens/gmac-1", 200, {"token": "gmac-1"})

    rotated = rotate_turso_token(server.url, "current", "gmac-2", previous="gmac-1")

    assert (rotated.value, rotated.name) == ("fresh", "gmac-2")
    (create,) = server.requests
    assert (create.path, create.headers["authorization"]) == (
        "/v1/auth/api-tokens/gmac-2",
        "Bearer current",
    )
    assert rotated.revoke() == "gmac-1"
    assert server.requests[-1].headers["authorization"] == "Bearer fresh"
    assert rotate_turso_token(server.url, "current", "gmac-3").revoke() is None


def test_split_sql_keeps_strings_and_triggers_whole() -> None:
    sql = (
        "-- accounts\n"
        "CREATE TABLE a (note TEXT DEFAULT 'x;y');\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET note = ';'; END;\n"
        "-- only a comment\n"
    )
    statements = split_sql(sql)
    assert len(statements) == 2
    assert statements[1].endswith("END;")
    assert split_sql("-- nothing\n\n") == []


def test_migrations_apply_once_and_forward_only(tmp_path: Path) -> None:
    url = f"file:{tmp_path / 'shop.db'}"
    first = {"0001_a.sql": "CREATE TABLE a (id INTEGER);"}
    assert apply_migrations(url, None, first) == ["0001_a.sql"]
    both = {**first, "0002_b.sql": "CREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES (1);"}
    assert apply_migrations(url, None, both) == ["0002_b.sql"]
    assert apply_migrations(url, None, both) == []
    with libsql_client.create_client_sync(url) as client:
        assert client.execute("SELECT id FROM b").rows[0][0] == 1

    edited = {**both, "0001_a.sql": "CREATE TABLE a (id TEXT);"}
    with pytest.raises(
        IntegrationError, match=r"migration 0001_a\.sql changed after it was applied"
    ):
        apply_migrations(url, None, edited, "shop")
    with pytest.raises(IntegrationError, match=r"^turso: database 'shop': "):
        apply_migrations(url, None, {"0003_bad.sql": "CREATE TABLE;"}, "shop")
