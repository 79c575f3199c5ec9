"""Turso: databases and database tokens through the Platform API (`gmac.clients.turso`),
and a database's migrations, applied with libsql-client (`gmac.clients.libsql`).

Every API resource takes `api_base` (https://api.turso.tech), `token` (the Platform API
token, secret; sent as `Authorization: Bearer ...`), `token_secret` (its gmac secret's name)
and `organization` (the organization slug).

Migrations connect to the database itself: its `libsql://` URL with a database token, or any
URL libsql-client takes (`file:` for a local libSQL file).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.libsql import apply_migrations
from gmac.clients.turso import TursoOrganization
from gmac.errors import ExistingObjectError, IntegrationError
from gmac.providers._adopt import Candidate, Difference, Finding, adopt_id, differences
from gmac.providers._base import Props, compare, outputs, published, secret_options
from gmac.providers._connections import turso_client


def _organization(p: Props) -> TursoOrganization:
    return turso_client(p).organization(p.text("organization"))


def _now() -> int:
    return int(time.time())


# Database -----------------------------------------------------------------------------------


@published
class TursoDatabaseProvider(ResourceProvider):
    """A database in a group; its ID is Turso's database ID (`DbId`).

    Nothing about a database changes in place: another name, group or organization is
    another database (the old one deleted first when the name stays, names being unique).
    A replacement loses the data; protected environments refuse it before it gets here.

    A database has nowhere to carry a marker, so nothing proves that one of the same name
    was made by an earlier attempt: a create that meets one stops (`ExistingObjectError`),
    and `gmac adopt` finds it by name.
    """

    UPDATE: ClassVar[tuple[str, ...]] = ()
    REPLACE: ClassVar[tuple[str, ...]] = ("api_base", "organization", "name", "group")

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return compare(
            olds,
            news,
            replace=self.REPLACE,
            credentials=("token",),
            delete_before_replace=lambda old, new: old.text("name") == new.text("name"),
        )

    def find(self, props: dict[str, Any]) -> Finding:
        p = Props(props)
        name = p.text("name")
        what = f"Turso database {p.text('organization')}/{name}"
        database = _organization(p).find_database(name)
        if database is None:
            return Finding(what)
        found = Candidate(str(database.get("DbId") or name), f"group {database.get('group')}")
        return Finding(what, (found,), how="by name")

    def differences(self, id_: str, props: dict[str, Any]) -> tuple[Difference, ...]:
        live = self.read(id_, props).outs or {}
        return differences(live, props, update=self.UPDATE, replace=self.REPLACE)

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        organization = _organization(p)
        name, declared = p.text("name"), p.text("group", "default")
        if adopt_id(p):
            database = organization.find_database(name)
            if database is None or str(database.get("DbId") or name) != adopt_id(p):
                raise IntegrationError("turso", f"database {adopt_id(p)} to adopt does not exist")
            group = str(database.get("group", declared))
            if group != declared:
                # Another group is another database: the adopted one is deleted and a new
                # one made, as the adoption's plan showed (a replacement, which a protected
                # environment allows only with --allow-destroy).
                organization.delete_database(name)
                database = organization.create_database(name, declared) or {}
            return CreateResult(str(database.get("DbId") or name), _outputs(p, database))
        database = organization.create_database(name, declared)
        if database is None:
            raise ExistingObjectError("turso", f"database '{name}'")
        return CreateResult(str(database.get("DbId") or p.text("name")), _outputs(p, database))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        database = _organization(p).find_database(p.text("name"))
        if database is None:
            return ReadResult(None, {})
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
        _organization(p).delete_database(p.text("name"))


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


@published
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
        authorization = p.text("authorization", "full-access")
        jwt = _organization(p).create_database_token(
            p.text("database"),
            expiration=p.text("expiration", "never"),
            authorization=authorization,
        )
        created = _now()
        rotate_after = p.number("rotate_after")
        fingerprint = hashlib.sha256(jwt.encode()).hexdigest()[:12]
        return CreateResult(
            f"{p.text('database')}:{authorization}:{fingerprint}",
            outputs(
                p,
                jwt=jwt,
                created_at=created,
                rotate_at=created + rotate_after if rotate_after else 0,
            ),
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        p = Props(props)
        if _organization(p).find_database(p.text("database")) is None:
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


@published
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
