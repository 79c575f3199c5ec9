"""Image: a service's container image, built in the cluster from its repository."""

from __future__ import annotations

import os

import pulumi

from components._integrations import secret_input
from components.context import CompileContext
from components.repository import Repository
from gmac.errors import IntegrationError
from gmac.models import Service
from gmac.providers import DEFAULT_BUILDER_IMAGE, ImageBuild

TYPE = "gmac:index:Image"
REGISTRY_SECRET = "gmac-registry"
"""The `kubernetes.io/dockerconfigjson` Secret in the namespace that the build pushes with."""
BUILDER_IMAGE_VARIABLE = "GMAC_BUILDKIT_IMAGE"


class Image(pulumi.ComponentResource):
    """`{images.registry}/{service}`, built by a rootless BuildKit Job in the environment's
    cluster from the repository at the head of its default branch, and pushed with the tag
    `<commit[:12]>`. `ref` is `image:tag@sha256:...`; the same commit is never built twice.
    See docs/image-builds.md. Child: `{name}-build`.

    A service with a prebuilt `image.ref` builds nothing: `ref` is that reference.
    """

    ref: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        service: Service,
        ctx: CompileContext,
        repository: Repository,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        spec = service.image
        if spec is None or not spec.build:
            self.ref = pulumi.Output.from_input(spec.ref if spec and spec.ref else "")
            self.register_outputs({"ref": self.ref})
            return
        if ctx.project.images is None:
            raise IntegrationError(
                "image",
                f"service '{service.name}' builds an image but the project has no registry",
                hint="add images: {registry: ...} to the project",
            )
        kubernetes = ctx.environment.kubernetes
        if kubernetes.context is None:
            raise IntegrationError(
                "image",
                f"images are built in the cluster, and environment '{ctx.env}' has none",
                hint="give it kubernetes.context, or make its integrations offline",
            )
        git = ctx.project.git
        token_secret = git.credentials.secret if git is not None and git.credentials else ""
        self.build = ImageBuild(
            f"{name}-build",
            service=service.name,
            image=f"{ctx.project.images.registry}/{service.name}",
            git_url=repository.clone_url,
            commit=repository.head_commit,
            git_token=secret_input(ctx, token_secret),
            namespace=ctx.namespace,
            kubeconfig=kubernetes.kubeconfig or "",
            context=kubernetes.context,
            dockerfile=spec.dockerfile,
            registry_secret=REGISTRY_SECRET,
            builder_image=os.environ.get(BUILDER_IMAGE_VARIABLE) or DEFAULT_BUILDER_IMAGE,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ref = self.build.ref
        self.register_outputs({"ref": self.ref})
