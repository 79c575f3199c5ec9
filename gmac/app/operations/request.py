"""What a command asks of the engine: which project, which environment, which resources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gmac.engine.steps import StepRecord
from gmac.engine.toolchain import Toolchain, default_cache_root, find
from gmac.errors import ToolchainMissingError
from gmac.validate import Spec

ProgressListener = Callable[[StepRecord, str], None]


@dataclass(frozen=True)
class RunRequest:
    """One command's inputs: which project, which environment, which resources."""

    specs: Path
    env: str
    targets: Sequence[str] = ()
    listener: ProgressListener | None = None
    secret_values: dict[str, str] | None = field(default=None, repr=False)
    # A spec made another way than validating `specs` for `env` (a preview environment).
    load_spec: Callable[[], Spec] | None = field(default=None, repr=False)

    @property
    def root(self) -> Path:
        return self.specs.resolve().parent


def require_toolchain() -> Toolchain:
    toolchain = find()
    if toolchain is None:
        raise ToolchainMissingError(
            "the Pulumi toolchain is not installed: run `gmac toolchain install` "
            f"(the first build takes several minutes; later runs reuse {default_cache_root()})"
        )
    return toolchain
