"""`gmac secrets unseal`: the rendered Secrets of an environment with their sealed values
opened, for `kubectl apply -f -`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from components.context import SEALED_PREFIX
from gmac.app.recording import authorize_action
from gmac.app.secrets.context import SecretsContext, audited
from gmac.errors import UsageError
from gmac.load.files import display_path
from gmac.secrets import load_identities, unseal


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
    authorize_action(ctx.root, ctx.spec, "reveal_secrets", ctx.actor, target=", ".join(names))
    identities = load_identities()
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
            values = {name: unseal(token, name, identities) for name, token in tokens.items()}
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
