"""Secret values for one engine run of one environment.

Values come from the environment's secrets file; a `GMAC_SECRET_<NAME>` variable overrides
the store for that name (how CI passes a value in without an identity). Only the values the
environment consumes are decrypted:

- the Services' secrets, unless the environment renders manifests to a folder: rendered
  Secrets carry each value *sealed* (`sealed.gmac.io/<name>` annotations, the ciphertext as
  the store holds it) and never the value, so nothing needs decrypting for them;
- the integrations' and the Git server's credentials, unless integrations are offline;
- the Alertmanager smarthost password.

With `generate`, generated secrets (`generate: true`) that have no value yet are created in
the store first: that is what `gmac apply` does.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gmac.app.actor import Actor
from gmac.app.recording import audit_event
from gmac.secrets import (
    SecretStore,
    create_identity_file,
    generate_value,
    load_identities,
    open_file,
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
    have none (how CI runners pass secrets in without an identity)."""
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
    values: dict[str, str] = field(repr=False)
    missing: list[str]  # names the services use that have no value
    sealed: dict[str, str] = field(repr=False)  # name -> sealed value (render environments)
    generated: list[str] = field(default_factory=list)  # created now


def renders_manifests(spec: Spec) -> bool:
    return spec.project.environments[spec.env].kubernetes.render_to is not None


def used_secrets(spec: Spec) -> set[str]:
    return {name for service in spec.services for name in service.secrets}


def consumed_secrets(spec: Spec) -> set[str]:
    """The secrets whose values the compiled program reads in this environment."""
    project = spec.project
    environment = project.environments[spec.env]
    names: set[str] = set()
    if environment.kubernetes.render_to is None:
        names |= used_secrets(spec)
    if environment.integrations != "offline":
        names |= set(project.secrets)
    alertmanager = project.monitoring.alertmanager if project.monitoring else None
    if alertmanager is not None and alertmanager.email.auth_secret is not None:
        names.add(alertmanager.email.auth_secret)
    return names & set(project.secrets)


def store_environment(store: SecretStore, spec: Spec) -> str:
    """Whose secrets file serves `spec.env`: its own, else the nearest one it inherits from
    (a preview `pr-N` uses staging's), else its own name for a file yet to be written."""
    env: str | None = spec.env
    seen: set[str] = set()
    while env is not None and env not in seen:
        if store.read(env) is not None:
            return env
        seen.add(env)
        environment = spec.project.environments.get(env)
        env = environment.inherits if environment is not None else None
    return spec.env


def _generate_missing(
    store: SecretStore, spec: Spec, names: set[str], have: set[str], *, actor: str, env: str
) -> list[str]:
    wanted = sorted(
        name for name in names if spec.project.secrets[name].generate and name not in have
    )
    if not wanted:
        return []
    identities = load_identities() or [create_identity_file()[0]]
    with store.edit(env, identities, create_as=actor or "gmac") as opened:
        for name in wanted:
            if name not in opened.file.entries:
                opened.put(
                    name, generate_value(spec.project.secrets[name]), meta={"generated": "true"}
                )
    return wanted


def secrets_for_run(
    specs: Path,
    spec: Spec,
    *,
    generate: bool = False,
    actor: str = "",
    environ: Mapping[str, str] | None = None,
) -> RunSecrets:
    store = SecretStore(specs)
    declared = set(spec.project.secrets)
    overridden, _ = secret_values_from_environment(declared, environ)
    used = used_secrets(spec) & declared
    consumed = consumed_secrets(spec)
    env = store_environment(store, spec)
    file = store.read(env)
    generated: list[str] = []
    if generate:
        stored = set(file.entries) if file is not None else set()
        generated = _generate_missing(
            store, spec, used | consumed, stored | set(overridden), actor=actor, env=env
        )
        if generated:
            file = store.read(env)
    values = dict(overridden)
    sealed: dict[str, str] = {}
    if file is not None:
        to_decrypt = sorted(n for n in consumed if n in file.entries and n not in overridden)
        if to_decrypt:
            values.update(open_file(file, load_identities()).values(to_decrypt))
        if renders_manifests(spec):
            for name in sorted(used):
                token = file.sealed(name)
                if token is not None:
                    sealed[name] = token
    stored = set(file.entries) if file is not None else set()
    # A rendered Secret holds only sealed store values: an override alone does not reach it.
    renders = renders_manifests(spec)
    missing = sorted(n for n in used if n not in stored and (renders or n not in values))
    return RunSecrets(values, missing, sealed, generated)


def run_secrets(specs: Path, spec: Spec, actor: Actor, *, generate: bool) -> RunSecrets:
    """The secret values of a run; those generated now (on apply) are audited."""
    found = secrets_for_run(specs, spec, generate=generate, actor=str(actor))
    for name in found.generated:
        audit_event(
            specs.resolve().parent,
            actor=actor,
            action="secret.generate",
            outcome="succeeded",
            environment=spec.env,
            target=name,
        )
    return found
