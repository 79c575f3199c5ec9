"""Image: a service's container image, built, pushed, and run by its digest.

Decisions worth knowing (docs/image-builds.md):

- Two builders, one component: `local` (buildah where gmac runs, from the context folder,
  `LocalImageBuild`) and `cluster` (a rootless BuildKit Job in the environment's cluster,
  from the repository at the head of its default branch, `ImageBuild`). `image.builder`
  picks one, the project's `images.builder` by default.
- `ref` is `{images.registry}/{service}@sha256:...`: a Deployment runs exactly what was
  pushed, a new build is a plan that changes that digest, a rollback a plan like any other.
- A build runs only when its inputs change: for `local` one digest over the context's
  files (less `.dockerignore`), the Dockerfile and the build arguments, computed here at
  compile time; for `cluster` the commit and the Dockerfile's path.
- The local builder pushes the tag `image.tag` (previews: `pr-N`), else `ctx-` and the
  first twelve hex digits of the inputs' digest; the cluster builder the commit's twelve.
- An environment builds images when `build_images` says so, by default when its
  integrations are live and it deploys to a cluster (`builds_image`); elsewhere the Service
  runs the tag a build pushes (`{images.registry}/{service}:{env}`) or the prebuilt
  `image.ref`. An environment that renders manifests to files may build too
  (`build_images: true`): the files then name the digest.

Child: `{name}-build`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components._integrations import secret_input
from components.context import CompileContext
from components.repository import Repository
from gmac.clients.build_context import (
    context_digest,
    file_digest,
    inputs_digest,
    source_revision,
)
from gmac.errors import ImageBuildError, IntegrationError, UsageError
from gmac.models import Project, Service
from gmac.providers import DEFAULT_BUILDER_IMAGE, ImageBuild, LocalImageBuild

TYPE = "gmac:index:Image"
REGISTRY_SECRET = "gmac-registry"
"""The `kubernetes.io/dockerconfigjson` Secret in the namespace that the cluster build pushes
with when the project names no `images.credentials`."""
BUILDER_IMAGE_VARIABLE = "GMAC_BUILDKIT_IMAGE"
BUILD_LOGS = Path(".gmac") / "builds"


def builder_of(service: Service, project: Project) -> str:
    if service.image is not None and service.image.builder is not None:
        return service.image.builder
    return project.images.builder if project.images is not None else "local"


def builds_image(service: Service, ctx: CompileContext) -> bool:
    """Whether `ctx`'s environment builds the image of `service` (see the module docs).

    The cluster builder also needs the environment to reach the cluster and the service's
    repository (live integrations); the local builder needs nothing but buildah.
    """
    if service.image is None or not service.image.build:
        return False
    environment = ctx.environment
    on_cluster = environment.kubernetes.context is not None
    wanted = environment.build_images
    if wanted is None:
        wanted = on_cluster and not ctx.offline
    if builder_of(service, ctx.project) == "cluster":
        return wanted and on_cluster and not ctx.offline and service.repo is not None
    return wanted


def build_log(ctx: CompileContext, service: str) -> Path:
    """Where the build of `service` writes its output (gmac.providers' BuildLog)."""
    return (ctx.spec.root or Path.cwd()).resolve() / BUILD_LOGS / ctx.env / f"{service}.log"


@dataclass(frozen=True)
class LocalInputs:
    """What a local build reads, and the one digest over it."""

    context: Path
    dockerfile: Path
    inputs: str
    tag: str
    revision: str


def local_inputs(service: Service, ctx: CompileContext) -> LocalInputs:
    """The context folder (`image.context`, else `repo.initial_files`, else
    `services/{name}`, relative to the project root), its Dockerfile and their digest."""
    spec = service.image
    assert spec is not None
    folder = spec.context or (service.repo.initial_files if service.repo else None)
    relative = folder or f"services/{service.name}"
    root = (ctx.spec.root or Path.cwd()).resolve()
    context = root / relative
    if not context.is_dir():
        raise UsageError(
            f"service '{service.name}': no build context folder '{relative}' under {root}: "
            "set image.context (relative to the project root)"
        )
    dockerfile = context / spec.dockerfile
    if not dockerfile.is_file():
        raise ImageBuildError(
            service.name,
            f"no Dockerfile at {relative}/{spec.dockerfile}",
            cause="dockerfile",
            hint="add one, or set image.dockerfile (relative to the build context)",
        )
    inputs = inputs_digest(context_digest(context), file_digest(dockerfile), spec.build_args)
    tag = spec.tag or f"ctx-{inputs.removeprefix('sha256:')[:12]}"
    return LocalInputs(context, dockerfile, inputs, tag, source_revision(context))


class Image(pulumi.ComponentResource):
    """`{images.registry}/{service}`, built by the service's builder and pushed; `ref` is
    `image@sha256:...` (see the module docs). A service with a prebuilt `image.ref` builds
    nothing: `ref` is that reference."""

    ref: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service: Service,
        ctx: CompileContext,
        repository: Repository | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = service.image
        if spec is None or not spec.build:
            self.ref = pulumi.Output.from_input(spec.ref if spec and spec.ref else "")
            self.register_outputs({"ref": self.ref})
            return
        images = ctx.project.images
        if images is None:
            raise IntegrationError(
                "image",
                f"service '{service.name}' builds an image but the project has no registry",
                hint="add images: {registry: ...} to the project",
            )
        image = f"{images.registry.rstrip('/')}/{service.name}"
        credentials = images.credentials
        password = secret_input(ctx, credentials.secret if credentials else "")
        username = credentials.username if credentials else ""
        child = pulumi.ResourceOptions(parent=self)
        if builder_of(service, ctx.project) == "local":
            found = local_inputs(service, ctx)
            self.build: ImageBuild | LocalImageBuild = LocalImageBuild(
                f"{name}-build",
                service=service.name,
                image=image,
                tag=found.tag,
                context=str(found.context),
                dockerfile=str(found.dockerfile),
                inputs=found.inputs,
                build_args=dict(spec.build_args),
                username=username,
                password=password,
                credential=credentials.secret if credentials else "",
                revision=found.revision,
                log=str(build_log(ctx, service.name)),
                opts=child,
            )
        else:
            self.build = self._in_cluster(
                name=name, service=service, ctx=ctx, repository=repository, image=image, opts=child
            )
        self.ref = self.build.ref
        self.register_outputs({"ref": self.ref})

    @staticmethod
    def _in_cluster(
        *,
        name: str,
        service: Service,
        ctx: CompileContext,
        repository: Repository | None,
        image: str,
        opts: pulumi.ResourceOptions,
    ) -> ImageBuild:
        kubernetes = ctx.environment.kubernetes
        if kubernetes.context is None:
            raise IntegrationError(
                "image",
                f"images are built in the cluster, and environment '{ctx.env}' has none",
                hint="give it kubernetes.context, or make its integrations offline",
            )
        if repository is None:
            raise IntegrationError(
                "image",
                f"service '{service.name}': the cluster builder builds from the service's "
                f"repository, and environment '{ctx.env}' creates none",
                hint="use image.builder: local, or make the environment's integrations live",
            )
        assert service.image is not None
        git = ctx.project.git
        token_secret = git.credentials.secret if git is not None and git.credentials else ""
        images = ctx.project.images
        credentials = images.credentials if images is not None else None
        return ImageBuild(
            f"{name}-build",
            service=service.name,
            image=image,
            git_url=repository.clone_url,
            commit=repository.head_commit,
            git_token=secret_input(ctx, token_secret),
            namespace=ctx.namespace,
            kubeconfig=kubernetes.kubeconfig or "",
            context=kubernetes.context,
            dockerfile=service.image.dockerfile,
            registry_secret=REGISTRY_SECRET,
            registry_username=credentials.username if credentials else "",
            registry_password=secret_input(ctx, credentials.secret if credentials else ""),
            builder_image=os.environ.get(BUILDER_IMAGE_VARIABLE) or DEFAULT_BUILDER_IMAGE,
            opts=opts,
        )
