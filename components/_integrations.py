"""Helpers shared by the integration components (Repository, Image, Stripe, Turso, Webhook)."""

from __future__ import annotations

import os
import re

import pulumi

from components.context import CompileContext

_DURATION_PART = re.compile(r"([0-9]+)(ms|s|m|h|d|w|y)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def secret_input(ctx: CompileContext, name: str) -> pulumi.Output[str]:
    """The value of secret `name`, always as a secret output.

    Without secret values (graphs, previews without the secret store) it is an empty secret:
    the providers keep the credential they stored, or say which secret to set.
    """
    values = ctx.secret_values or {}
    return pulumi.Output.secret(values.get(name, "") if name else "")


def api_base(variable: str, default: str) -> str:
    """An API's base URL: the environment variable when set (stripe-mock, a test server)."""
    return os.environ.get(variable) or default


def slug(value: str) -> str:
    """A piece of a resource name made from free text (a branch such as `release/*`)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", value).strip("-") or "x"


def seconds(duration: str) -> int:
    """Whole seconds in a validated spec duration such as `30d` or `1h30m`."""
    total = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(duration))
    return int(total)
