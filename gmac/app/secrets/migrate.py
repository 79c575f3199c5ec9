"""`gmac secrets migrate`: an environment's secrets file from gmac's earlier format to SOPS'.

Nothing is lost: every value (decrypted with the caller's identity, encrypted anew under a
new data key), every recipient (the same X25519 keys, written as age keys) and every date
and note is kept. Generated values stay in the file until the next apply carries them into
the stack's state unchanged (gmac.app.operations.updates). The change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gmac.app.recording import authorize_action
from gmac.app.secrets.context import SecretsContext, audited
from gmac.errors import SecretsError
from gmac.secrets import SecretStore, load_identities, open_legacy


def legacy_environments(specs: Path) -> list[str]:
    """The environments whose secrets file is still in the earlier format."""
    store = SecretStore(specs)
    folder = store.path("x").parent
    names = sorted(path.stem for path in folder.glob("*.yaml")) if folder.is_dir() else []
    return [name for name in names if store.is_legacy(name)]


@dataclass(frozen=True)
class Migrated:
    env: str
    secrets: tuple[str, ...]
    recipients: tuple[str, ...]  # their names
    generated: tuple[str, ...]  # values the next apply moves into the state


def migrate(ctx: SecretsContext) -> Migrated:
    store = ctx.store
    if not store.path(ctx.env).is_file():
        raise SecretsError(f"'{ctx.env}' has no secrets file: nothing to migrate")
    if not store.is_legacy(ctx.env):
        raise SecretsError(f"{store.path(ctx.env)} is in the SOPS format already")
    authorize_action(ctx.specs, ctx.spec, "write_secrets", ctx.actor, target="migrate")
    with audited(ctx, "secret.migrate", ctx.env), store.locked(ctx.env):
        view = store.read(ctx.env)
        assert view is not None
        opened = open_legacy(store.legacy(ctx.env), view, load_identities())
        store.write(opened)
    declared = ctx.spec.project.secrets
    names = tuple(sorted(opened.file.entries))
    generated = tuple(n for n in names if n in declared and declared[n].generate)
    return Migrated(ctx.env, names, tuple(r.name for r in opened.file.recipients), generated)
