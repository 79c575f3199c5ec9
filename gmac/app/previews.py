"""`gmac preview up|down|list|cleanup`: preview stacks for pull requests, end to end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gmac.app.operations import (
    ApplyOutcome,
    ProgressListener,
    RunRequest,
    apply,
    destroy,
    require_toolchain,
)
from gmac.app.preview_spec import DEFAULT_BASE, preview_name, preview_number, preview_spec
from gmac.engine.settings import engine_settings
from gmac.engine.workspace import remove_stack, stack_names
from gmac.plan import Plan
from gmac.validate import validate_directory


@dataclass(frozen=True)
class PreviewTarget:
    specs: Path
    number: int
    base: str = DEFAULT_BASE
    listener: ProgressListener | None = None

    def request(self) -> RunRequest:
        return RunRequest(
            specs=self.specs,
            env=preview_name(self.number),
            listener=self.listener,
            load_spec=lambda: preview_spec(self.specs, self.number, self.base),
        )


def up(target: PreviewTarget) -> ApplyOutcome:
    """Create or update the preview: no question asked, it is disposable by design."""
    return apply(target.request(), confirm=lambda _plan: True)


def down(target: PreviewTarget) -> ApplyOutcome:
    """Destroy the preview's resources, then forget its stack."""
    outcome = destroy(target.request(), confirm=lambda _plan: True)
    root = target.specs.resolve().parent
    project = validate_directory(target.specs, target.base)[target.base].project
    remove_stack(engine_settings(root, project), require_toolchain(), preview_name(target.number))
    return outcome


def previews(specs: Path, base: str = DEFAULT_BASE) -> list[int]:
    """The pull request numbers that have a preview stack."""
    project = validate_directory(specs, base)[base].project
    names = stack_names(engine_settings(specs.resolve().parent, project), require_toolchain())
    return sorted(n for n in map(preview_number, names) if n is not None)


def cleanup(
    specs: Path, is_open: Callable[[int], bool], base: str = DEFAULT_BASE
) -> list[tuple[int, Plan]]:
    """Take down every preview whose pull request is no longer open."""
    removed = []
    for number in previews(specs, base):
        if not is_open(number):
            outcome = down(PreviewTarget(specs, number, base))
            removed.append((number, outcome.plan))
    return removed
