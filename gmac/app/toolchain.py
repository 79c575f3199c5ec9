"""The Pulumi toolchain a run needs, or the message that says how to get it."""

from __future__ import annotations

from gmac.engine.toolchain import Toolchain, default_cache_root, find
from gmac.errors import ToolchainMissingError


def require_toolchain() -> Toolchain:
    toolchain = find()
    if toolchain is None:
        raise ToolchainMissingError(
            "the Pulumi toolchain is not installed: run `gmac toolchain install` "
            f"(the first build takes several minutes; later runs reuse {default_cache_root()})"
        )
    return toolchain
