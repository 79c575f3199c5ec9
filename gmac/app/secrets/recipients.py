"""`gmac secrets recipients list|add|rm`: who can decrypt an environment's secrets."""

from __future__ import annotations

from dataclasses import dataclass

from gmac.app.recording import authorize_action
from gmac.app.secrets.context import SecretsContext, audited, identities_for_writing
from gmac.errors import SecretsError, UsageError
from gmac.secrets import CryptoError, Recipient, load_identities
from gmac.suggest import did_you_mean


@dataclass(frozen=True)
class RecipientInfo:
    name: str
    key: str
    yours: bool


def recipients(ctx: SecretsContext) -> list[RecipientInfo]:
    file = ctx.store.read(ctx.env)
    if file is None:
        return []
    try:
        mine = {str(identity.recipient) for identity in load_identities()}
    except SecretsError:
        mine = set()
    return [RecipientInfo(r.name, str(r.key), str(r.key) in mine) for r in file.recipients]


def _recipient(text: str) -> Recipient:
    try:
        return Recipient.parse(text)
    except CryptoError as error:
        raise UsageError(f"'{text}' is not an age public key (age1...): {error}") from None


def add_recipient(ctx: SecretsContext, key: str, name: str) -> bool:
    recipient = _recipient(key)
    authorize_action(ctx.specs, ctx.spec, "write_secrets", ctx.actor, target=str(recipient))
    identities = identities_for_writing(ctx)
    with (
        audited(ctx, "secret.recipient-add", name, key=str(recipient)),
        ctx.store.edit(ctx.env, identities, create_as=str(ctx.actor)) as opened,
    ):
        return opened.add_recipient(name, recipient)


def remove_recipient(ctx: SecretsContext, key: str) -> str:
    """Remove a recipient by public key or by name; everything is re-encrypted under a new
    data key. Returns the name removed."""
    file = ctx.store.read(ctx.env)
    listed = file.recipients if file is not None else []
    by_name = [r for r in listed if r.name == key]
    recipient = by_name[0].key if len(by_name) == 1 else None
    if recipient is None:
        if not key.startswith(("age1", "gmac-pk-")):
            hint = did_you_mean(key, [r.name for r in listed])
            raise UsageError(f"no recipient named '{key}' in '{ctx.env}'{hint}")
        recipient = _recipient(key)
    authorize_action(ctx.specs, ctx.spec, "write_secrets", ctx.actor, target=str(recipient))
    with (
        audited(ctx, "secret.recipient-remove", str(recipient)),
        ctx.store.edit(ctx.env, load_identities()) as opened,
    ):
        removed = opened.remove_recipient(recipient)
        return removed.name or str(removed.key)
