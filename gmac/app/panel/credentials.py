"""The panel's own credentials, kept in the secret store like every other secret: in the
SOPS file of one environment (`gmac serve --auth-env`, the project's first by default).

    gmac-panel-password      the argon2id hash of the local admin password (the project's
                             owner signs in with it when no Gitea sign-in is configured)
    gmac-panel-token-ID      an API token's owner and SHA-256 digest: `USER DIGEST`; the token
                             itself (`gmacp_ID_SECRET`) is shown once, when created

Neither the password nor a token is ever stored: only what checks them. Setting either needs
the right to change that environment's secrets, and is audited (gmac.app.secrets).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gmac.app.actor import Actor
from gmac.app.panel.members import member
from gmac.app.recording import authorize_action
from gmac.app.secrets.context import audited, context, identities_for_writing
from gmac.errors import SecretsError, UsageError
from gmac.secrets import SecretStore, load_identities
from gmac.validate import validate_directory

PASSWORD = "gmac-panel-password"
TOKEN_PREFIX = "gmac-panel-token-"
MIN_PASSWORD = 12
_TOKEN = re.compile(r"gmacp_([0-9a-f]{8})_([A-Za-z0-9_-]{20,})")
_hasher = PasswordHasher()


def auth_environment(specs: Path, env: str | None) -> str:
    """The environment whose secrets file holds the panel's credentials."""
    environments = list(validate_directory(specs, env).keys())
    return env if env is not None else environments[0]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class PanelCredentials:
    """What checks a password or a token; loaded once, when the panel starts."""

    password_hash: str = field(default="", repr=False)
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, specs: Path, env: str) -> PanelCredentials:
        store = SecretStore(specs)
        file = store.read(env) if store.path(env).is_file() else None
        if file is None:
            return cls()
        names = [n for n in file.entries if n == PASSWORD or n.startswith(TOKEN_PREFIX)]
        if not names:
            return cls()
        values = store.open(env, load_identities()).values(names)
        tokens = {}
        for name, value in values.items():
            if name.startswith(TOKEN_PREFIX):
                user, _, digest = value.partition(" ")
                tokens[name.removeprefix(TOKEN_PREFIX)] = (user, digest)
        return cls(values.get(PASSWORD, ""), tokens)

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False
        try:
            return _hasher.verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def token_user(self, token: str) -> str | None:
        """Whose token this is; None for one that is not (or no longer) valid."""
        match = _TOKEN.fullmatch(token.strip())
        if match is None or match.group(1) not in self.tokens:
            return None
        user, digest = self.tokens[match.group(1)]
        return user if hmac.compare_digest(digest, _digest(match.group(2))) else None


def _write(specs: Path, env: str, actor: Actor | None, name: str, value: str) -> None:
    ctx = context(specs, env, actor)
    authorize_action(specs, ctx.spec, "write_secrets", ctx.actor, target=name)
    identities = identities_for_writing(ctx)
    with (
        audited(ctx, "secret.write", name),
        ctx.store.edit(env, identities, create_as=str(ctx.actor)) as opened,
    ):
        opened.put(name, value)


def set_admin_password(specs: Path, env: str, password: str, actor: Actor | None = None) -> None:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"the panel's password needs at least {MIN_PASSWORD} characters")
    _write(specs, env, actor, PASSWORD, _hasher.hash(password))


def create_token(specs: Path, env: str, user: str, actor: Actor | None = None) -> str:
    """A new API token for `user` (a user of the project); the token, shown only now."""
    project = validate_directory(specs, env)[env].project
    member(project, user, "API token")
    token_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    _write(specs, env, actor, TOKEN_PREFIX + token_id, f"{user} {_digest(secret)}")
    return f"gmacp_{token_id}_{secret}"


def revoke_token(specs: Path, env: str, token_id: str, actor: Actor | None = None) -> None:
    ctx = context(specs, env, actor)
    name = TOKEN_PREFIX + token_id
    authorize_action(specs, ctx.spec, "write_secrets", ctx.actor, target=name)
    file = ctx.store.read(env)
    if file is None or name not in file.entries:
        raise SecretsError(f"no panel API token '{token_id}' in '{env}'")
    with audited(ctx, "secret.remove", name), ctx.store.edit(env, load_identities()) as opened:
        opened.remove(name)
