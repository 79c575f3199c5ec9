"""Setting, revealing, removing and listing secret values: `gmac secrets set|get|rm|list`.

Reading a value needs `reveal_secrets` for the environment; changing one needs the right to
apply to it; a refusal is audited too (gmac.app.recording).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gmac.app.recording import authorize_action
from gmac.app.secrets.context import SecretsContext, audited, identities_for_writing
from gmac.app.secrets.token_rotation import declaration_check, rotatable
from gmac.errors import UsageError
from gmac.secrets import (
    Entry,
    due_secrets,
    generate_value,
    load_identities,
    utc_now,
)


def set_secret(
    ctx: SecretsContext,
    name: str,
    value: str | Callable[[], str] | None,
    *,
    generate: bool = False,
) -> Entry:
    """Set `name` to `value` (or to what calling it returns, asked only once access is
    granted), or to a new random value with `generate`."""
    declaration_check(ctx.spec, name)
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=name)
    declaration = ctx.spec.project.secrets[name]
    if generate:
        value = generate_value(declaration)
    elif callable(value):
        value = value()
    if value is None or value == "":
        raise UsageError(f"no value for '{name}': pass it on standard input, or --generate")
    identities = identities_for_writing(ctx)
    meta = {"generated": "true" if generate else ""}
    with (
        audited(ctx, "secret.write", name),
        ctx.store.edit(ctx.env, identities, create_as=str(ctx.actor)) as opened,
    ):
        return opened.put(name, value, meta=meta)


def reveal(ctx: SecretsContext, name: str) -> str:
    declaration_check(ctx.spec, name)
    authorize_action(ctx.root, ctx.spec, "reveal_secrets", ctx.actor, target=name)
    with audited(ctx, "secret.read", name):
        return ctx.store.open(ctx.env, load_identities()).get(name)


def remove(ctx: SecretsContext, name: str) -> None:
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=name)
    with (
        audited(ctx, "secret.remove", name),
        ctx.store.edit(ctx.env, load_identities()) as opened,
    ):
        opened.remove(name)


@dataclass(frozen=True)
class SecretInfo:
    name: str
    declared: bool
    source: str  # "set by hand", "generated", "provided by stripe"
    created: str
    rotated: str
    rotate_every: str
    due: bool
    rotatable: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def list_secrets(ctx: SecretsContext, now: datetime | None = None) -> list[SecretInfo]:
    """Every declared secret and every one in the file, with dates; nothing is decrypted."""
    file = ctx.store.read(ctx.env)
    declared = ctx.spec.project.secrets
    due = {item.name for item in due_secrets(ctx.spec.project, file, now or utc_now())}
    entries = file.entries if file is not None else {}
    found = []
    for name in sorted(set(declared) | set(entries)):
        declaration = declared.get(name)
        entry = entries.get(name)
        if declaration is None:
            source = "not declared"
        elif declaration.generate:
            source = "generated"
        elif declaration.provided_by:
            source = f"provided by {declaration.provided_by}"
        else:
            source = "set by hand"
        found.append(
            SecretInfo(
                name=name,
                declared=declaration is not None,
                source=source,
                created=entry.created if entry else "",
                rotated=entry.rotated or "" if entry else "",
                rotate_every=(declaration.rotate_every or "") if declaration else "",
                due=name in due,
                rotatable=declaration is not None and rotatable(ctx.spec, name),
            )
        )
    return found
