"""Secrets an integration provides (a Stripe webhook signing secret, a Turso token), written
into the environment's secrets file after an apply, where every later run reads them like
any other secret. Nothing is written for a value the store already holds, so a run that
changes nothing leaves the file as it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gmac.secrets import SecretStore, create_identity_file, load_identities, open_file
from gmac.validate import Spec


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
