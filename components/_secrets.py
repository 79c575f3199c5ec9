"""The digest that rolls a Deployment's pods when a secret they read changes (the Secret's
own data and annotations: `components._kube.secret_payload`)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from components.context import CompileContext

DIGEST_ANNOTATION = "gmac.io/secrets-digest"


def _digest(key: str, names: Sequence[str], values: Sequence[Any]) -> str:
    mac = hmac.new(key.encode("utf-8"), digestmod=hashlib.sha256)
    for name, value in zip(names, values, strict=True):
        mac.update(f"{name}\0{value}\0".encode())
    return mac.hexdigest()[:32]


def secrets_digest(ctx: CompileContext, names: Iterable[str]) -> pulumi.Output[str] | None:
    """An HMAC (under a key kept in the state) of the secrets `names`, for the pod template:
    it changes exactly when one of their values does (their sealed form, where manifests are
    rendered), and tells nothing about any of them, so it is shown in plans in clear."""
    if ctx.digest_key is None:
        return None
    parts: dict[str, pulumi.Input[str]] = {}
    for name in sorted(set(names)):
        if ctx.renders_manifests:
            found = ctx.state_sealed.get(name) or (ctx.sealed_secrets or {}).get(name)
        else:
            found = ctx.state_values.get(name) or (ctx.secret_values or {}).get(name)
        if found is not None:
            parts[name] = found
    if not parts:
        return None
    keys = list(parts)
    combined = pulumi.Output.all(ctx.digest_key, *(parts[key] for key in keys))
    digest = combined.apply(lambda values: _digest(str(values[0]), keys, values[1:]))
    return pulumi.Output.unsecret(digest)
