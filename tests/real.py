"""Requiring a real tool or server: found, or the test is skipped saying how to get it.

The skip is a failure in CI (tests/conftest.py), so nothing here needs to know where it runs.
"""

from __future__ import annotations

from typing import TypeVar

import pytest

T = TypeVar("T")


SERVERS_HINT = "run scripts/install-servers"


def require(found: T | None, what: str, how: str = SERVERS_HINT) -> T:
    """`found`, or a skip: '<what> is not installed: <how>'."""
    if not found:
        pytest.skip(f"{what} is not installed: {how}")
    return found


def require_toolchain() -> object:
    from gmac.engine.toolchain import find

    return require(find(), "the Pulumi toolchain", "run `gmac toolchain install`")
