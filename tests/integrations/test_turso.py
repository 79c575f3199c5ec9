"""Turso: the providers against the Turso Platform API stand-in (turso_api.py, written from
the documentation in turso_api_facts.json: no Turso server runs here), tokens checked as the
documentation says a database checks them (signature, expiry, scope, invalidation per
database and per group), rotation, faults, and the database's migrations applied with
libsql-client to a real libSQL file."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path
from typing import Any

import libsql_client
import pytest

from components.turso import token_expiration
from gmac.clients import http as _http
from gmac.clients.libsql import split_sql
from gmac.clients.turso import DEFAULT_TURSO_API_BASE, TursoClient, TursoConnection
from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers import (
    TursoDatabaseProvider,
    TursoDatabaseTokenProvider,
    TursoMigrationsProvider,
    _turso,
    apply_migrations,
)
from tests.integrations.turso_api import ENDPOINTS, FACTS, TursoStandIn, decode_jwt

ORG = "gmac"


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(_http, "_sleep", waits.append)
    monkeypatch.setattr(_http, "_limiters", {})  # a fresh rate limit for every test
    return waits


def _db_props(api: TursoStandIn, **changes: Any) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "api_base": api.url,
        "token": api.api_token,
        "token_secret": "turso-platform-token",
        "organization": ORG,
        "name": "registry",
        "group": "default",
        **changes,
    }


def _token_props(api: TursoStandIn, **changes: Any) -> dict[str, Any]:
    return {
        "api_base": api.url,
        "token": api.api_token,
        "token_secret": "turso-platform-token",
        "organization": ORG,
        "database": "registry",
        "authorization": "full-access",
        "expiration": token_expiration(30 * 86400),
        "rotate_after": 30 * 86400,
        **changes,
    }


def test_every_fact_names_its_source() -> None:
    def sources(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["source"]] if "source" in node else []
            found += list(node.get("sources", []))
            return found
        return []

    assert FACTS["base_url"]["value"] == DEFAULT_TURSO_API_BASE
    for name, fact in [*FACTS.items(), *ENDPOINTS.items()]:
        if isinstance(fact, dict) and name != "endpoints":
            assert sources(fact), f"{name} has no source"
            assert all(s.startswith("https://docs.turso.tech/") for s in sources(fact)), name


def test_database_lifecycle_as_documented(turso_stand_in: TursoStandIn) -> None:
    provider = TursoDatabaseProvider()

    created = provider.create(_db_props(turso_stand_in))

    call = turso_stand_in.called("create_database")[0]
    assert call.body == {"name": "registry", "group": "default"}
    assert call.authorization == f"Bearer {turso_stand_in.api_token}"
    stored = turso_stand_in.databases[(ORG, "registry")]
    assert created.id == stored["DbId"]
    outs = created.outs or {}
    assert outs["hostname"] == f"registry-{ORG}.turso.io"  # the documented hostname template
    assert outs["url"] == f"libsql://registry-{ORG}.turso.io"

    read = provider.read(created.id, {**_db_props(turso_stand_in), **outs})
    assert read.id == created.id
    assert provider.diff(created.id, read.outs or {}, _db_props(turso_stand_in)).changes is False

    provider.delete(created.id, _db_props(turso_stand_in))
    assert (ORG, "registry") not in turso_stand_in.databases
    assert provider.read(created.id, _db_props(turso_stand_in)).id is None
    provider.delete(created.id, _db_props(turso_stand_in))  # already gone: quiet


def test_a_create_that_meets_a_database_of_its_name_stops_and_says_gmac_adopt(
    turso_stand_in: TursoStandIn,
) -> None:
    """A database has no room for a marker, so nothing proves an earlier attempt made one of
    the same name: the create stops, the database is left alone, and adopting takes it."""
    first = TursoDatabaseProvider().create(_db_props(turso_stand_in))
    with pytest.raises(ExistingObjectError, match=r"^turso: database 'registry' already exists"):
        TursoDatabaseProvider().create(_db_props(turso_stand_in))

    assert len(turso_stand_in.databases) == 1
    assert [c.endpoint for c in turso_stand_in.calls][-1:] == ["create_database"]
    adopted = TursoDatabaseProvider().create(_db_props(turso_stand_in, adopt=first.id))
    assert adopted.id == first.id
    assert len(turso_stand_in.databases) == 1


def test_a_database_name_turso_refuses_is_reported(turso_stand_in: TursoStandIn) -> None:
    with pytest.raises(IntegrationError, match=r"invalid database name 'Registry' \(400\)"):
        TursoDatabaseProvider().create(_db_props(turso_stand_in, name="Registry"))


def test_tokens_are_created_as_documented_and_rotated(
    turso_stand_in: TursoStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    TursoDatabaseProvider().create(_db_props(turso_stand_in))
    provider = TursoDatabaseTokenProvider()
    props = _token_props(turso_stand_in)

    created = provider.create(props)

    call = turso_stand_in.called("create_database_token")[0]
    documented = ENDPOINTS["create_database_token"]["query"]
    assert set(call.query) == set(documented)
    assert call.query == {"expiration": "60d", "authorization": "full-access"}
    outs = created.outs or {}
    claims = decode_jwt(outs["jwt"])
    assert claims["a"] == "rw"
    assert claims["exp"] - claims["iat"] == 60 * 86400  # twice the rotation period
    assert turso_stand_in.verify_database_token(ORG, "registry", outs["jwt"], write=True) is None
    assert outs["rotate_at"] == outs["created_at"] + 30 * 86400
    assert provider.diff(created.id, {**props, **outs}, props).changes is False
    assert provider.read(created.id, {**props, **outs}).id == created.id

    # 30 days later the next diff replaces it: a new token, the old one still valid until
    # it expires (Turso cannot revoke one token alone).
    later = time.time() + 30 * 86400 + 1
    monkeypatch.setattr(_turso, "_now", lambda: int(later))
    diff = provider.diff(created.id, {**props, **outs}, props)
    assert diff.changes is True
    assert diff.replaces == ["rotate_at"]
    assert diff.delete_before_replace is False
    rotated = provider.create(props).outs or {}
    assert rotated["jwt"] != outs["jwt"]
    assert len(turso_stand_in.tokens) == 2
    for token in (outs["jwt"], rotated["jwt"]):
        assert turso_stand_in.verify_database_token(ORG, "registry", token) is None

    read_only = provider.create(_token_props(turso_stand_in, authorization="read-only"))
    assert decode_jwt((read_only.outs or {})["jwt"])["a"] == "ro"


def _database_token(api: TursoStandIn, database: str, **query: str) -> str:
    created = TursoDatabaseTokenProvider().create(_token_props(api, database=database, **query))
    return str((created.outs or {})["jwt"])


def test_a_database_token_opens_its_database_only_until_it_expires(
    turso_stand_in: TursoStandIn,
) -> None:
    api = turso_stand_in
    for name in ("registry", "orders"):
        TursoDatabaseProvider().create(_db_props(api, name=name))
    token = _database_token(api, "registry", expiration="1d")
    read_only = _database_token(api, "registry", authorization="read-only")

    assert api.verify_database_token(ORG, "registry", token, write=True) is None
    assert api.verify_database_token(ORG, "orders", token) == "token is for another database"
    assert api.verify_database_token(ORG, "registry", read_only) is None
    assert api.verify_database_token(ORG, "registry", read_only, write=True) == "read-only token"

    # A token edited by hand (its claims, or signed with another key) is refused.
    header, _claims, signature = token.split(".")
    forged_claims = _token_claims(
        decode_jwt(token) | {"id": api.databases[(ORG, "orders")]["DbId"]}
    )
    forged = f"{header}.{forged_claims}.{signature}"
    assert api.verify_database_token(ORG, "orders", forged) == "invalid signature"
    other = TursoStandIn()
    assert api.verify_database_token(ORG, "registry", other.api_token) == "invalid signature"

    api.advance(86400)
    assert api.verify_database_token(ORG, "registry", token) == "token expired"
    assert api.verify_database_token(ORG, "registry", read_only) is None  # `never` expires


def _token_claims(claims: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")


def test_invalidating_a_databases_tokens_invalidates_its_whole_group(
    turso_stand_in: TursoStandIn,
) -> None:
    """As the CLI's documentation warns: every token of the database's group goes."""
    api = turso_stand_in
    api.groups.add("analytics")
    TursoDatabaseProvider().create(_db_props(api, name="registry"))
    TursoDatabaseProvider().create(_db_props(api, name="orders"))
    TursoDatabaseProvider().create(_db_props(api, name="events", group="analytics"))
    tokens = {name: _database_token(api, name) for name in ("registry", "orders", "events")}

    client = TursoClient(TursoConnection(api.url, token=api.api_token))
    client.api.request("POST", f"/v1/organizations/{ORG}/databases/registry/auth/rotate")

    assert api.verify_database_token(ORG, "registry", tokens["registry"]) == "token invalidated"
    assert api.verify_database_token(ORG, "orders", tokens["orders"]) == "token invalidated"
    assert api.verify_database_token(ORG, "events", tokens["events"]) is None  # another group
    fresh = _database_token(api, "registry")
    assert api.verify_database_token(ORG, "registry", fresh) is None

    group_token = client.api.request(
        "POST", f"/v1/organizations/{ORG}/groups/analytics/auth/tokens"
    )
    assert api.verify_database_token(ORG, "events", group_token["jwt"]) is None
    assert api.verify_database_token(ORG, "registry", group_token["jwt"]) == "invalid signature"
    client.api.request("POST", f"/v1/organizations/{ORG}/groups/analytics/auth/rotate")
    for token in (tokens["events"], group_token["jwt"]):
        assert api.verify_database_token(ORG, "events", token) == "token invalidated"
    assert api.verify_database_token(ORG, "registry", fresh) is None


def test_platform_tokens_are_checked_and_expire(turso_stand_in: TursoStandIn) -> None:
    api = turso_stand_in
    expiring = api.mint_api_token(expires_in=3600)
    answer = TursoClient(TursoConnection(api.url, token=expiring)).validate_token()
    assert answer == {"exp": decode_jwt(expiring)["exp"]}
    assert TursoClient(TursoConnection(api.url, token=api.api_token)).validate_token() == {
        "exp": -1
    }
    api.advance(3600)
    with pytest.raises(IntegrationError, match=r"token rejected \(401\)"):
        TursoDatabaseProvider().create(_db_props(api, token=expiring))
    forged = TursoStandIn().api_token  # signed with another key
    with pytest.raises(IntegrationError, match=r"token rejected \(401\)"):
        TursoDatabaseProvider().create(_db_props(api, token=forged))
    assert api.databases == {}


def test_every_expiration_gmac_sends_is_a_documented_duration() -> None:
    example = ENDPOINTS["create_database_token"]["query"]["expiration"]["example"]
    pattern = re.compile(r"^([0-9]+[wdhms])+$")
    assert pattern.match(example)
    for seconds in (0, 59, 3600, 86400, 30 * 86400, 90 * 86400 + 7):
        text = token_expiration(seconds)
        assert text == "never" or pattern.match(text), text


def test_429_and_503_are_retried_without_a_second_database(
    turso_stand_in: TursoStandIn, no_waits: list[float]
) -> None:
    turso_stand_in.fail_next(429)
    turso_stand_in.fail_next(503)

    created = TursoDatabaseProvider().create(_db_props(turso_stand_in))

    assert created.id == turso_stand_in.databases[(ORG, "registry")]["DbId"]
    assert len(turso_stand_in.called("create_database")) == 3
    assert len(turso_stand_in.databases) == 1
    assert len(no_waits) == 2


def test_a_500_on_create_is_not_repeated_blindly(turso_stand_in: TursoStandIn) -> None:
    turso_stand_in.fail_next(500, message="internal error")
    with pytest.raises(IntegrationError) as caught:
        TursoDatabaseProvider().create(_db_props(turso_stand_in))
    assert str(caught.value) == (
        f"turso: POST /v1/organizations/{ORG}/databases: internal error (500)"
    )
    assert len(turso_stand_in.called("create_database")) == 1


def test_a_rejected_token_is_one_clear_message(turso_stand_in: TursoStandIn) -> None:
    with pytest.raises(IntegrationError) as caught:
        TursoDatabaseProvider().create(_db_props(turso_stand_in, token="expired"))
    assert str(caught.value) == ("turso: token rejected (401); check secret 'turso-platform-token'")


# Migrations, on a real libSQL file -----------------------------------------------------------

MIGRATIONS = {
    "0001_accounts.sql": """
        -- accounts; the ';' in this comment and in the string below do not split
        CREATE TABLE accounts (
            id    INTEGER PRIMARY KEY,
            email TEXT NOT NULL UNIQUE,
            note  TEXT NOT NULL DEFAULT 'a; b'
        );
        CREATE INDEX accounts_by_email ON accounts (email);
    """,
    "0002_plans.sql": """
        CREATE TABLE plans (id TEXT PRIMARY KEY, amount INTEGER NOT NULL);
        INSERT INTO plans VALUES ('pro-monthly', 1900);
        CREATE TRIGGER plans_positive BEFORE INSERT ON plans
        WHEN NEW.amount < 0 BEGIN SELECT RAISE(ABORT, 'negative; amount'); END;
    """,
}


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    client = libsql_client.create_client_sync(url)
    try:
        return [tuple(row) for row in client.execute(sql).rows]
    finally:
        client.close()


def test_split_sql_keeps_strings_comments_and_triggers_whole() -> None:
    assert len(split_sql(MIGRATIONS["0001_accounts.sql"])) == 2
    statements = split_sql(MIGRATIONS["0002_plans.sql"])
    assert len(statements) == 3
    assert statements[2].startswith("CREATE TRIGGER") and statements[2].endswith("END;")
    assert split_sql("-- only a comment\n\n") == []


def test_migrations_are_applied_once_each_in_order(tmp_path: Path) -> None:
    url = f"file:{tmp_path / 'registry.db'}"

    assert apply_migrations(url, None, {"0001_accounts.sql": MIGRATIONS["0001_accounts.sql"]}) == [
        "0001_accounts.sql"
    ]
    assert apply_migrations(url, None, MIGRATIONS) == ["0002_plans.sql"]
    assert apply_migrations(url, None, MIGRATIONS) == []

    assert _rows(url, "SELECT id, amount FROM plans") == [("pro-monthly", 1900)]
    assert _rows(url, "SELECT name FROM _gmac_migrations ORDER BY name") == [
        ("0001_accounts.sql",),
        ("0002_plans.sql",),
    ]
    _rows(url, "INSERT INTO accounts (email) VALUES ('a@example.com')")
    assert _rows(url, "SELECT note FROM accounts") == [("a; b",)]


def test_a_failing_migration_leaves_nothing_behind(tmp_path: Path) -> None:
    url = f"file:{tmp_path / 'registry.db'}"
    broken = {"0001_broken.sql": "CREATE TABLE a (x);\nCREATE TABLE oops (;\n"}

    with pytest.raises(IntegrationError) as caught:
        apply_migrations(url, None, broken, "registry")

    assert str(caught.value) == "turso: database 'registry': near \";\": syntax error"
    tables = _rows(url, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    assert tables == [("_gmac_migrations",)]
    assert apply_migrations(url, None, MIGRATIONS) == sorted(MIGRATIONS)


def test_an_applied_migration_that_changed_is_refused(tmp_path: Path) -> None:
    url = f"file:{tmp_path / 'registry.db'}"
    apply_migrations(url, None, MIGRATIONS)
    edited = {**MIGRATIONS, "0002_plans.sql": "CREATE TABLE other (x);"}
    with pytest.raises(IntegrationError, match=r"migration 0002_plans\.sql changed after it was"):
        apply_migrations(url, None, edited, "registry")


def test_the_migrations_resource_applies_new_files_on_update(tmp_path: Path) -> None:
    url = f"file:{tmp_path / 'registry.db'}"
    provider = TursoMigrationsProvider()
    first = {"database": "registry", "url": url, "auth_token": "", "migrations": {}}
    first["migrations"] = {"0001_accounts.sql": MIGRATIONS["0001_accounts.sql"]}

    created = provider.create(first)
    assert created.id == "registry"
    assert (created.outs or {})["applied"] == ["0001_accounts.sql"]

    second = {**first, "migrations": MIGRATIONS}
    assert provider.diff("registry", created.outs or {}, second).changes is True
    updated = provider.update("registry", created.outs or {}, second).outs or {}
    assert updated["applied"] == sorted(MIGRATIONS)
    assert _rows(url, "SELECT count(*) FROM plans") == [(1,)]
    assert provider.diff("registry", updated, second).changes is False
