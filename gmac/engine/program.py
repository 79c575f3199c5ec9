"""The inline Pulumi program: a Kubernetes provider for the environment, then the compiler.

The program's own imports (Pulumi's Kubernetes SDK, the components, the compiler: most of a
plan's start-up) are made when the program runs, in the engine's language-server thread, as
a hand-written inline program makes them: by then the engine's CLI is starting in a process
of its own, so the two overlap instead of one waiting for the other.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gmac.errors import GmacError

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

    from components.context import CompileContext

FIELD_MANAGER = "gmac"


def kubernetes_provider(ctx: CompileContext, root: Path) -> k8s.Provider:
    """Render manifests to a folder, or apply them to a cluster with server-side apply.

    ConfigMaps and Secrets are updated in place. By default the provider replaces them on
    any change, and since they keep a fixed name (deleted before they are created again),
    the engine then also replaces every Deployment reading them: an env value edit would
    delete and recreate the service. Pods still roll on an env change: the Deployment
    carries a hash of the env in an annotation.
    """
    import pulumi_kubernetes as k8s  # noqa: PLC0415 (see the module's docstring)

    target = ctx.environment.kubernetes
    if target.render_to is not None:
        return k8s.Provider(
            "kubernetes",
            render_yaml_to_directory=str((root / target.render_to).resolve()),
            namespace=ctx.namespace,
            enable_config_map_mutable=True,
            enable_secret_mutable=True,
        )
    return k8s.Provider(
        "kubernetes",
        context=target.context,
        kubeconfig=target.kubeconfig,
        namespace=ctx.namespace,
        enable_server_side_apply=True,
        enable_config_map_mutable=True,
        enable_secret_mutable=True,
    )


def make_program(ctx: CompileContext, root: Path, failures: list[GmacError]) -> Callable[[], None]:
    """The program for `ctx`. A GmacError raised while compiling is kept in `failures`, so
    the caller can report it as itself rather than as the engine's wrapped text."""

    def program() -> None:
        # Imported here: see the module's docstring.
        import pulumi  # noqa: PLC0415
        from pulumi.runtime import register_stack_transformation  # noqa: PLC0415

        from gmac.compile import compile_spec  # noqa: PLC0415
        from gmac.engine.field_manager import field_manager_transformation  # noqa: PLC0415
        from gmac.engine.outputs import ENVIRONMENT, export_state_secrets  # noqa: PLC0415

        try:
            if ctx.environment.kubernetes.render_to is None:
                register_stack_transformation(field_manager_transformation(FIELD_MANAGER))
            provider = kubernetes_provider(ctx, root)
            compiled = compile_spec(ctx, kubernetes=provider)
        except GmacError as error:
            failures.append(error)
            raise
        pulumi.export(ENVIRONMENT, ctx.env)
        dates = compiled.secrets.created if compiled.secrets is not None else {}
        export_state_secrets(compiled.state_values, dates)

    return program
