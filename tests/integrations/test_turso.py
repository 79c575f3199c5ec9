"""Turso: the providers against the Platform API as documented (turso_api_facts.json, served
by turso_api.py), token rotation, faults, and the database's migrations applied with
libsql-client to a real libSQL file."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import libsql_client
import pytest

from components.turso import token_expiration
from gmac.clients import http as _http
from gmac.clients.libsql import split_sql
from gmac.clients.turso import DEFAULT_TURSO_API_BASE
from gmac.errors import IntegrationError
from gmac.providers import (
    TursoDatabaseProvider,
    TursoDatabaseTokenProvider,
    TursoMigrationsProvider,
    _turso,
    apply_migrations,
)
from tests.integrations.conftest import TURSO_TOKEN
from tests.integrations.turso_api import ENDPOINTS, FACTS, TursoApi, decode_jwt

ORG = "gmac"


@pytest.fixture(autouse=True)
def no_waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(_http, "_sleep", waits.append)
    monkeypatch.setattr(_http, "_limiters", {})  # a fresh rate limit for every test
    return waits


def _db_props(api: TursoApi, **changes: Any) -> dict[str, Any]:
    return {
        "__provider": "pickled",
        "api_base": api.url,
        "token": TURSO_TOKEN,
        "token_secret": "turso-platform-token",
        "organization": ORG,
        "name": "registry",
        "group": "default",
        **changes,
    }


def _token_props(api: TursoApi, **changes: Any) -> dict[str, Any]:
    return {
        "api_base": api.url,
        "token": TURSO_TOKEN,
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


def test_database_lifecycle_as_documented(turso_api: TursoApi) -> None:
    provider = TursoDatabaseProvider()

    created = provider.create(_db_props(turso_api))

    call = turso_api.called("create_database")[0]
    assert call.body == {"name": "registry", "group": "default"}
    assert call.authorization == f"Bearer {TURSO_TOKEN}"
    stored = turso_api.databases[(ORG, "registry")]
    assert created.id == stored["DbId"]
    outs = created.outs or {}
    assert outs["hostname"] == f"registry-{ORG}.turso.io"  # the documented hostname template
    assert outs["url"] == f"libsql://registry-{ORG}.turso.io"

    read = provider.read(created.id, {**_db_props(turso_api), **outs})
    assert read.id == created.id
    assert provider.diff(created.id, read.outs or {}, _db_props(turso_api)).changes is False

    provider.delete(created.id, _db_props(turso_api))
    assert (ORG, "registry") not in turso_api.databases
    assert provider.read(created.id, _db_props(turso_api)).id is None
    provider.delete(created.id, _db_props(turso_api))  # already gone: quiet


def test_a_create_repeated_after_a_lost_answer_takes_the_database_over(
    turso_api: TursoApi,
) -> None:
    first = TursoDatabaseProvider().create(_db_props(turso_api))
    second = TursoDatabaseProvider().create(_db_props(turso_api))

    assert second.id == first.id
    assert len(turso_api.databases) == 1
    assert [c.endpoint for c in turso_api.calls][-2:] == ["create_database", "retrieve_database"]


def test_a_database_name_turso_refuses_is_reported(turso_api: TursoApi) -> None:
    with pytest.raises(IntegrationError, match=r"invalid database name 'Registry' \(400\)"):
        TursoDatabaseProvider().create(_db_props(turso_api, name="Registry"))


def test_tokens_are_created_as_documented_and_rotated(
    turso_api: TursoApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    TursoDatabaseProvider().create(_db_props(turso_api))
    provider = TursoDatabaseTokenProvider()
    props = _token_props(turso_api)

    created = provider.create(props)

    call = turso_api.called("create_database_token")[0]
    documented = ENDPOINTS["create_database_token"]["query"]
    assert set(call.query) == set(documented)
    assert call.query == {"expiration": "60d", "authorization": "full-access"}
    outs = created.outs or {}
    claims = decode_jwt(outs["jwt"])
    assert claims["a"] == "rw"
    assert claims["exp"] - claims["iat"] == 60 * 86400  # twice the rotation period
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
    assert len(turso_api.tokens) == 2

    read_only = provider.create(_token_props(turso_api, authorization="read-only"))
    assert decode_jwt((read_only.outs or {})["jwt"])["a"] == "ro"


def test_every_expiration_gmac_sends_is_a_documented_duration() -> None:
    example = ENDPOINTS["create_database_token"]["query"]["expiration"]["example"]
    pattern = re.compile(r"^([0-9]+[wdhms])+$")
    assert pattern.match(example)
    for seconds in (0, 59, 3600, 86400, 30 * 86400, 90 * 86400 + 7):
        text = token_expiration(seconds)
        assert text == "never" or pattern.match(text), text


def test_429_and_503_are_retried_without_a_second_database(
    turso_api: TursoApi, no_waits: list[float]
) -> None:
    turso_api.fail_next(429)
    turso_api.fail_next(503)

    created = TursoDatabaseProvider().create(_db_props(turso_api))

    assert created.id == turso_api.databases[(ORG, "registry")]["DbId"]
    assert len(turso_api.called("create_database")) == 3
    assert len(turso_api.databases) == 1
    assert len(no_waits) == 2


def test_a_500_on_create_is_not_repeated_blindly(turso_api: TursoApi) -> None:
    turso_api.fail_next(500, message="internal error")
    with pytest.raises(IntegrationError) as caught:
        TursoDatabaseProvider().create(_db_props(turso_api))
    assert str(caught.value) == (
        f"turso: POST /v1/organizations/{ORG}/databases: internal error (500)"
    )
    assert len(turso_api.called("create_database")) == 1


def test_a_rejected_token_is_one_clear_message(turso_api: TursoApi) -> None:
    with pytest.raises(IntegrationError) as caught:
        TursoDatabaseProvider().create(_db_props(turso_api, token="expired"))
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
