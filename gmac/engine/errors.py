"""The Pulumi CLI's failures, turned into gmac errors a user can act on."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pulumi import automation as auto

from gmac.errors import EngineError, LockHeldError

_LOCK_OWNER = re.compile(r"locked by (?P<who>[^\n]*?)(?:\.|\n|$)")
_SECRET_LIKE = re.compile(r"(passphrase|password|token|secret)([\"']?\s*[:=]\s*)\S+", re.I)
_PASSPHRASE_REJECTED = "incorrect passphrase"
# A dynamic provider reports a failure as its Python traceback; what gmac raised on purpose is
# its last line, `gmac.errors.IntegrationError: gitea: token rejected (401)`.
_PROVIDER_ERROR = re.compile(r"^\s*gmac\.errors\.\w+: (?P<message>.+)$", re.M)


# A Python traceback in the engine's output: the in-process program's, when the engine
# cancels it (its last line `Exception: context canceled`), or a provider's. The race behind
# the first: when a step fails, the engine cancels the RPCs still in flight, and the SDK
# turns every gRPC status but UNAVAILABLE into a plain Exception of its details
# (pulumi.runtime.settings.grpc_error_to_exception), so a RegisterResource that was waiting
# at that moment fails the program with `context canceled` and the inline server reports it
# with its traceback; with no registration in flight, only the cause is printed. Which of
# the two reaches the output first depends on timing.
_TRACEBACK = re.compile(
    r"^(?P<lead>.*?)Traceback \(most recent call last\):\n(?:[ \t].*\n|\n)*(?P<last>\S.*)$",
    re.M,
)
# What the program says when the engine stopped it: a consequence of the failure, never its
# cause, and it may reach gmac before the cause does.
_CANCELLED = re.compile(r"context canceled|Program failed with an unhandled exception:?\s*$")


def _without_tracebacks(text: str) -> str:
    """`text` with each traceback cut to its last line (the error it raised), and the lines
    that only say the program was cancelled left out."""

    def last_line(match: re.Match[str]) -> str:
        lead = match["lead"].strip()
        return "\n".join(part for part in (lead, match["last"]) if part)

    cut = _TRACEBACK.sub(last_line, text)
    return "\n".join(line for line in cut.splitlines() if not _CANCELLED.search(line))


def _stderr(error: auto.errors.CommandError) -> str:
    """What the CLI wrote to stderr. str(error) also holds its stdout: the whole preview."""
    text = str(error)
    _, found, tail = text.partition("\n stderr: ")
    return tail if found else text


def _clean(text: str) -> str:
    """The lines that say what went wrong, without the CLI's progress and URLs."""
    lines = [line.rstrip() for line in text.splitlines()]
    # Once each: the engine repeats a failure for every resource it concerns.
    keep = list(
        dict.fromkeys(
            line
            for line in lines
            if line.strip() and not line.startswith(("View Live", "Previewing", "Updating"))
        )
    )
    return _SECRET_LIKE.sub(r"\1\2[secret]", "\n".join(keep[-15:]))


def _provider_errors(text: str) -> list[str]:
    """The messages of the errors gmac's providers raised on purpose, once each."""
    return list(dict.fromkeys(m["message"].strip() for m in _PROVIDER_ERROR.finditer(text)))


def _passphrase_error(env: str, source: str) -> EngineError:
    where = (
        "GMAC_PASSPHRASE"
        if source == "GMAC_PASSPHRASE"
        else f"{source} (GMAC_PASSPHRASE is not set)"
    )
    return EngineError(
        f"the passphrase from {where} does not open the secrets of stack '{env}': set "
        "GMAC_PASSPHRASE to the passphrase the stack was created with (for the local "
        "stack, unset it to use .gmac/passphrase)"
    )


def engine_error(
    error: auto.errors.CommandError,
    env: str,
    action: str,
    diagnostics: Sequence[str] = (),
    passphrase_source: str = "",
) -> Exception:
    stderr = _stderr(error)
    if isinstance(error, auto.errors.ConcurrentUpdateError) or "currently locked" in stderr:
        match = _LOCK_OWNER.search(stderr)
        who = match.group("who").strip() if match else "another process"
        return LockHeldError(
            f"stack '{env}' is locked by {who}: another apply is running. Wait for it to "
            f"finish; if no gmac process is running any more, run `gmac unlock --env {env}`."
        )
    if _PASSPHRASE_REJECTED in stderr:
        return _passphrase_error(env, passphrase_source)
    raw = "\n".join(diagnostics) if diagnostics else stderr
    own = _provider_errors(raw) or _provider_errors(stderr)
    if own:
        return EngineError(f"{action} of '{env}' failed:\n" + _clean("\n".join(own)))
    # The engine's own words: no traceback; the cause, wherever it was said.
    detail = _clean(_without_tracebacks(raw)) or _clean(_without_tracebacks(stderr))
    if not detail:
        detail = "the engine cancelled its program before it said why: run the command again"
    return EngineError(f"{action} of '{env}' failed:\n{detail}")
