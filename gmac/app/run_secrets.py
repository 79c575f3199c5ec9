"""Secret values for one engine run of one environment. Reading them writes nothing.

A declared secret lives in one of two places:

- **the secret store** (`specs/secrets/<env>.yaml`, SOPS): values set by hand. A
  `GMAC_SECRET_<NAME>` variable overrides the store for that name (how CI passes a value in
  without an identity). Only the values the environment's program reads are decrypted; where
  manifests are rendered to files, the services' values are not decrypted at all: rendered
  Secrets carry each one *sealed* (the ciphertext as the store holds it);
- **the stack's state**: generated secrets (`generate:`) and those an integration provides
  (`provided_by:`), made by the program itself (gmac.providers.GeneratedSecret, the
  integration's outputs); nothing is read for them here, except a generated value that
  `gmac secrets migrate` left in the store, carried into the state unchanged on apply.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gmac.errors import SecretsError
from gmac.secrets import (
    SecretFile,
    SecretStore,
    create_identity_file,
    load_identities,
    migrate_hint,
)
from gmac.validate import Spec

PREFIX = "GMAC_SECRET_"


def variable_name(secret: str) -> str:
    """`GMAC_SECRET_STRIPE_SECRET_KEY` holds the secret `stripe-secret-key`."""
    return PREFIX + secret.upper().replace("-", "_").replace(".", "_")


def secret_values_from_environment(
    names: Iterable[str], environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The values found for `names` in `GMAC_SECRET_<NAME>` variables, and the names that
    have none."""
    source = os.environ if environ is None else environ
    values: dict[str, str] = {}
    missing: list[str] = []
    for name in sorted(set(names)):
        value = source.get(variable_name(name))
        if value is None:
            missing.append(name)
        else:
            values[name] = value
    return values, missing


@dataclass(frozen=True)
class RunSecrets:
    values: dict[str, str] = field(repr=False)  # store values the program reads, in clear
    missing: list[str]  # names the services read that have a value nowhere
    sealed: dict[str, str] = field(repr=False)  # name -> sealed value (render environments)
    seal_recipients: tuple[str, ...] = ()  # age keys state secrets are sealed for
    migrated: list[str] = field(default_factory=list)  # generated values still in the store
    notes: list[str] = field(default_factory=list)  # what the run should tell the user
    created_identity: Path | None = None  # the identity file this run created, if it did


def store_environment(store: SecretStore, spec: Spec) -> str:
    """Whose secrets file serves `spec.env`: its own, else the nearest one it inherits from
    (a preview `pr-N` uses staging's), else its own name for a file yet to be written."""
    env: str | None = spec.env
    seen: set[str] = set()
    while env is not None and env not in seen:
        if store.path(env).is_file():
            return env
        seen.add(env)
        environment = spec.project.environments.get(env)
        env = environment.inherits if environment is not None else None
    return spec.env


def _recipients(file: SecretFile | None) -> tuple[str, ...]:
    """Who a value made in the state is sealed for: the environment's recipients, else the
    identity of whoever runs gmac (their local environment, before any file exists)."""
    if file is not None and file.recipients:
        return tuple(sorted(str(r.key) for r in file.recipients))
    return tuple(sorted({str(identity.recipient) for identity in load_identities()}))


def secrets_for_run(
    specs: Path,
    spec: Spec,
    *,
    environ: Mapping[str, str] | None = None,
    make_identity: bool = False,
) -> RunSecrets:
    """What the run reads. With `make_identity` (an apply), a render environment whose
    generated secrets would be sealed for nobody creates the user's identity first."""
    store = SecretStore(specs)
    declared = spec.project.secrets
    overridden, _ = secret_values_from_environment(declared, environ)
    in_state = spec.state_secrets()
    renders = spec.environment.kubernetes.render_to is not None
    services = spec.service_secrets() & set(declared)
    read = spec.read_secrets() - in_state
    if renders:
        read -= services  # sealed, not decrypted
    env = store_environment(store, spec)
    file = store.read(env)
    notes: list[str] = []
    legacy = file is not None and store.is_legacy(env)
    if legacy:
        if renders:
            raise SecretsError(migrate_hint(store.path(env), env))
        notes.append(migrate_hint(store.path(env), env))
    stored = set(file.entries) if file is not None else set()
    migrated = sorted(
        name for name in in_state & stored if declared[name].generate and name not in overridden
    )
    values = dict(overridden)
    to_decrypt = sorted((read | set(migrated)) & stored - set(overridden))
    if to_decrypt:
        values.update(store.open(env, load_identities()).values(to_decrypt))
    sealed: dict[str, str] = {}
    if renders and file is not None:
        for name in sorted(services - in_state):
            token = file.sealed(name)
            if token is not None:
                sealed[name] = token
    # A rendered Secret holds only sealed store values: an override alone does not reach it.
    missing = sorted(
        name
        for name in services - in_state
        if name not in stored and (renders or name not in values)
    )
    recipients = _recipients(file)
    created_identity: Path | None = None
    sealed_state = renders and any(declared[name].generate for name in in_state & services)
    if sealed_state and not recipients:
        if make_identity:
            identity, path, created = create_identity_file()
            created_identity = path if created else None
            notes.append(
                f"created your identity in {path} (keep it safe, outside git); the generated "
                f"secrets of '{spec.env}' are sealed for it: {identity.recipient}"
            )
            recipients = (str(identity.recipient),)
        else:
            notes.append(
                f"the generated secrets of '{spec.env}' have nobody to be sealed for: create "
                "your identity with `gmac secrets keygen` (apply does it too)"
            )
    return RunSecrets(values, missing, sealed, recipients, migrated, notes, created_identity)
