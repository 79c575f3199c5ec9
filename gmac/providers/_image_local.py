"""Image builds where gmac runs: buildah, daemonless, pushing to the project's registry.

`create` and `update` build the context folder with its Dockerfile (`gmac.clients.buildah`),
push `image:tag`, and return `image@sha256:...`, the reference a Deployment runs. The inputs
that decide the result (the context's digest, the Dockerfile's, the build arguments: one
`inputs` digest, computed at compile time) are the diff: when they, the image name and the
tag are unchanged, nothing is built and the digest in the state stays. Before building, the
registry is asked whether `image:tag` already holds an image with these inputs (its
`io.gmac.build.inputs` label): a build pushed by `gmac build`, or by a run that was killed
before it saved its state, is then recorded without building it again.

Credentials (`username`, `password`: the secret named by `images.credentials`) are a
secret input; buildah gets them in an auth file, the registry client in a header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from gmac.clients.buildah import Buildah, BuildSpec, Credentials, auth_file
from gmac.clients.registry import Registry, has_manifest, registry_parts
from gmac.errors import ImageBuildError, IntegrationError, ToolchainMissingError
from gmac.providers._base import Props, compare, outputs, published, secret_options
from gmac.providers._build_log import BuildLog, BuildOutcome

INPUTS_LABEL = "io.gmac.build.inputs"
REVISION_LABEL = "org.opencontainers.image.revision"
_KEPT = ("ref", "digest", "size")


def registry_of(p: Props) -> Registry:
    host, _ = registry_parts(p.text("image"))
    return Registry(host, p.text("username"), p.text("password"), p.text("credential"))


def _registry_failure(service: str, error: IntegrationError) -> ImageBuildError:
    text = str(error).removeprefix("registry: ")
    if error.status in (401, 403):
        return ImageBuildError(service, f"registry {text}", cause="credentials")
    return ImageBuildError(service, f"registry unreachable: {text}", cause="registry")


@published
class LocalImageBuildProvider(ResourceProvider):
    """An image built by buildah where gmac runs (see the module docs)."""

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        # Where the files are, the log, the revision label: none changes what is built.
        return compare(olds, news, update=("image", "tag", "inputs"), credentials=("password",))

    def create(self, props: dict[str, Any]) -> CreateResult:
        p = Props(props)
        return CreateResult(f"{p.text('image')}:{p.text('tag')}", build(p))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        old, new = Props(olds), Props(news)
        same = all(old.text(k) == new.text(k) for k in ("image", "tag", "inputs"))
        if same and old.text("digest"):
            return UpdateResult(outputs(new, **{k: old.raw.get(k) for k in _KEPT}))
        return UpdateResult(build(new))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Whether the registry still has the digest; when it cannot say, the stored state."""
        p = Props(props)
        digest = p.text("digest")
        found = has_manifest(p.text("image"), digest, p.text("username"), p.text("password"))
        if digest and found is False:
            return ReadResult(None, {})
        return ReadResult(id_, p.raw)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Pushed images stay in the registry: a rollback may want them."""


def build(p: Props) -> dict[str, Any]:
    """Builds and pushes (or finds in the registry) the image of `p`; its outputs."""
    service, image, tag = p.text("service"), p.text("image"), p.text("tag")
    log = BuildLog(p.text("log"))
    try:
        result = _build(p, log)
    except (ImageBuildError, ToolchainMissingError) as error:
        failure = (
            error
            if isinstance(error, ImageBuildError)
            else ImageBuildError(service, str(error), cause="builder")
        )
        if log.path is not None and failure.output and not failure.hint:
            failure = failure.with_hint(service, f"its whole output: {log.path}")
        log.stage(f"{service}: failed: {failure.first_line}")
        log.finish(
            BuildOutcome(
                "failed",
                service,
                image,
                tag,
                seconds=log.elapsed(),
                error=str(failure),
                cause=failure.cause,
                what=failure.what,
                hint=failure.hint,
                output=failure.output,
            )
        )
        raise failure from None
    reused = result.pop("reused")
    log.finish(
        BuildOutcome(
            "reused" if reused else "built",
            service,
            image,
            tag,
            ref=result["ref"],
            digest=result["digest"],
            size=result["size"],
            seconds=log.elapsed(),
        )
    )
    return outputs(p, **result)


def _build(p: Props, log: BuildLog) -> dict[str, Any]:
    service, image, tag, inputs = (p.text(k) for k in ("service", "image", "tag", "inputs"))
    context, dockerfile = Path(p.text("context")), Path(p.text("dockerfile"))
    if not dockerfile.is_file():
        raise ImageBuildError(
            service,
            f"no Dockerfile at {dockerfile}",
            cause="dockerfile",
            hint="check image.dockerfile (relative to the build context)",
        )
    registry = registry_of(p)
    _, path = registry_parts(image)
    log.stage(f"{service}: asking {registry.host} for {image}:{tag}")
    try:
        registry.check()
        labels = registry.labels(path, tag)
    except IntegrationError as error:
        raise _registry_failure(service, error) from None
    if labels is not None and labels.get(INPUTS_LABEL) == inputs:
        manifest = registry.manifest(path, tag)
        if manifest is not None:
            log.stage(f"{service}: {image}:{tag} is in the registry with these inputs: not rebuilt")
            ref = f"{image}@{manifest.digest}"
            return {"ref": ref, "digest": manifest.digest, "size": manifest.size, "reused": True}
    buildah = Buildah.found()
    name = f"{image}:{tag}"
    labels = {INPUTS_LABEL: inputs}
    if p.text("revision"):
        labels[REVISION_LABEL] = p.text("revision")
    credentials = (
        Credentials(p.text("username"), p.text("password")) if p.text("password") else None
    )
    spec = BuildSpec(context, dockerfile, name, p.mapping("build_args"), labels)
    with auth_file(registry.host, credentials) as auth:
        log.stage(f"{service}: building {context} ({dockerfile.name}) with buildah")
        buildah.build(service, spec, log.line, auth)
        log.stage(f"{service}: pushing {name}")
        try:
            digest = buildah.push(service, name, name, log.line, auth)
        finally:
            buildah.remove(name)
    manifest = registry.manifest(path, digest)
    size = manifest.size if manifest is not None else 0
    log.stage(f"{service}: pushed {image}@{digest} ({size} bytes)")
    return {"ref": f"{image}@{digest}", "digest": digest, "size": size, "reused": False}


class LocalImageBuild(Resource, module="image", name="LocalBuild"):
    """An image built by buildah where gmac runs (see `LocalImageBuildProvider`); `ref` is
    `image@sha256:...`."""

    ref: pulumi.Output[str]
    digest: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        service: str,
        image: str,
        tag: str,
        context: str,
        dockerfile: str,
        inputs: str,
        build_args: dict[str, str],
        username: str,
        password: pulumi.Input[str],
        credential: str = "",
        revision: str = "",
        log: str = "",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "service": service,
            "image": image,
            "tag": tag,
            "context": context,
            "dockerfile": dockerfile,
            "inputs": inputs,
            "build_args": build_args,
            "username": username,
            "password": password,
            "credential": credential,
            "revision": revision,
            "log": log,
            "ref": None,
            "digest": None,
            "size": None,
        }
        super().__init__(
            LocalImageBuildProvider(), resource_name, props, secret_options(opts, "password")
        )
