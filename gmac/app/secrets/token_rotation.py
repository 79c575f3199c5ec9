"""Rotating one secret: a new generated value, or a new API token where the API allows it.

| secret                                   | rotation                                         |
|------------------------------------------|--------------------------------------------------|
| `generate:`                              | a new random value, in the state: an apply that  |
|                                          | replaces it (gmac.app.secrets.rotation)          |
| the Git server's `credentials` (Gitea)   | a new token with the same scopes; the old one is |
|                                          | deleted (needs GMAC_GITEA_USERNAME/PASSWORD)     |
| a Turso integration's `credentials`      | a new Platform API token; the old one is revoked |
|                                          | when gmac made it                                |
| `provided_by:` an integration            | refused: the integration replaces it on apply    |
| anything else (a Stripe key, ...)        | refused: set the new value by hand               |
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from gmac.clients.turso import DEFAULT_TURSO_API_BASE
from gmac.errors import SecretsError
from gmac.models import StripeIntegration, TursoIntegration
from gmac.secrets import Identity, SecretStore, timestamp, utc_now
from gmac.suggest import did_you_mean
from gmac.validate import Spec

if TYPE_CHECKING:
    from gmac.clients.tokens import NewToken

GITEA_USERNAME = "GMAC_GITEA_USERNAME"
GITEA_PASSWORD = "GMAC_GITEA_PASSWORD"
TURSO_API_BASE = "GMAC_TURSO_API_BASE"
TOKEN_META = "api_token"  # the name under which the API knows the token gmac made


@dataclass(frozen=True)
class Rotated:
    name: str
    how: str  # one line for the user: what was done


def _token_name(spec: Spec, now: datetime) -> str:
    return f"gmac-{spec.project.name}-{spec.env}-{now.strftime('%Y%m%d%H%M%S')}"


def declaration_check(spec: Spec, name: str) -> None:
    if name not in spec.project.secrets:
        raise SecretsError(
            f"unknown secret '{name}'{did_you_mean(name, spec.project.secrets)}: declare it "
            "under 'secrets' in the project"
        )


def _refusal(spec: Spec, name: str) -> str | None:
    declaration = spec.project.secrets[name]
    if declaration.generate:
        return None
    git = spec.project.git
    if git is not None and git.credentials is not None and git.credentials.secret == name:
        return None
    for item in spec.integrations:
        if isinstance(item, TursoIntegration) and item.credentials.secret == name:
            return None
    if declaration.provided_by:
        return (
            f"'{name}' is provided by the integration '{declaration.provided_by}', which "
            "replaces it on apply: gmac cannot rotate it on its own"
        )
    for item in spec.integrations:
        if isinstance(item, StripeIntegration) and item.credentials.secret == name:
            return (
                f"'{name}': Stripe's API cannot roll secret keys; roll it in the Stripe "
                f"dashboard, then `gmac secrets set --env {spec.env} {name}`"
            )
    return (
        f"'{name}' is set by hand: set its new value with "
        f"`gmac secrets set --env {spec.env} {name}`"
    )


def rotatable(spec: Spec, name: str) -> bool:
    return _refusal(spec, name) is None


def rotate(
    store: SecretStore,
    spec: Spec,
    name: str,
    identities: Sequence[Identity],
    *,
    now: datetime | None = None,
) -> Rotated:
    """Rotate the API token `name` through its API and store the new one."""
    declaration_check(spec, name)
    refusal = _refusal(spec, name)
    if refusal is not None:
        raise SecretsError(f"cannot rotate {refusal}")
    moment = now or utc_now()
    if spec.project.secrets[name].generate:
        raise SecretsError(f"'{name}' is generated in the state: it rotates through an apply")
    with store.edit(spec.env, identities) as opened:
        current = opened.get(name)
        previous = opened.file.entries[name].meta.get(TOKEN_META, "")
        token = _new_api_token(spec, name, current, previous, moment)
        opened.put(name, token.value, now=moment, meta={TOKEN_META: token.name})
    # Stored: only now may the old token stop working.
    revoked = token.revoke()
    tail = f"; revoked '{revoked}'" if revoked else "; the old token still works: revoke it"
    return Rotated(name, f"new API token '{token.name}' at {timestamp(moment)}{tail}")


def _new_api_token(spec: Spec, name: str, current: str, previous: str, now: datetime) -> NewToken:
    from gmac.clients.gitea import rotate_gitea_token  # noqa: PLC0415 (heavy)
    from gmac.clients.turso import rotate_turso_token  # noqa: PLC0415 (heavy)

    token_name = _token_name(spec, now)
    git = spec.project.git
    if git is not None and git.credentials is not None and git.credentials.secret == name:
        username, password = os.environ.get(GITEA_USERNAME), os.environ.get(GITEA_PASSWORD)
        if not username or not password:
            raise SecretsError(
                f"rotating '{name}' needs a Gitea login: Gitea creates tokens only with a "
                f"password; set {GITEA_USERNAME} and {GITEA_PASSWORD}"
            )
        return rotate_gitea_token(git.url, username, password, current, token_name)
    api_base = os.environ.get(TURSO_API_BASE) or DEFAULT_TURSO_API_BASE
    return rotate_turso_token(api_base, current, token_name, previous)
