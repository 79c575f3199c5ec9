"""Turso Platform API: databases and database tokens; and a database's migrations, applied
with libsql-client.

Every API resource takes `api_base` (https://api.turso.tech), `token` (the Platform API
token, secret; sent as `Authorization: Bearer ...`), `token_secret` (its gmac secret's name)
and `organization` (the organization slug). The facts relied on, with their sources, are in
tests/integrations/turso_api_facts.json.

Migrations connect to the database itself: its `libsql://` URL with a database token, or any
URL libsql-client takes (`file:` for a local libSQL file).
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import libsql_client
import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.http import Api
from gmac.errors import IntegrationError
from gmac.providers._base import Props, compare, outputs, secret_options

DEFAULT_TURSO_API_BASE = "https://api.turso.tech"


def _api(p: Props) -> Api:
    token = p.text("token")
    api = Api(
        "turso",
        p.text("api_base") or DEFAULT_TURSO_API_BASE,
        authorization=f"Bearer {token}" if token else None,
        credential=p.text("token_secret"),
    )
    api.require_credentials()
    return api


def _database_path(p: Props, name: str) -> str:
    org = quote(p.text("organization"), safe="")
    return f"/v1/organizations/{org}/databases/{quote(name, safe='')}"


def _now() -> int:
    return int(time.time())


# Database -----------------------------------------------------------------------------------


class TursoDatabaseProvider(ResourceProvider):
    """A database in a group; its ID is Turso's database ID (`DbId`).

    Nothing about a database changes in place: another name, group or organization is
    another database (the old one deleted first when the name stays, names being unique).
    A replacement loses the data; protected environments refuse it before it gets here.
    """

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=("api_base", "organization", "name", "group"),
            credentials=("token",),
            delete_before_replace=lambda old, new: old.text("name") == new.text("name"),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        api = _api(p)
        org = quote(p.text("organization"), safe="")
        body = {"name": p.text("name"), "group": p.text("group", "default")}
        path = f"/v1/organizations/{org}/databases"
        response = api.send("POST", path, json=body)
        if response.status_code == 409:
            # Made by an earlier run that never heard back (names are unique): take it over,
            # if it is in the declared group.
            answer = api.request("GET", _database_path(p, p.text("name")))
            group = str(answer["database"].get("group", body["group"]))
            if group != body["group"]:
                raise IntegrationError(
                    "turso",
                    f"database '{body['name']}' already exists in group '{group}', "
                    f"not '{body['group']}'",
                    status=409,
                )
        else:
            api.check("POST", path, response)
            answer = response.json()
        database = answer["database"]
        return CreateResult(str(database.get("DbId") or p.text("name")), _outputs(p, database))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        answer = _api(p).request("GET", _database_path(p, p.text("name")), allow_missing=True)
        if answer is None:
            return ReadResult(None, {})
        database = answer["database"]
        live = Props({**p.raw, "group": database.get("group", p.text("group"))})
        return ReadResult(id_, _outputs(live, database))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Only the Platform token can change in place: nothing to send, only to store.
        old, new = Props(olds), Props(news)
        return UpdateResult(
            outputs(
                new, hostname=old.text("hostname"), url=old.text("url"), db_id=old.text("db_id")
            )
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        p = Props(props)
        _api(p).request("DELETE", _database_path(p, p.text("name")), allow_missing=True)


def _outputs(p: Props, database: dict[str, Any]) -> dict[str, Any]:
    hostname = str(database.get("Hostname", ""))
    return outputs(
        p,
        db_id=str(database.get("DbId", "")),
        hostname=hostname,
        url=f"libsql://{hostname}" if hostname else "",
    )


class TursoDatabase(Resource, module="turso", name="Database"):
    """A Turso database (see `TursoDatabaseProvider`); `url` is its libsql:// URL."""

    url: pulumi.Output[str]
    hostname: pulumi.Output[str]
    db_id: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        api_base: str,
        token: pulumi.Input[str],
        token_secret: str,
        organization: str,
        name: str,
        group: str = "default",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "api_base": api_base,
            "token": token,
            "token_secret": token_secret,
            "organization": organization,
            "name": name,
            "group": group,
            "url": None,
            "hostname": None,
            "db_id": None,
        }
        super().__init__(
            TursoDatabaseProvider(), resource_name, props, secret_options(opts, "token")
        )


# Database token -----------------------------------------------------------------------------


