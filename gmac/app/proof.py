"""Binding the actor to something proven, before the access rules are applied to them.

A name alone (`GMAC_ACTOR`, `git config user.name`) is a claim anyone can make. gmac checks
it against what must be held:

- in a CI run (Gitea or GitHub Actions, `GITEA_ACTIONS`/`GITHUB_ACTIONS=true`): the forge's
  own record of who started the run (`GITEA_ACTOR`/`GITHUB_ACTOR`): a claimed name that
  differs is refused;
- elsewhere: the age identity the person holds. The environment's secrets file names each
  recipient (`gmac_unencrypted.recipients`): the claimed name must be the recipient whose
  public key belongs to one of the identities loaded. An environment without a secrets file
  (or with only recipients sops added, which have no name) has nothing to check against yet:
  its first writer names themselves (trust on first use);
- in the web panel: the signed-in user (the panel passes an actor it has proven).

The claim and what was found are both in the refusal, in one line. These checks stop
mistakes and casual impersonation; the final gate remains who holds the cluster and forge
credentials and the stack's passphrase (docs/secrets.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from gmac.app.actor import Actor
from gmac.app.run_secrets import store_environment
from gmac.errors import AccessDeniedError
from gmac.secrets import SecretStore, load_identities
from gmac.validate import Spec

# The forge's variables: set by the runner itself, not by the workflow's author.
FORGES = (("GITEA_ACTIONS", "GITEA_ACTOR"), ("GITHUB_ACTIONS", "GITHUB_ACTOR"))
SIGNED_IN = "the panel's sign-in"


def forge_actor(environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(name, variable) of who started this CI run, when gmac runs in one."""
    source = os.environ if environ is None else environ
    for flag, variable in FORGES:
        if source.get(flag) == "true" and source.get(variable, "").strip():
            return source[variable].strip(), variable
    return None


def prove(actor: Actor, spec: Spec, specs: Path, environ: Mapping[str, str] | None = None) -> Actor:
    """`actor` with how they were proven; AccessDeniedError when the claim fails."""
    if spec.project.access is None or actor.proof:
        return actor  # no rules to pass, or proven already (the panel's sign-in)
    claim = f"'{actor}' (actor from {actor.source})"
    forge = forge_actor(environ)
    if forge is not None:
        name, variable = forge
        if actor.name != name:
            raise AccessDeniedError(
                f"{claim} is not who started this CI run: the forge says '{name}' ({variable})"
            )
        return replace(actor, proof=f"the CI run ({variable})")
    store = SecretStore(specs)
    env = store_environment(store, spec)
    file = store.read(env) if store.path(env).is_file() else None
    if file is None or not any(r.name for r in file.recipients):
        # Nothing to prove against yet: no file, or one sops made with no names in it.
        return replace(actor, proof="nothing yet: no named recipient in the secrets file")
    mine = {str(identity.recipient) for identity in load_identities()}  # a bad key: its error
    names = sorted({r.name for r in file.recipients if str(r.key) in mine and r.name})
    if actor.name in names:
        return replace(actor, proof=f"an identity that is recipient '{actor}' of {file.shown}")
    if names:
        raise AccessDeniedError(
            f"{claim} is not who your identity says: in {file.shown} it is "
            f"{' and '.join(repr(n) for n in names)}"
        )
    raise AccessDeniedError(
        f"{claim} cannot be proven: none of your identities ({', '.join(sorted(mine)) or 'none'}) "
        f"is a recipient of {file.shown}; set GMAC_IDENTITY or GMAC_IDENTITY_FILE to your key"
    )
