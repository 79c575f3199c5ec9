"""One `gmac secrets` command's project, environment, actor and store, and the audit entry
every read, write and rotation leaves, successful or not."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gmac.app.actor import Actor, current_actor
from gmac.app.recording import audit_event
from gmac.errors import GmacError, UsageError
from gmac.secrets import Identity, SecretStore, create_identity_file, load_identities
from gmac.validate import Spec, validate_directory


@dataclass
class SecretsContext:
    """One command's project, environment and actor."""

    specs: Path
    spec: Spec
    actor: Actor
    store: SecretStore
    notes: list[str] = field(default_factory=list)  # things to tell the user on stderr

    @property
    def env(self) -> str:
        return self.spec.env

    @property
    def root(self) -> Path:
        return self.specs.resolve().parent


def context(specs: Path, env: str, actor: Actor | None = None) -> SecretsContext:
    spec = validate_directory(specs, env).get(env)
    if spec is None:  # validate_directory reports an unknown environment itself
        raise UsageError(f"unknown environment '{env}'")
    return SecretsContext(specs, spec, actor or current_actor(), SecretStore(specs))


@contextmanager
def audited(ctx: SecretsContext, action: str, target: str, **detail: Any) -> Iterator[None]:
    """An audit entry for the work inside: succeeded, or failed with the error's type."""
    try:
        yield
    except GmacError as error:
        audit_event(
            ctx.root,
            actor=ctx.actor,
            action=action,
            outcome="failed",
            environment=ctx.env,
            target=target,
            detail={**detail, "error": type(error).__name__},
        )
        raise
    audit_event(
        ctx.root,
        actor=ctx.actor,
        action=action,
        outcome="succeeded",
        environment=ctx.env,
        target=target,
        detail=detail,
    )


def identities_for_writing(ctx: SecretsContext) -> list[Identity]:
    """The identities to open the file with; on the first write ever, a new key file."""
    identities = load_identities()
    if identities:
        return identities
    identity, path, created = create_identity_file()
    if created:
        ctx.notes.append(
            f"created your identity in {path} (keep it safe, outside git); public key: "
            f"{identity.recipient}"
        )
    return [identity]
