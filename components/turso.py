"""Turso: the databases of a Turso integration, the tokens apps connect with, and the
migrations of the database services that live in them."""

from __future__ import annotations

import os
from pathlib import Path

import pulumi

from components._integrations import api_base, seconds, secret_input
from components.context import CompileContext
from gmac.models import TursoIntegration
from gmac.providers import (
    DEFAULT_TURSO_API_BASE,
    TursoDatabase,
    TursoDatabaseToken,
    TursoMigrations,
)

TYPE = "gmac:index:Turso"
API_BASE_VARIABLE = "GMAC_TURSO_API_BASE"
# Where the databases are reached when not at the hostname the Platform API gives: a URL
# with `{name}` for the database's name, such as `file:/srv/libsql/{name}.db` (a local libSQL
# file) or `http://127.0.0.1:8080` (sqld). Tests and local runs use it.
DATABASE_URL_VARIABLE = "GMAC_TURSO_DATABASE_URL"


def database_url(name: str, api_url: pulumi.Output[str]) -> pulumi.Input[str]:
    """The URL the migrations (and `gmac health`) connect to for database `name`."""
    template = os.environ.get(DATABASE_URL_VARIABLE)
    return template.replace("{name}", name) if template else api_url


def migration_files(ctx: CompileContext, database: str) -> dict[str, str]:
    """The `.sql` files of the `database.migrations` folders (relative to the project root)
    of the services whose database is `database`, by file name. A folder that does not exist
    yet holds no migrations."""
    files: dict[str, str] = {}
    root = ctx.spec.root or Path.cwd()
    for service in ctx.spec.services:
        spec = service.database
        if spec is None or spec.name != database or not spec.migrations:
            continue
        folder = root / spec.migrations
        if folder.is_dir():
            for path in sorted(folder.glob("*.sql")):
                files[path.name] = path.read_text(encoding="utf-8")
    return dict(sorted(files.items()))


def token_expiration(rotate_every: int) -> str:
    """Turso's `expiration` for a token rotated every `rotate_every` seconds: twice that, so
    an apply that comes late does not break the apps using it. `never` when not rotated."""
    if rotate_every <= 0:
        return "never"
    minutes = max(1, (2 * rotate_every + 59) // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    return "".join(f"{count}{unit}" for count, unit in parts if count)


class Turso(pulumi.ComponentResource):
    """Every database of the integration (in its group) and every token it declares.

    Children: `{name}-db-{database}`, `{name}-token-{secret}`, and
    `{name}-migrations-{database}` for a database with migrations (applied with the first
    full-access token declared for it, or one of their own). Outputs: `database_urls`
    (libsql:// URLs) by database name, `tokens` by secret name (secret outputs).
    """

    database_urls: dict[str, pulumi.Output[str]]
    tokens: dict[str, pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        integration: TursoIntegration,
        ctx: CompileContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        token_secret = integration.credentials.secret
        base = api_base(API_BASE_VARIABLE, DEFAULT_TURSO_API_BASE)
        token_value = secret_input(ctx, token_secret)
        databases: dict[str, TursoDatabase] = {}
        self.database_urls = {}
        self.tokens = {}
        for database in integration.databases:
            created = TursoDatabase(
                f"{name}-db-{database.name}",
                api_base=base,
                token=token_value,
                token_secret=token_secret,
                organization=integration.organization,
                name=database.name,
                group=database.group,
                opts=pulumi.ResourceOptions(parent=self),
            )
            databases[database.name] = created
            self.database_urls[database.name] = created.url
        writers: dict[str, TursoDatabaseToken] = {}
        for token in integration.tokens:
            rotate = seconds(token.rotate_every) if token.rotate_every else 0
            created_token = TursoDatabaseToken(
                f"{name}-token-{token.secret}",
                api_base=base,
                token=token_value,
                token_secret=token_secret,
                organization=integration.organization,
                database=token.database,
                authorization=token.authorization,
                expiration=token_expiration(rotate),
                rotate_after=rotate,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[databases[token.database]]),
            )
            self.tokens[token.secret] = pulumi.Output.secret(created_token.jwt)
            if token.authorization == "full-access":
                writers.setdefault(token.database, created_token)
        for database_name, created in databases.items():
            migrations = migration_files(ctx, database_name)
            if not migrations:
                continue
            writer = writers.get(database_name) or TursoDatabaseToken(
                f"{name}-migrations-token-{database_name}",
                api_base=base,
                token=token_value,
                token_secret=token_secret,
                organization=integration.organization,
                database=database_name,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[created]),
            )
            TursoMigrations(
                f"{name}-migrations-{database_name}",
                database=database_name,
                url=database_url(database_name, created.url),
                auth_token=writer.jwt,
                migrations=migrations,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[created, writer]),
            )
        self.register_outputs({"database_urls": self.database_urls, "tokens": self.tokens})
