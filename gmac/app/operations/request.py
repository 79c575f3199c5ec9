"""What a command asks of the engine: which project, which environment, which resources."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gmac.app.actor import Actor
from gmac.engine.steps import StepRecord

if TYPE_CHECKING:
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
    # Generated secrets to make anew (a rotation): their resources are replaced.
    rotate: Sequence[str] = ()
    # Who asks, when the caller has proven it (the panel's signed-in user); otherwise the
    # actor of this process (gmac.app.actor), proven when the run needs it.
    actor: Actor | None = None

    @property
    def root(self) -> Path:
        return self.specs.resolve().parent
