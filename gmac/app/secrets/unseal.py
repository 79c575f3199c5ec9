"""`gmac secrets unseal`: the rendered Secrets of an environment with their sealed values
opened, for `kubectl apply -f -`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from components.context import SEALED_PREFIX
from gmac.app.recording import authorize_action
from gmac.app.run_secrets import store_environment
from gmac.app.secrets.context import SecretsContext, audited
from gmac.errors import IdentityError, TamperedSecretError, UsageError
from gmac.load.files import display_path
from gmac.secrets import CryptoError, Identity, OpenFile, decrypt_with, load_identities

AGE_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----"


def _open_value(token: str, name: str, file: OpenFile | None, identities: list[Identity]) -> str:
    """A sealed value: `ENC[...]` from the environment's secrets file (a value set by hand),
    or an age-armored one (a value generated in the state, sealed for the recipients)."""
    if token.startswith(AGE_ARMOR):
        for identity in identities:
            try:
                return decrypt_with(token, identity).decode("utf-8")
            except CryptoError:
                continue
        raise IdentityError(f"sealed secret '{name}': none of your identities can open it")
    if file is None:
        raise TamperedSecretError(f"sealed secret '{name}': the environment has no secrets file")
    return file.unseal(token, name)


def unseal_manifests(ctx: SecretsContext, directory: Path | None = None) -> list[dict[str, Any]]:
    """The rendered Secrets of the environment with their sealed values opened, ready for
    `kubectl apply -f -`. Needs `reveal_secrets`; audited as reads."""
    target = ctx.spec.project.environments[ctx.env].kubernetes.render_to
    if directory is None:
        if target is None:
            raise UsageError(f"'{ctx.env}' does not render manifests: give the folder to unseal")
        directory = ctx.root / target
    if not directory.is_dir():
        raise UsageError(f"no rendered manifests at {display_path(directory)}: run gmac apply")
    sealed: list[tuple[dict[str, Any], dict[str, str]]] = []
    for path in sorted(directory.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not isinstance(document, dict) or document.get("kind") != "Secret":
                continue
            annotations = (document.get("metadata") or {}).get("annotations") or {}
            tokens = {
                key.removeprefix(SEALED_PREFIX): str(value)
                for key, value in annotations.items()
                if key.startswith(SEALED_PREFIX)
            }
            if tokens:
                sealed.append((document, tokens))
    names = sorted({name for _, tokens in sealed for name in tokens})
    authorize_action(ctx.specs, ctx.spec, "reveal_secrets", ctx.actor, target=", ".join(names))
    identities = load_identities()
    env = store_environment(ctx.store, ctx.spec)
    from_file = any(not t.startswith(AGE_ARMOR) for _, tokens in sealed for t in tokens.values())
    file = ctx.store.open(env, identities) if from_file else None
    manifests = []
    with audited(ctx, "secret.read", ", ".join(names), via="unseal"):
        for document, tokens in sealed:
            metadata = dict(document.get("metadata") or {})
            kept = {
                k: v
                for k, v in (metadata.get("annotations") or {}).items()
                if not k.startswith(SEALED_PREFIX)
            }
            metadata.pop("annotations", None)
            if kept:
                metadata["annotations"] = kept
            values = {
                name: _open_value(token, name, file, identities) for name, token in tokens.items()
            }
            manifests.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": metadata,
                    "type": document.get("type", "Opaque"),
                    "stringData": values,
                }
            )
    return manifests