class TursoDatabaseTokenProvider(ResourceProvider):
    """A token for one database; the token itself is the `jwt` output (a secret).

    Turso cannot show a token again, nor revoke one alone (rotating the database's keys
    revokes all of them), so `read` only checks that the database still exists and `delete`
    makes no call: a replaced token stays valid until its `expiration`. With `rotate_after`
    (seconds), the first diff after that much time replaces the token with a new one.
    """

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        result = compare(
            olds,
            news,
            replace=(
                "api_base",
                "organization",
                "database",
                "authorization",
                "expiration",
                "rotate_after",
            ),
            credentials=("token",),
        )
        rotate_at = Props(olds).number("rotate_at")
        if rotate_at and _now() >= rotate_at:
            result.changes = True
            result.replaces = [*(result.replaces or []), "rotate_at"]
            result.delete_before_replace = False
        return result

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        params = {
            "expiration": p.text("expiration", "never"),
            "authorization": p.text("authorization", "full-access"),
        }
        path = _database_path(p, p.text("database")) + "/auth/tokens"
        answer = _api(p).request("POST", path, params=params)
        jwt = str(answer["jwt"])
        created = _now()
        rotate_after = p.number("rotate_after")
        fingerprint = hashlib.sha256(jwt.encode()).hexdigest()[:12]
        return CreateResult(
            f"{p.text('database')}:{params['authorization']}:{fingerprint}",
            outputs(
                p,
                jwt=jwt,
                created_at=created,
                rotate_at=created + rotate_after if rotate_after else 0,
            ),
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        found = _api(p).request("GET", _database_path(p, p.text("database")), allow_missing=True)
        if found is None:
            return ReadResult(None, {})
        return ReadResult(id_, p.raw)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        kept = {key: old.raw.get(key) for key in ("jwt", "created_at", "rotate_at")}
        return UpdateResult(outputs(new, **kept))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None


class TursoDatabaseToken(Resource, module="turso", name="DatabaseToken"):
    """A token for one database (see `TursoDatabaseTokenProvider`); `jwt` is a secret."""

    jwt: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        api_base: str,
        token: pulumi.Input[str],
        token_secret: str,
        organization: str,
        database: pulumi.Input[str],
        authorization: str = "full-access",
        expiration: str = "never",
        rotate_after: int = 0,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "api_base": api_base,
            "token": token,
            "token_secret": token_secret,
            "organization": organization,
            "database": database,
            "authorization": authorization,
            "expiration": expiration,
            "rotate_after": rotate_after,
            "jwt": None,
            "created_at": None,
            "rotate_at": None,
        }
        super().__init__(
            TursoDatabaseTokenProvider(),
            resource_name,
            props,
            secret_options(opts, "token", "jwt"),
        )


# Migrations ---------------------------------------------------------------------------------

MIGRATIONS_TABLE = "_gmac_migrations"


def split_sql(text: str) -> list[str]:
    """The statements of a migration file, split where SQLite says a statement is complete
    (so a `;` inside a string, a comment or a trigger body does not split it)."""
    statements: list[str] = []
    pending = ""
    for line in text.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            if statement.rstrip(";").strip():
                statements.append(statement)
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return [s for s in statements if not all(_comment_only(line) for line in s.splitlines())]


def _comment_only(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("--") or stripped == ";"


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def apply_migrations(
    url: str, auth_token: str | None, migrations: Mapping[str, str], database: str = ""
) -> list[str]:
    """Apply the migrations (file name -> SQL) not applied yet, in name order, each in one
    transaction with its record in `_gmac_migrations`; the names applied now.

    A migration recorded with other contents is refused: migrations are forward-only.
    """
    label = database or url.split("?", 1)[0]

    def failed(error: Exception) -> IntegrationError:
        text = getattr(error, "explanation", None) or str(error) or type(error).__name__
        return IntegrationError("turso", f"database '{label}': {text}")

    try:
        client = libsql_client.create_client_sync(url, auth_token=auth_token or None)
    except Exception as error:
        raise failed(error) from None
    applied_now: list[str] = []
    try:
        client.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
            "name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        rows = client.execute(f"SELECT name, checksum FROM {MIGRATIONS_TABLE}").rows
        applied = {str(row[0]): str(row[1]) for row in rows}
        for name in sorted(migrations):
            sql = migrations[name]
            if name in applied:
                if applied[name] != _checksum(sql):
                    raise IntegrationError(
                        "turso",
                        f"database '{label}': migration {name} changed after it was applied; "
                        "migrations are forward-only: restore it and add a new one",
                    )
                continue
            record = libsql_client.Statement(
                f"INSERT INTO {MIGRATIONS_TABLE} (name, checksum, applied_at) "
                "VALUES (?, ?, datetime('now'))",
                [name, _checksum(sql)],
            )
            client.batch([*split_sql(sql), record])
            applied_now.append(name)
    except IntegrationError:
        raise
    except Exception as error:
        raise failed(error) from None
    finally:
        client.close()
    return applied_now


class TursoMigrationsProvider(ResourceProvider):
    """The migrations of one database, applied on create and whenever new ones appear.

    Its ID is the database's name; `applied` lists every migration applied so far. Deleting
    it changes nothing in the database: the data and its schema stay.
    """

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            update=("url", "migrations"),
            replace=("database",),
            credentials=("auth_token",),
        )

    def _apply(self, p: Props) -> dict[str, Any]:
        migrations = p.mapping("migrations")
        apply_migrations(p.text("url"), p.text("auth_token"), migrations, p.text("database"))
        return outputs(p, applied=sorted(migrations))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        return CreateResult(p.text("database"), self._apply(p))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._apply(Props(news)))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None


class TursoMigrations(Resource, module="turso", name="Migrations"):
    """A database's migrations (see `TursoMigrationsProvider`)."""

    applied: pulumi.Output[list[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        database: str,
        url: pulumi.Input[str],
        auth_token: pulumi.Input[str],
        migrations: Mapping[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "database": database,
            "url": url,
            "auth_token": auth_token,
            "migrations": dict(migrations),
            "applied": None,
        }
        super().__init__(
            TursoMigrationsProvider(), resource_name, props, secret_options(opts, "auth_token")
        )
