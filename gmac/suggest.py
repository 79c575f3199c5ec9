"""'Did you mean' hints for misspelt names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    options = sorted(set(choices))
    matches = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # Abbreviations: 'prod' for 'production', 'k8s-staging' for 'staging' rarely, so prefix only.
    prefixed = [option for option in options if len(word) >= 3 and option.startswith(word)]
    if len(prefixed) == 1:
        return prefixed[0]
    # The other way round: 'environment' for 'env'.
    spelt_out = [option for option in options if len(option) >= 3 and word.startswith(option)]
    return spelt_out[0] if len(spelt_out) == 1 else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'production'?)`, or nothing when no choice is close."""
    match = closest(word, choices)
    return f" (did you mean '{match}'?)" if match else ""
