"""The inline Pulumi program: a Kubernetes provider for the environment, then the compiler."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from gmac.compile import compile_spec
from gmac.compile.context import CompileContext
from gmac.errors import GmacError

FIELD_MANAGER = "gmac"


def kubernetes_provider(ctx: CompileContext, root: Path) -> k8s.Provider:
    """Render manifests to a folder, or apply them to a cluster with server-side apply."""
    target = ctx.environment.kubernetes
    if target.render_to is not None:
        return k8s.Provider(
            "kubernetes",
            render_yaml_to_directory=str((root / target.render_to).resolve()),
            namespace=ctx.namespace,
        )
    return k8s.Provider(
        "kubernetes",
        context=target.context,
        kubeconfig=target.kubeconfig,
        namespace=ctx.namespace,
        enable_server_side_apply=True,
    )


def make_program(ctx: CompileContext, root: Path, failures: list[GmacError]) -> Callable[[], None]:
    """The program for `ctx`. A GmacError raised while compiling is kept in `failures`, so
    the caller can report it as itself rather than as the engine's wrapped text."""

    def program() -> None:
        try:
            provider = kubernetes_provider(ctx, root)
            compile_spec(ctx, kubernetes=provider)
        except GmacError as error:
            failures.append(error)
            raise
        pulumi.export("environment", ctx.env)

    return program
