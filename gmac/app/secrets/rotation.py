"""`gmac secrets rotate`: new values for the secrets named, or for every one that is due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from gmac.app.recording import authorize_action
from gmac.app.secrets.context import SecretsContext, audited, identities_for_writing
from gmac.app.secrets.token_rotation import Rotated, declaration_check, rotate
from gmac.errors import GmacError
from gmac.secrets import (
    Entry,
    due_secrets,
    duration,
    parse_timestamp,
    utc_now,
)


@dataclass(frozen=True)
class RotationOutcome:
    name: str
    rotated: Rotated | None
    error: str = ""


def rotate_secrets(
    ctx: SecretsContext,
    names: Sequence[str],
    *,
    due: bool = False,
    now: datetime | None = None,
) -> list[RotationOutcome]:
    """Rotate `names`, or with `due` every secret whose rotation period has passed. One
    failure does not stop the others: each outcome says what happened."""
    moment = now or utc_now()
    if due:
        names = [
            item.name for item in due_secrets(ctx.spec.project, ctx.store.read(ctx.env), moment)
        ]
    if not names:
        return []
    for name in names:
        declaration_check(ctx.spec, name)
    authorize_action(ctx.root, ctx.spec, "write_secrets", ctx.actor, target=", ".join(names))
    identities = identities_for_writing(ctx)
    outcomes = []
    for name in names:
        try:
            with audited(ctx, "secret.rotate", name):
                done = rotate(
                    ctx.store, ctx.spec, name, identities, now=moment, create_as=str(ctx.actor)
                )
        except GmacError as error:
            if not due and len(names) == 1:
                raise
            outcomes.append(RotationOutcome(name, None, str(error)))
            continue
        outcomes.append(RotationOutcome(name, done))
    return outcomes


def next_rotation(entry: Entry, every: str) -> datetime:
    return parse_timestamp(entry.changed) + duration(every)
