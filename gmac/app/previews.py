"""`gmac preview up|down|list|cleanup`: preview stacks for pull requests, end to end."""

from __future__ import annotations

import dataclasses
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
from gmac.app.preview_images import base_images, decide
from gmac.app.preview_spec import DEFAULT_BASE, preview_name, preview_number, preview_spec
from gmac.engine.settings import engine_settings
from gmac.engine.workspace import remove_stack, stack_names
from gmac.errors import EngineError
from gmac.plan import Plan
from gmac.validate import validate_directory


@dataclass(frozen=True)
class PreviewTarget:
    specs: Path
    number: int
    base: str = DEFAULT_BASE
    listener: ProgressListener | None = None
    on_note: Callable[[str], None] | None = None  # which image each service runs, and why

    def request(self) -> RunRequest:
        return RunRequest(
            specs=self.specs,
            env=preview_name(self.number),
            listener=self.listener,
            load_spec=lambda: preview_spec(self.specs, self.number, self.base),
        )


def up(target: PreviewTarget) -> ApplyOutcome:
    """Create or update the preview: no question asked, it is disposable by design. Each
    image is built from the pull request's checkout or reused from the base, as
    gmac.app.preview_images decides; the decisions go to `on_note`."""
    spec = preview_spec(target.specs, target.number, target.base)
    if any(service.image is not None and service.image.build for service in spec.services):
        recorded = base_images(target.specs, spec, target.base)
        spec, decisions = decide(spec, target.base, target.number, recorded)
        for decision in decisions:
            if target.on_note is not None:
                target.on_note(decision.line())
    request = dataclasses.replace(target.request(), load_spec=lambda: spec)
    return apply(request, confirm=lambda _plan: True)


@dataclass(frozen=True)
class PreviewDown:
    plan: Plan  # what was destroyed
    left_behind: str = ""  # forced: why the destroy failed, and what may still run


def down(target: PreviewTarget, *, force: bool = False) -> PreviewDown:
    """Destroy the preview's resources, then forget its stack. A preview whose destroy fails
    (its `up` failed half-way, its cluster is gone) is removed all the same with `force`:
    its stack is forgotten and what it made is left where it runs, said in `left_behind`."""
    name = preview_name(target.number)
    spec = validate_directory(target.specs, target.base)[target.base]
    settings = engine_settings(target.specs.resolve().parent, spec.project)
    again = f"`gmac preview down --pr {target.number} --force`"
    try:
        outcome = destroy(target.request(), confirm=lambda _plan: True)
    except EngineError as error:
        if not force:
            raise EngineError(
                f"{error}\n{again} removes the preview all the same, leaving what it made where "
                "it runs"
            ) from None
        remove_stack(settings, require_toolchain(), name, force=True)
        where = spec.environment.kubernetes
        place = (
            f"namespace '{where.namespace}-{name}' of context '{where.context}'"
            if where.render_to is None
            else "its rendered files"
        )
        why = str(error).splitlines()[-1]
        return PreviewDown(Plan(name, ()), left_behind=f"the destroy failed ({why}); {place}")
    try:
        remove_stack(settings, require_toolchain(), name, force=force)
    except EngineError as error:
        raise EngineError(f"{error}\n{again} removes it all the same") from None
    return PreviewDown(outcome.plan)


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
            gone = down(PreviewTarget(specs, number, base))
            removed.append((number, gone.plan))
    return removed
