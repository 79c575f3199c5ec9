"""The engine's resource steps as plain values, so no later step imports Pulumi's types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SECRET_MASK = "[secret]"
# How Pulumi marks a secret value inside serialized property maps.
_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
# How the engine writes a value a preview cannot know yet (an output of another resource).
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
UNKNOWN_MASK = "(known after apply)"


def mask_secrets(value: Any) -> Any:
    """`value` with every Pulumi secret replaced by `[secret]`, however deep, and every
    value the preview cannot know shown as such rather than as the engine's sentinel."""
    if value == UNKNOWN_VALUE:
        return UNKNOWN_MASK
    if isinstance(value, Mapping):
        if value.get(_SECRET_SIG_KEY) == _SECRET_SIG:
            return SECRET_MASK
        return {str(key): mask_secrets(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_secrets(item) for item in value]
    return value


@dataclass(frozen=True)
class PropertyDiffRecord:
    path: str
    kind: str  # add, update, delete, and the same with -replace when it forces replacement


@dataclass(frozen=True)
class StepRecord:
    """One resource step of a preview or an update, with secrets already masked."""

    op: str
    urn: str
    type: str
    parent: str | None = None
    diffs: tuple[str, ...] = ()
    replace_keys: tuple[str, ...] = ()
    detailed: tuple[PropertyDiffRecord, ...] = ()
    old_inputs: Mapping[str, Any] | None = field(default=None, compare=False)
    new_inputs: Mapping[str, Any] | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]
