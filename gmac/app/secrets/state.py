"""Secrets kept in the stack's state (generated ones, those an integration provides): their
values and dates, read back from the stack's outputs (gmac.engine.outputs). Reading them
runs no program and creates no stack; it needs the stack's passphrase, like any run."""

from __future__ import annotations

from dataclasses import dataclass, field

from gmac.app.secrets.context import SecretsContext
from gmac.errors import SecretsError


@dataclass(frozen=True)
class StateSecrets:
    values: dict[str, str] = field(default_factory=dict, repr=False)
    dates: dict[str, str] = field(default_factory=dict)  # name -> when it was generated
    exists: bool = False  # whether the stack has been applied at all


def read_state_secrets(ctx: SecretsContext) -> StateSecrets:
    # Imported here: the engine (Pulumi's Automation API) is slow to import, and only these
    # commands of `gmac secrets` need it.
    from gmac.app.stacks import engine_settings_for  # noqa: PLC0415
    from gmac.app.toolchain import require_toolchain  # noqa: PLC0415
    from gmac.engine.outputs import STATE_SECRET_DATES, STATE_SECRETS  # noqa: PLC0415
    from gmac.engine.stack import StackSession  # noqa: PLC0415

    settings = engine_settings_for(ctx.spec, ctx.root)
    session = StackSession(settings, ctx.env, lambda: None, require_toolchain())
    outputs = session.existing_outputs()
    if outputs is None:
        return StateSecrets()
    values = outputs.get(STATE_SECRETS)
    dates = outputs.get(STATE_SECRET_DATES)
    return StateSecrets(
        {str(k): str(v) for k, v in dict(values.value if values else {}).items()},
        {str(k): str(v) for k, v in dict(dates.value if dates else {}).items()},
        exists=True,
    )


def state_value(ctx: SecretsContext, name: str) -> str:
    found = read_state_secrets(ctx)
    if name not in found.values:
        when = "apply" if not found.exists else "the next apply"
        raise SecretsError(
            f"secret '{name}' of '{ctx.env}' lives in the stack's state and has no value there "
            f"yet: {when} (`gmac apply --env {ctx.env}`) makes it"
        )
    return found.values[name]
