"""Whether a plan's cluster can be reached, said in the plan itself.

The Kubernetes provider previews without a cluster: a kubeconfig with no such context, or an
API server that does not answer, and it plans every object as a create, which the apply then
fails to carry out. So a plan of an environment that applies to a cluster checks the two
things the apply needs first (the context in the kubeconfig, a connection to its API server)
and carries a warning naming what is missing; every rendering shows the plan's warnings.
"""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

from gmac.app.cluster_watch import kube_target
from gmac.models.project import KubernetesTarget
from gmac.plan import Plan

CONNECT_SECONDS = 3.0


def cluster_problem(target: KubernetesTarget, root: Path, env: str) -> str | None:
    """Why an apply of `env` would not reach its cluster, or None (also for an environment
    that renders manifests to files, which needs none)."""
    if target.render_to is not None:
        return None
    kube = kube_target(target, root)
    consequence = "the plan cannot see what runs there, and an apply would fail"
    problem = kube.problem()
    if problem is not None:
        return f"'{env}' cannot reach its cluster: {problem}; {consequence}"
    address = kube.address()
    if address is None:  # in a pod: the service account's API server, nothing to check here
        return None
    try:
        socket.create_connection(address, timeout=CONNECT_SECONDS).close()
    except OSError as error:
        why = error.strerror or str(error) or type(error).__name__
        return (
            f"'{env}': the API server {kube.server()} (context '{kube.context_name()}') is "
            f"unreachable ({why}); {consequence}"
        )
    return None


def with_cluster_warning(plan: Plan, target: KubernetesTarget, root: Path) -> Plan:
    """`plan`, with a warning first when its environment's cluster cannot be reached."""
    problem = cluster_problem(target, root, plan.environment)
    if problem is None:
        return plan
    return dataclasses.replace(plan, diagnostics=(problem, *plan.diagnostics))
