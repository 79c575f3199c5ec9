"""Secrets an integration provides (`provided_by:` in the project): a Stripe webhook
endpoint's signing secret, a Turso database token.

The program exports them as one secret stack output, `provided_secrets` (name -> value);
after an apply, gmac.app.provided writes the ones that changed into the secret store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

PROVIDED_OUTPUT = "provided_secrets"
_PROVIDING_ATTRIBUTES = ("signing_secrets", "tokens")


def provided_outputs(integrations: Mapping[str, Any]) -> dict[str, pulumi.Output[str]]:
    """The secret outputs of the compiled integration components, by secret name."""
    found: dict[str, pulumi.Output[str]] = {}
    for component in integrations.values():
        for attribute in _PROVIDING_ATTRIBUTES:
            values = getattr(component, attribute, None)
            if isinstance(values, dict):
                found.update(values)
    return found


def export_provided(integrations: Mapping[str, Any]) -> None:
    """In the program: the stack output `provided_secrets`, a secret."""
    outputs = provided_outputs(integrations)
    if outputs:
        pulumi.export(PROVIDED_OUTPUT, pulumi.Output.secret(pulumi.Output.all(**outputs)))
