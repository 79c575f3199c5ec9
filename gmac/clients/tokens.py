"""A new API token from a rotation (`gitea.rotate_gitea_token`, `turso.rotate_turso_token`).

A rotation creates the new token, hands it back for the secret store to keep, and only then
revokes the old one (`NewToken.revoke`): a failure in between leaves a working token behind,
never none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


def _nothing() -> str | None:
    return None


@dataclass(frozen=True)
class NewToken:
    value: str = field(repr=False)
    name: str
    revoke: Callable[[], str | None] = _nothing  # revokes the old token; says which, or None
