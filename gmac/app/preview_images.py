"""Which image each service of a preview runs: built from the pull request, or the base's.

A preview is an apply of the pull request's checkout. For each service that builds an image:

- local builder: when its build inputs (the context folder less `.dockerignore`, the
  Dockerfile, the build arguments) are those of the base environment's last build, the
  preview runs the base's image by its digest and builds nothing; otherwise the preview
  builds it from the checkout, pushes the tag `pr-N` and runs that digest.
- cluster builder: the service's code lives in its own repository, which the pull request
  does not hold: the preview runs the base's image by its digest. When the base has built
  none yet, the preview builds the checkout's context folder with the local builder if
  there is one, and otherwise runs the tag `pr-N`, saying that nothing builds it.

Each decision comes with its reason, one line a person can read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.context import CompileContext
from components.image import builder_of, local_inputs
from gmac.app.operations import require_toolchain
from gmac.app.stacks import engine_settings_for
from gmac.engine.stack import StackSession
from gmac.engine.workspace import stack_names
from gmac.errors import UsageError
from gmac.models import Service
from gmac.validate import Spec


@dataclass(frozen=True)
class BaseImage:
    """What the base environment's state holds for a service's image build."""

    ref: str
    inputs: str = ""


@dataclass(frozen=True)
class ImageDecision:
    service: str
    action: str  # build | reuse | untracked
    reason: str
    ref: str = ""

    def line(self) -> str:
        return f"{self.service}: {self.reason}"


def base_images(specs: Path, spec: Spec, base: str) -> dict[str, BaseImage]:
    """Every service's last image build in the base environment's state, by service."""
    settings = engine_settings_for(dataclasses.replace(spec, env=base), specs.resolve().parent)
    toolchain = require_toolchain()
    if base not in stack_names(settings, toolchain):
        return {}
    session = StackSession(settings, base, lambda: None, toolchain)
    deployment = session.stack().export_stack().deployment or {}
    found: dict[str, BaseImage] = {}
    for resource in deployment.get("resources", []) if isinstance(deployment, dict) else []:
        name = str(resource.get("urn", "")).rsplit("::", 1)[-1]
        outputs: Mapping[str, Any] = resource.get("outputs") or {}
        ref = outputs.get("ref")
        if name.endswith("-build") and isinstance(ref, str) and "@sha256:" in ref:
            inputs = outputs.get("inputs")
            found[name.removesuffix("-build")] = BaseImage(
                ref, inputs if isinstance(inputs, str) else ""
            )
    return found


def _with_image(service: Service, **changes: Any) -> Service:
    assert service.image is not None
    return service.model_copy(update={"image": service.image.model_copy(update=changes)})


def _has_context(service: Service, ctx: CompileContext) -> bool:
    try:
        local_inputs(service, ctx)
    except UsageError:
        return False
    return True


def decide(
    spec: Spec, base: str, number: int, recorded: Mapping[str, BaseImage]
) -> tuple[Spec, list[ImageDecision]]:
    """The preview's spec with each built service either reusing the base's image (a
    prebuilt `image.ref`) or building the tag `pr-N`, and why."""
    ctx = CompileContext(spec)
    tag = f"pr-{number}"
    services: list[Service] = []
    decisions: list[ImageDecision] = []
    for service in spec.services:
        if service.image is None or not service.image.build:
            services.append(service)
            continue
        before = recorded.get(service.name)
        builder = builder_of(service, spec.project)
        if builder == "local":
            found = local_inputs(service, ctx)
            if before is not None and before.inputs == found.inputs:
                reason = (
                    f"reusing {base}'s image {before.ref}: its context, Dockerfile and build "
                    f"arguments are those of {base}'s last build"
                )
                decisions.append(ImageDecision(service.name, "reuse", reason, before.ref))
                services.append(_with_image(service, build=False, ref=before.ref))
                continue
            why = (
                f"{base} has no build of it yet"
                if before is None
                else f"the pull request changes its build inputs ({base} runs {before.ref})"
            )
            reason = f"building from the pull request's checkout as tag {tag}: {why}"
            decisions.append(ImageDecision(service.name, "build", reason))
            services.append(_with_image(service, tag=tag))
        elif before is not None:
            reason = (
                f"reusing {base}'s image {before.ref}: the cluster builder builds it from the "
                "service's own repository, which this pull request does not change"
            )
            decisions.append(ImageDecision(service.name, "reuse", reason, before.ref))
            services.append(_with_image(service, build=False, ref=before.ref))
        elif _has_context(service, ctx):
            reason = (
                f"building its context folder locally as tag {tag}: {base} has no image of it "
                "yet (the cluster builder builds from the service's repository)"
            )
            decisions.append(ImageDecision(service.name, "build", reason))
            services.append(_with_image(service, tag=tag, builder="local"))
        else:
            registry = spec.project.images.registry if spec.project.images else ""
            ref = f"{registry.rstrip('/')}/{service.name}:{tag}"
            reason = (
                f"no image: {base} has built none yet and its code is not in this checkout; "
                f"it runs {ref}, which nothing here builds"
            )
            decisions.append(ImageDecision(service.name, "untracked", reason, ref))
            services.append(_with_image(service, build=False, ref=ref))
    return dataclasses.replace(spec, services=tuple(services)), decisions
