"""Secret values for an engine run, and the names that have none.

Until the encrypted store in specs/secrets/ is in place, values come from the environment:
`GMAC_SECRET_STRIPE_SECRET_KEY` holds the secret `stripe-secret-key`. This is also how CI
runners pass secrets in.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

PREFIX = "GMAC_SECRET_"


def variable_name(secret: str) -> str:
    return PREFIX + secret.upper().replace("-", "_").replace(".", "_")


def secret_values_from_environment(
    names: Iterable[str], environ: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """The values found for `names`, and the names that have none."""
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
