"""Turso: the databases of a Turso integration and the tokens apps connect with."""

from __future__ import annotations

import pulumi

from components._integrations import api_base, seconds, secret_input
from gmac.compile.context import CompileContext
from gmac.models import TursoIntegration
from gmac.providers import DEFAULT_TURSO_API_BASE, TursoDatabase, TursoDatabaseToken

TYPE = "gmac:index:Turso"
API_BASE_VARIABLE = "GMAC_TURSO_API_BASE"


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

    Children: `{name}-db-{database}`, `{name}-token-{secret}`. Outputs: `database_urls`
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
        self.register_outputs({"database_urls": self.database_urls, "tokens": self.tokens})
