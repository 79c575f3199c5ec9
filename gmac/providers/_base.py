"""What every provider shares: reading its property bag, and one `diff` rule set.

A dynamic provider is handed plain dicts by Pulumi: inputs on create, the previous outputs
(which hold the inputs too: every provider returns `{**inputs, **computed}`) as `olds`, and
the pickled provider under `__provider`. Numbers arrive as floats, unknown values (during a
preview) as `pulumi.output.Unknown` or the UNKNOWN sentinel, and secrets either plain or in
the engine's secret wrapper.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import pulumi
from pulumi.dynamic import DiffResult
from pulumi.output import Unknown
from pulumi.runtime import rpc

PROVIDER_KEY = "__provider"
PUBLIC_MODULE = "gmac.providers"

_Class = TypeVar("_Class", bound=type)


def published(cls: _Class) -> _Class:
    """A provider class, pickled into every resource's `__provider` input by its public name
    (`gmac.providers.X`), so the private module it lives in can move without breaking the
    state: `gmac.providers` resolves the name when the engine unpickles it."""
    cls.__module__ = PUBLIC_MODULE
    return cls


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown) or value == rpc.UNKNOWN


def _plain(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return rpc.unwrap_rpc_secret(value)
    return value


class Props:
    """Typed reads of a property bag, without `__provider` and with secrets unwrapped."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw: dict[str, Any] = {k: _plain(v) for k, v in raw.items() if k != PROVIDER_KEY}

    def text(self, key: str, default: str = "") -> str:
        value = self.raw.get(key)
        return default if value is None or is_unknown(value) else str(value)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.raw.get(key)
        return default if value is None or is_unknown(value) else bool(value)

    def number(self, key: str, default: int = 0) -> int:
        value = self.raw.get(key)
        return default if value is None or is_unknown(value) else int(value)

    def strings(self, key: str) -> list[str]:
        value = self.raw.get(key)
        return [] if value is None or is_unknown(value) else [str(item) for item in value]

    def mapping(self, key: str) -> dict[str, str]:
        value = self.raw.get(key)
        if value is None or is_unknown(value):
            return {}
        return {str(k): str(v) for k, v in dict(value).items()}


def _normal(value: Any, *, unordered: bool) -> Any:
    value = _plain(value)
    if value is None or value in ("", [], {}):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list | tuple):
        items = [_normal(item, unordered=False) for item in value]
        return sorted(items, key=json.dumps) if unordered else items
    if isinstance(value, dict):
        return {k: _normal(v, unordered=False) for k, v in sorted(value.items())}
    return value


def changed(old: Any, new: Any, *, unordered: bool = False) -> bool:
    """Whether an input changed; an unknown new value always counts as a change."""
    if is_unknown(new):
        return True
    return bool(_normal(old, unordered=unordered) != _normal(new, unordered=unordered))


def compare(
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    *,
    update: Iterable[str] = (),
    replace: Iterable[str] = (),
    credentials: Iterable[str] = (),
    unordered: Iterable[str] = (),
    delete_before_replace: bool | Callable[[Props, Props], bool] = False,
) -> DiffResult:
    """The diff of the inputs that matter; everything else (`__provider` first) is ignored.

    - `replace`: a change means a new remote object (Stripe prices are immutable, ...).
    - `update`: a change is made in place.
    - `credentials`: a new token or key is stored (an update with no remote call), but only
      when the new value is known and not empty: a run without the secret store keeps the
      token it has, instead of showing every resource as changed.
    """
    old, new = Props(olds).raw, Props(news).raw
    loose = set(unordered)
    replaces = [k for k in replace if changed(old.get(k), new.get(k), unordered=k in loose)]
    updates = [k for k in update if changed(old.get(k), new.get(k), unordered=k in loose)]
    for key in credentials:
        value = new.get(key)
        if is_unknown(value):
            continue
        if value not in (None, "") and value != old.get(key):
            updates.append(key)
    if not replaces:
        return DiffResult(changes=bool(updates), replaces=[], delete_before_replace=False)
    before = (
        delete_before_replace(Props(olds), Props(news))
        if callable(delete_before_replace)
        else delete_before_replace
    )
    return DiffResult(changes=True, replaces=replaces, delete_before_replace=before)


def resource_marker(kind: str, key: str, fields: Mapping[str, Any]) -> str:
    """A value that is the same for the same logical resource and the same inputs, on every
    run: written into the remote object (Stripe's metadata), it lets a create repeated after
    its answer was lost (a killed run, a timeout) find the object the first one made, and
    take it over instead of making a second one."""
    payload = json.dumps(
        {"kind": kind, "key": key, "fields": _normal(dict(fields), unordered=False)},
        sort_keys=True,
        default=str,
    )
    return f"gmac-{kind}-{hashlib.sha256(payload.encode()).hexdigest()[:40]}"


def idempotency_key(marker: str) -> str:
    """A new key for one attempt at a create (`marker`, then a random part).

    The HTTP layer's retries of that one request resend it, so the server answers them with
    what the first one did. The next attempt (another run, Pulumi's own retry) gets another:
    Stripe replays the stored answer of a key for 24 hours, so a fixed key would hand a new
    attempt an old 500, or an object archived or deleted since. What an earlier attempt made
    is found by its marker instead.
    """
    return f"{marker}-{secrets.token_hex(8)}"


def outputs(props: Props, **computed: Any) -> dict[str, Any]:
    """The outputs of a resource: its inputs (so that `diff` and `read` see them) and more."""
    return {**props.raw, **computed}


def secret_options(
    opts: pulumi.ResourceOptions | None, *secret_outputs: str
) -> pulumi.ResourceOptions:
    """`opts` plus outputs that must be stored as secrets whatever the engine infers."""
    extra = pulumi.ResourceOptions(additional_secret_outputs=list(secret_outputs))
    return pulumi.ResourceOptions.merge(opts, extra)
