"""Secrets an integration provides (`provided_by:` in the project): a Stripe webhook
endpoint's signing secret, a Turso database token.

The program exports them as one secret stack output, `provided_secrets` (name -> value); an
apply then writes the ones that changed into the environment's secrets file, where every
later run reads them like any other secret. Nothing is written for a value the store
already holds, so a run that changes nothing leaves the file as it is.

A service that consumes such a secret gets it from the run after the one that created it:
its Kubernetes Secret is built before the integration answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi

from gmac.secrets import SecretStore, create_identity_file, load_identities, open_file
from gmac.validate import Spec

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


def store_provided(specs: Path, spec: Spec, values: Any, actor: str = "") -> list[str]:
    """Writes the provided values that the store does not hold yet; their names."""
    declarations = spec.project.secrets
    wanted = {
        str(name): str(value)
        for name, value in (values or {}).items()
        if name in declarations and declarations[name].provided_by and value
    }
    if not wanted:
        return []
    store = SecretStore(specs)
    identities = load_identities()
    current = store.read(spec.env)
    if current is not None and identities:
        held = open_file(current, identities).values(wanted)
        wanted = {name: value for name, value in wanted.items() if held.get(name) != value}
        if not wanted:
            return []
    identities = identities or [create_identity_file()[0]]
    with store.edit(spec.env, identities, create_as=actor or "gmac") as opened:
        for name, value in sorted(wanted.items()):
            source = declarations[name].provided_by or ""
            opened.put(name, value, meta={"provided_by": source})
    return sorted(wanted)
