"""The Pulumi CLI's failures, turned into gmac errors a user can act on."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pulumi import automation as auto

from gmac.errors import EngineError, LockHeldError

_LOCK_OWNER = re.compile(r"locked by (?P<who>[^\n]*?)(?:\.|\n|$)")
_SECRET_LIKE = re.compile(r"(passphrase|password|token|secret)([\"']?\s*[:=]\s*)\S+", re.I)


def _clean(text: str) -> str:
    """The lines that say what went wrong, without the CLI's progress and URLs."""
    lines = [line.rstrip() for line in text.splitlines()]
    keep = [
        line
        for line in lines
        if line.strip() and not line.startswith(("View Live", "Previewing", "Updating"))
    ]
    return _SECRET_LIKE.sub(r"\1\2[secret]", "\n".join(keep[-15:]))


def engine_error(
    error: auto.errors.CommandError, env: str, action: str, diagnostics: Sequence[str] = ()
) -> Exception:
    stderr = getattr(error, "stderr", "") or str(error)
    if isinstance(error, auto.errors.ConcurrentUpdateError) or "currently locked" in stderr:
        match = _LOCK_OWNER.search(stderr)
        who = match.group("who").strip() if match else "another process"
        return LockHeldError(
            f"stack '{env}' is locked by {who}: another apply is running. Wait for it to "
            f"finish; if no gmac process is running any more, run `gmac unlock --env {env}`."
        )
    detail = "\n".join(diagnostics) if diagnostics else _clean(stderr)
    return EngineError(f"{action} of '{env}' failed:\n{_clean(detail)}")
