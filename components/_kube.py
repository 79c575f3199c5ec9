"""Small helpers shared by the Kubernetes components: object metadata and spec durations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:
    from gmac.compile.context import CompileContext

# A Kubernetes object or part of one, as pulumi_kubernetes takes it (snake_case keys). Its
# `...ArgsDict` TypedDicts are `Mapping[str, Any]` to mypy, so they check nothing more.
Object = dict[str, Any]

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
    annotations: Mapping[str, str] | None = None,
) -> Object:
    """ObjectMeta with an explicit name (no auto-naming suffix) in the environment's namespace."""
    meta: Object = {"name": name, "namespace": ctx.namespace, "labels": dict(labels)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def child(parent: pulumi.Resource) -> pulumi.ResourceOptions:
    """Options of a component's child: parented, so it inherits providers and aliases."""
    return pulumi.ResourceOptions(parent=parent)
