"""`gmac build SERVICE --env ENV`: what apply does for one service's image, for a person.

With `--push` (the default) it is an apply limited to the service's image: the specs
validated, the actor authorized as for an apply, the registry credentials from the run's
secret values, then the engine's preview and an update targeting only the Image (and, for
the cluster builder, the repository it builds from), under the stack's lock. The state then
holds the new digest, so the next `gmac plan` shows exactly one change: the Deployment's
image. When the build's inputs have not changed, nothing is built and the recorded image is
the answer. The build itself runs in the engine's plugin process; its output and its stages
come back through its log (gmac.providers' BuildLog), followed here while the engine runs.

With `--no-push` nothing touches the state or the registry: buildah builds the context
folder into its local storage, to try a Dockerfile.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from components.context import CompileContext
from components.image import build_log, builder_of, builds_image, local_inputs
from gmac.app.operations import ProgressListener, RunRequest
from gmac.app.operations.run import PreparedRun, prepare
from gmac.clients.buildah import Buildah, BuildSpec
from gmac.engine.steps import StepRecord
from gmac.errors import EngineError, ImageBuildError, UsageError
from gmac.models import Service
from gmac.providers import INPUTS_LABEL, STAGE_PREFIX, BuildOutcome, read_outcome
from gmac.suggest import did_you_mean
from gmac.validate import Spec, validate_directory

Sink = Callable[[str], None]
_IMAGE_TYPE = "gmac:index:Image"
_REPOSITORY_TYPE = "gmac:index:Repository"
_POLL_SECONDS = 0.2
_STEP = re.compile(r"^(\[\d+/\d+\] )?STEP \d+/\d+: ")  # buildah's line for each Dockerfile step


@dataclass(frozen=True)
class BuildRequest:
    specs: Path
    env: str
    service: str
    push: bool = True
    on_stage: Sink | None = None  # a line per stage of the build
    on_output: Sink | None = None  # the build's own output, as it comes
    listener: ProgressListener | None = None  # the engine's resource steps


@dataclass(frozen=True)
class BuildResult:
    """status: `built`, `reused` (the registry had it), `unchanged` (the state has it, its
    inputs are the same), `built locally` (`--no-push`)."""

    service: str
    env: str
    builder: str
    status: str
    image: str
    tag: str = ""
    ref: str = ""
    digest: str = ""
    size: int = 0
    seconds: float = 0.0
    pushed: bool = True
    log: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build(request: BuildRequest) -> BuildResult:
    started = time.monotonic()
    if not request.push:
        return _build_locally(request, started)
    run = prepare(RunRequest(request.specs, request.env, listener=request.listener), "apply")
    service = _service(run.spec, request.service)
    ctx = CompileContext(run.spec)
    builder = builder_of(service, run.spec.project)
    if not builds_image(service, ctx):
        if builder == "cluster":
            raise UsageError(
                f"service '{service.name}' is built by the cluster builder, which needs "
                f"'{request.env}' to have live integrations, a cluster and the service's "
                "repo; try the Dockerfile here with --no-push"
            )
        raise UsageError(
            f"environment '{request.env}' builds no images: set build_images: true on it "
            "(it defaults to live integrations and a cluster), or try the Dockerfile with "
            "--no-push"
        )
    log = build_log(ctx, service.name)
    with run.session.exclusive("build"):
        previewed = run.call(run.session.preview)
        targets = image_urns(previewed.steps, service.name, builder)
        changing = [s for s in previewed.steps if s.urn in targets and s.op not in ("same", "read")]
        if not changing:
            _stage(request, f"{service.name}: its build inputs are unchanged: nothing to build")
            return _recorded(run, service, builder, status="unchanged", started=started)
        log.unlink(missing_ok=True)
        with _following(log, request):
            try:
                run.call(run.session.up, sorted(targets))
            except EngineError:
                outcome = read_outcome(log)
                if outcome is not None and outcome.status == "failed":
                    raise _failure(outcome) from None
                raise
    outcome = read_outcome(log)
    status = outcome.status if outcome is not None else "built"
    return _recorded(
        run, service, builder, status=status, started=started, log=log if outcome else None
    )


def image_urns(steps: Sequence[StepRecord], service: str, builder: str) -> set[str]:
    """The Image component of `service` and what is under it; for the cluster builder also
    the repository it builds from (a target's dependencies must be targets too)."""
    kinds = {_IMAGE_TYPE} | ({_REPOSITORY_TYPE} if builder == "cluster" else set())
    tops = {s.urn for s in steps if s.type in kinds and s.urn.rsplit("::", 1)[-1] == service}
    if not any(s.type == _IMAGE_TYPE for s in steps if s.urn in tops):
        raise UsageError(f"service '{service}' has no image build in this environment")
    parents = {s.urn: s.parent for s in steps}

    def under(urn: str | None) -> bool:
        seen: set[str] = set()
        while urn and urn not in seen:
            if urn in tops:
                return True
            seen.add(urn)
            urn = parents.get(urn)
        return False

    return {urn for urn in parents if under(urn)}


def _service(spec: Spec, name: str) -> Service:
    names = [service.name for service in spec.services]
    if name not in names:
        raise UsageError(
            f"no service '{name}' in environment '{spec.env}'{did_you_mean(name, names)}"
        )
    service = spec.service(name)
    if service.image is None or not service.image.build:
        raise UsageError(f"service '{name}' builds no image (its spec has no image.build)")
    return service


def _stage(request: BuildRequest, text: str) -> None:
    if request.on_stage is not None:
        request.on_stage(text)


def _failure(outcome: BuildOutcome) -> ImageBuildError:
    return ImageBuildError(
        outcome.service,
        outcome.what,
        cause=outcome.cause,
        hint=outcome.hint,
        output=tuple(outcome.output),
    )


def _recorded(
    run: PreparedRun,
    service: Service,
    builder: str,
    *,
    status: str,
    started: float,
    log: Path | None = None,
) -> BuildResult:
    """The build's outputs as the state now holds them."""
    outputs = state_outputs(run, f"{service.name}-build")
    return BuildResult(
        service=service.name,
        env=run.env,
        builder=builder,
        status=status,
        image=str(outputs.get("image", "")),
        tag=str(outputs.get("tag", "")),
        ref=str(outputs.get("ref", "")),
        digest=str(outputs.get("digest", "")),
        size=int(outputs.get("size") or 0),
        seconds=round(time.monotonic() - started, 1),
        log=str(log or ""),
    )


def state_outputs(run: PreparedRun, name: str) -> dict[str, Any]:
    """The outputs of the dynamic resource `name` in the stack's state (empty if none)."""
    deployment = run.session.stack().export_stack().deployment or {}
    for resource in deployment.get("resources", []) if isinstance(deployment, dict) else []:
        urn = str(resource.get("urn", ""))
        if urn.rsplit("::", 1)[-1] == name and "dynamic" in str(resource.get("type", "")):
            outputs = resource.get("outputs") or {}
            # Only plain values: a secret output is an encrypted object, and never needed.
            return {k: v for k, v in outputs.items() if not isinstance(v, dict | list)}
    return {}


# Following the build's log -------------------------------------------------------------------


def dispatch(line: str, request: BuildRequest) -> None:
    """A stage line (gmac's own, or a Dockerfile step) to `on_stage`, the rest to `on_output`."""
    if line.startswith(STAGE_PREFIX):
        _stage(request, line.removeprefix(STAGE_PREFIX))
    elif _STEP.match(line):
        _stage(request, f"{request.service}: {line}")
    elif request.on_output is not None:
        request.on_output(line)


@contextmanager
def _following(log: Path, request: BuildRequest) -> Iterator[None]:
    """Reads what the build appends to `log` while the body runs, a line at a time."""
    done = threading.Event()

    def follow() -> None:
        position = 0
        pending = ""
        while True:
            finished = done.is_set()
            try:
                with log.open(encoding="utf-8", errors="replace") as handle:
                    handle.seek(position)
                    chunk = handle.read()
                    position = handle.tell()
            except FileNotFoundError:
                chunk = ""
            pending += chunk
            *lines, pending = pending.split("\n")
            for line in lines:
                dispatch(line, request)
            if finished:
                if pending:
                    dispatch(pending, request)
                return
            done.wait(_POLL_SECONDS)

    thread = threading.Thread(target=follow, name="gmac-build-log", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


# --no-push ------------------------------------------------------------------------------------


def _build_locally(request: BuildRequest, started: float) -> BuildResult:
    spec = validate_directory(request.specs, request.env)[request.env]
    service = _service(spec, request.service)
    ctx = CompileContext(spec)
    found = local_inputs(service, ctx)
    images = spec.project.images
    if images is None:
        raise UsageError("building an image needs the project's 'images.registry'")
    image = f"{images.registry.rstrip('/')}/{service.name}"
    assert service.image is not None
    name = f"{image}:{found.tag}"
    _stage(request, f"{service.name}: building {found.context} ({found.dockerfile.name}) locally")
    labels = {INPUTS_LABEL: found.inputs}
    build_spec = BuildSpec(found.context, found.dockerfile, name, service.image.build_args, labels)
    buildah = Buildah.found()
    buildah.build(service.name, build_spec, lambda line: dispatch(line, request))
    _stage(request, f"{service.name}: built {name} into buildah's local storage, not pushed")
    return BuildResult(
        service=service.name,
        env=request.env,
        builder="local",
        status="built locally",
        image=image,
        tag=found.tag,
        ref=name,
        seconds=round(time.monotonic() - started, 1),
        pushed=False,
    )
