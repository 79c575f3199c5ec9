"""Small helpers shared by the Kubernetes components: object metadata and spec durations."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, cast

import pulumi

from components.context import SEALED_PREFIX
from components.kube_object import Object

if TYPE_CHECKING:
    from components.context import CompileContext

_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "y": 365 * 86400,
}


def duration_seconds(duration: str) -> float:
    """Seconds in a spec duration such as `30s`, `10m` or `1h30m` (already validated)."""
    return sum(
        int(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(duration)
    )


def metadata(
    name: str,
    ctx: CompileContext,
    labels: Mapping[str, str],
    annotations: Mapping[str, pulumi.Input[str]] | None = None,
) -> Object:
    """ObjectMeta with an explicit name (no auto-naming suffix) in the environment's namespace."""
    meta: Object = {"name": name, "namespace": ctx.namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def unknown_secret() -> pulumi.Output[str]:
    """A secret whose value is not known yet: Pulumi shows it as computed, never as text."""
    return cast("pulumi.Output[str]", pulumi.Output.secret(pulumi.output.UNKNOWN))


def secret_payload(
    ctx: CompileContext, names: Iterable[str]
) -> tuple[dict[str, pulumi.Input[str]], dict[str, pulumi.Input[str]]]:
    """The `stringData` and annotations of a Secret holding the secrets `names`.

    A secret lives in the secret store (set by hand: `ctx.secret_values`, sealed as the store
    holds it in `ctx.sealed_secrets`) or in the stack's state (generated, or provided by an
    integration: outputs in `ctx.state_values`, sealed in `ctx.state_sealed`). Values reach
    Pulumi only as secrets; rendered manifests are plain files, so they get each value
    sealed (`gmac secrets unseal` opens them), never the value.

    A value the store lacks is left out: the plan warns, and an unknown value would make
    every preview show a change. With no store consulted (a graph under mocks) each key is
    declared with its value unknown.
    """
    data: dict[str, pulumi.Input[str]] = {}
    sealed: dict[str, pulumi.Input[str]] = {}
    for key in names:
        if key in ctx.state_values:
            if not ctx.renders_manifests:
                data[key] = ctx.state_values[key]
            elif key in ctx.state_sealed:
                sealed[SEALED_PREFIX + key] = ctx.state_sealed[key]
        elif ctx.secret_values is None:
            data[key] = unknown_secret()
        elif ctx.renders_manifests:
            token = (ctx.sealed_secrets or {}).get(key)
            if token is not None:
                sealed[SEALED_PREFIX + key] = token
        elif key in ctx.secret_values:
            data[key] = pulumi.Output.secret(ctx.secret_values[key])
    return data, sealed


def child(parent: pulumi.Resource) -> pulumi.ResourceOptions:
    """Options of a component's child: parented, so it inherits providers and aliases."""
    return pulumi.ResourceOptions(parent=parent)
