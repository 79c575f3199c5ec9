"""A service's resources as the stack's state holds them (what the last apply made), read
through the engine; no program runs and no secret is decrypted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gmac.app.operations import RunRequest
from gmac.app.operations.run import prepare
from gmac.app.operations.state import state_resources


@dataclass(frozen=True)
class StateResource:
    urn: str
    type: str
    name: str
    component: str


def service_resources(specs: Path, env: str, service: str) -> list[StateResource]:
    """Every resource of the state that belongs to `service` (its component's children)."""
    run = prepare(RunRequest(specs=specs, env=env, secret_values={}))
    found = []
    for urn, type_, name, component in state_resources(run):
        owner = component.split(" ", 1)[-1] if component else ""
        if owner == service:
            found.append(StateResource(urn, type_, name, component))
    return found
