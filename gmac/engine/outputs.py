"""The stack outputs a program exports, and what gmac reads back from them.

environment         the environment's name
state_secrets       (a secret) every secret kept in the state, by name: generated ones
                    and those an integration provides; `gmac secrets get` reads them
state_secret_dates  when each generated secret was made, for `gmac secrets list` and
                    rotation (`rotate_every`)
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

ENVIRONMENT = "environment"
STATE_SECRETS = "state_secrets"
STATE_SECRET_DATES = "state_secret_dates"


def export_state_secrets(
    values: Mapping[str, pulumi.Output[str]], dates: Mapping[str, pulumi.Output[str]]
) -> None:
    if values:
        pulumi.export(STATE_SECRETS, pulumi.Output.secret(pulumi.Output.all(**values)))
    if dates:
        pulumi.export(STATE_SECRET_DATES, pulumi.Output.all(**dates))
