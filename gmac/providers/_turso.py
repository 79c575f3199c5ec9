"""Turso Platform API: databases and database tokens.

Every resource takes `api_base` (https://api.turso.tech), `token` (the Platform API token,
secret; sent as `Authorization: Bearer ...`), `token_secret` (its gmac secret's name) and
`organization` (the organization slug).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any
from urllib.parse import quote

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.providers._base import Props, compare, outputs, secret_options
from gmac.providers._http import Api

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
        org = quote(p.text("organization"), safe="")
        body = {"name": p.text("name"), "group": p.text("group", "default")}
        answer = _api(p).request("POST", f"/v1/organizations/{org}/databases", json=body)
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
