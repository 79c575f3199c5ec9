"""The Turso Platform API: an organization's databases and their tokens, the API token's
validity, and rotating the API token.

A `TursoConnection` is the API base (https://api.turso.tech), the Platform API token (sent as
`Authorization: Bearer ...`), the name of the gmac secret holding it (for messages), the
timeout and the retries. The facts relied on, with their sources, are in
tests/integrations/turso_api_facts.json. Failures are `turso: ...` IntegrationErrors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gmac.clients.http import Api, RetryPolicy, default_timeout
from gmac.clients.tokens import NewToken
from gmac.errors import IntegrationError

SERVICE = "turso"
DEFAULT_TURSO_API_BASE = "https://api.turso.tech"


def _segment(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class TursoConnection:
    """The Platform API and the token to call it with."""

    api_base: str = DEFAULT_TURSO_API_BASE
    token: str = field(default="", repr=False)
    token_secret: str = ""  # the gmac secret holding the token, named in errors
    timeout: float = field(default_factory=default_timeout)
    retry: RetryPolicy = field(default_factory=RetryPolicy.from_environment)

    def api(self) -> Api:
        return Api(
            SERVICE,
            self.api_base or DEFAULT_TURSO_API_BASE,
            authorization=f"Bearer {self.token}" if self.token else None,
            credential=self.token_secret,
            timeout=self.timeout,
            retry=self.retry,
        )


class TursoClient:
    """The account-wide calls; `organization(slug)` for its databases."""

    def __init__(self, connection: TursoConnection) -> None:
        self.connection = connection
        self.api = connection.api()

    def require_credentials(self) -> None:
        """Fails before any request when there is no token (`turso: no API token; ...`)."""
        self.api.require_credentials()

    def validate_token(self) -> dict[str, Any]:
        """What Turso says of the token (`exp`: its expiry, -1 for none)."""
        answer = self.api.request("GET", "/v1/auth/validate")
        return dict(answer or {})

    def create_api_token(self, name: str) -> str:
        """A new Platform API token named `name`, made with this connection's token."""
        created = self.api.request("POST", f"/v1/auth/api-tokens/{_segment(name)}")
        value = str((created or {}).get("token") or "")
        if not value:
            raise IntegrationError(SERVICE, "POST /v1/auth/api-tokens: no token in the answer")
        return value

    def revoke_api_token(self, name: str) -> None:
        """Revokes the API token named `name`; one already gone is fine."""
        path = f"/v1/auth/api-tokens/{_segment(name)}"
        self.api.request("DELETE", path, allow_missing=True)

    def organization(self, slug: str) -> TursoOrganization:
        return TursoOrganization(self.api, slug)


class TursoOrganization:
    """The databases of one organization. A database is Turso's `database` object (`DbId`,
    `Hostname`, `group`, ...)."""

    def __init__(self, api: Api, slug: str) -> None:
        self.api = api
        self.path = f"/v1/organizations/{_segment(slug)}/databases"

    def _database(self, name: str) -> str:
        return f"{self.path}/{_segment(name)}"

    def create_database(self, name: str, group: str) -> dict[str, Any] | None:
        """A new database in `group`; None when one of that name exists (names are unique)."""
        response = self.api.send("POST", self.path, json={"name": name, "group": group})
        if response.status_code == 409:
            return None
        self.api.check("POST", self.path, response)
        created: dict[str, Any] = response.json()["database"]
        return created

    def database(self, name: str) -> dict[str, Any]:
        """The database; a missing one is an error (`... not found (404)`)."""
        found: dict[str, Any] = self.api.request("GET", self._database(name))["database"]
        return found

    def find_database(self, name: str) -> dict[str, Any] | None:
        """The database, or None when there is none of that name."""
        answer = self.api.request("GET", self._database(name), allow_missing=True)
        if answer is None:
            return None
        found: dict[str, Any] = answer["database"]
        return found

    def delete_database(self, name: str) -> None:
        """Deletes the database and its data; one already gone is fine."""
        self.api.request("DELETE", self._database(name), allow_missing=True)

    def create_database_token(self, database: str, *, expiration: str, authorization: str) -> str:
        """A new token (a JWT) for one database: `full-access` or `read-only`, expiring after
        `expiration` (`2w`, `1d12h`, or `never`)."""
        params = {"expiration": expiration, "authorization": authorization}
        path = self._database(database) + "/auth/tokens"
        answer = self.api.request("POST", path, params=params)
        return str(answer["jwt"])


def rotate_turso_token(api_base: str, current: str, name: str, previous: str = "") -> NewToken:
    """A new Platform API token named `name`, made with `current`; `revoke` revokes the
    token named `previous` (when gmac made it and so knows its name)."""
    client = TursoClient(TursoConnection(api_base, current))
    client.require_credentials()
    value = client.create_api_token(name)
    if not previous:
        return NewToken(value, name)
    # Revoked with the new token: the old one is on its way out.
    fresh = TursoClient(TursoConnection(api_base, value))

    def revoke() -> str | None:
        fresh.revoke_api_token(previous)
        return previous

    return NewToken(value, name, revoke)
