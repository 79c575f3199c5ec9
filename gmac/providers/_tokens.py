"""Rotating the API tokens gmac itself uses, where the API allows it: Gitea and Turso.

A rotation creates the new token, hands it back for the secret store to keep, and only then
revokes the old one (`NewToken.revoke`): a failure in between leaves a working token behind,
never none.

- Gitea creates and deletes access tokens only with a password (basic authentication), not
  with a token. The new token gets the scopes of the one it replaces, found among the user's
  tokens by its last eight characters (Gitea lists `token_last_eight`).
- Turso's Platform API creates an API token with an existing one
  (`POST /v1/auth/api-tokens/{name}`) and revokes one by name. A token made by hand has a name
  gmac does not know: it is then left for the user to revoke.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from gmac.clients.http import Api
from gmac.errors import IntegrationError

LAST_EIGHT = 8


def _nothing() -> str | None:
    return None


@dataclass(frozen=True)
class NewToken:
    value: str = field(repr=False)
    name: str
    revoke: Callable[[], str | None] = _nothing  # revokes the old token; says which, or None


def rotate_gitea_token(
    base_url: str, username: str, password: str, current: str, name: str
) -> NewToken:
    """A new token for `username` with the scopes of `current`; `revoke` deletes `current`."""
    basic = base64.b64encode(f"{username}:{password}".encode()).decode()
    api = Api("gitea", base_url.rstrip("/") + "/api/v1", authorization=f"Basic {basic}")
    user = quote(username, safe="")
    listed = api.request("GET", f"/users/{user}/tokens", params={"limit": "50"}) or []
    old = next(
        (
            token
            for token in listed
            if current and str(token.get("token_last_eight", "")) == current[-LAST_EIGHT:]
        ),
        None,
    )
    if old is None:
        raise IntegrationError(
            "gitea",
            f"the current token is not among {username}'s tokens, so its scopes are unknown",
            hint="create a new token in Gitea and store it with `gmac secrets set`",
        )
    created = api.request(
        "POST", f"/users/{user}/tokens", json={"name": name, "scopes": old.get("scopes") or []}
    )
    value = str(created.get("sha1") or "")
    if not value:
        raise IntegrationError("gitea", f"POST /users/{user}/tokens: no token in the answer")

    def revoke() -> str | None:
        api.request("DELETE", f"/users/{user}/tokens/{old['id']}", allow_missing=True)
        return str(old.get("name") or old["id"])

    return NewToken(value, name, revoke)


def rotate_turso_token(api_base: str, current: str, name: str, previous: str = "") -> NewToken:
    """A new Platform API token named `name`, made with `current`; `revoke` revokes the
    token named `previous` (when gmac made it and so knows its name)."""
    api = Api("turso", api_base, authorization=f"Bearer {current}")
    api.require_credentials()
    created = api.request("POST", f"/v1/auth/api-tokens/{quote(name, safe='')}")
    value = str((created or {}).get("token") or "")
    if not value:
        raise IntegrationError("turso", "POST /v1/auth/api-tokens: no token in the answer")
    if not previous:
        return NewToken(value, name)
    fresh = Api("turso", api_base, authorization=f"Bearer {value}")

    def revoke() -> str | None:
        fresh.request(
            "DELETE", f"/v1/auth/api-tokens/{quote(previous, safe='')}", allow_missing=True
        )
        return previous

    return NewToken(value, name, revoke)
