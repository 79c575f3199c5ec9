"""`gmac secrets rotate`: new values for the secrets named, or for every one that is due."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gmac.app.operations import ProgressListener, RunRequest, apply
from gmac.app.recording import authorize_action
from gmac.app.secrets.context import SecretsContext, audited, identities_for_writing
from gmac.app.secrets.state import read_state_secrets
from gmac.app.secrets.token_rotation import Rotated, declaration_check, rotate
from gmac.errors import GmacError
from gmac.plan import Plan
from gmac.secrets import (
    Entry,
    due_generated,
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


def _due_names(ctx: SecretsContext, moment: datetime) -> list[str]:
    file = ctx.store.read(ctx.env)
    names = [item.name for item in due_secrets(ctx.spec.project, file, moment)]
    if any(name in ctx.spec.state_secrets() for name in ctx.spec.project.secrets):
        dates = read_state_secrets(ctx).dates
        names += [item.name for item in due_generated(ctx.spec.project, dates, moment)]
    return sorted(set(names))


def _rotate_in_state(
    ctx: SecretsContext,
    names: Sequence[str],
    confirm: Callable[[Plan], bool],
    listener: ProgressListener | None,
) -> list[RotationOutcome]:
    """Generated secrets are made anew by replacing their resources in one apply, which
    updates every Secret and rolls every Deployment that reads them."""
    request = RunRequest(
        ctx.specs, ctx.env, listener=listener, rotate=tuple(names), actor=ctx.actor
    )
    with audited(ctx, "secret.rotate", ", ".join(names)):
        outcome = apply(request, confirm=confirm)
    if not outcome.applied:
        return [
            RotationOutcome(name, None, "not rotated: the apply was not confirmed")
            for name in names
        ]
    rolled = sorted(
        change.name
        for change in outcome.plan.changes
        if change.type == "kubernetes:apps/v1:Deployment" and change.op == "update"
    )
    how = "new value generated in the state"
    how += f"; rolls {', '.join(rolled)}" if rolled else "; no Deployment reads it"
    return [RotationOutcome(name, Rotated(name, how)) for name in names]


def rotate_secrets(
    ctx: SecretsContext,
    names: Sequence[str],
    *,
    due: bool = False,
    now: datetime | None = None,
    confirm: Callable[[Plan], bool] = lambda _plan: True,
    listener: ProgressListener | None = None,
) -> list[RotationOutcome]:
    """Rotate `names`, or with `due` every secret whose rotation period has passed. One
    failure does not stop the others: each outcome says what happened. Generated secrets
    rotate through an apply (`confirm` sees its plan first); API tokens through their APIs."""
    moment = now or utc_now()
    if due:
        names = _due_names(ctx, moment)
    if not names:
        return []
    for name in names:
        declaration_check(ctx.spec, name)
    authorize_action(ctx.specs, ctx.spec, "write_secrets", ctx.actor, target=", ".join(names))
    in_state = [name for name in names if ctx.spec.project.secrets[name].generate]
    by_api = [name for name in names if name not in in_state]
    outcomes = _rotate_in_state(ctx, in_state, confirm, listener) if in_state else []
    identities = identities_for_writing(ctx) if by_api else []
    for name in by_api:
        try:
            with audited(ctx, "secret.rotate", name):
                done = rotate(ctx.store, ctx.spec, name, identities, now=moment)
        except GmacError as error:
            if not due and len(names) == 1:
                raise
            outcomes.append(RotationOutcome(name, None, str(error)))
            continue
        outcomes.append(RotationOutcome(name, done))
    return outcomes


def next_rotation(entry: Entry, every: str) -> datetime:
    return parse_timestamp(entry.changed) + duration(every)
