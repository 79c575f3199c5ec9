"""A local Kubernetes control plane for users and tests (`gmac dev cluster up|down`).

    install(progress) -> Binaries      build kube-apiserver & co. from Go modules, cached
    find() -> Binaries | None          the cache when complete; never builds
    up(state_dir, binaries) -> ControlPlane     start it in the background, wait until ready
    down(state_dir) -> list[str]       stop what `up` started (from any process)
    ControlPlane(state_dir, binaries).start() / .stop()   the same, owned by one process

There are no kubelets: kwok plays one node and makes pods Ready, and reports an address for
each Ingress as an ingress controller would, so Deployments, Services and Ingresses become
ready the way they do in a real cluster. Every failure is a ClusterError (gmac.errors).

    _build            the binaries, CRDs and kwok stages, built into ~/.cache/gmac/cluster
    _certs, _kubeconfig   the PKI and the kubeconfigs made from it
    _layout           where a plane keeps its files under its state folder
    _command_lines    each component's flags
    _processes        spawning, recognising and stopping one process
    _state            cluster.json: what runs, for `down` from another process
    _api              the admin's calls to the API server (gmac.clients.kubernetes)
    _objects          the CRDs and the fake node, and the reads waited on
    _control_plane    ControlPlane: starting in order, waiting until ready, stopping
"""

from __future__ import annotations

from pathlib import Path

from gmac.dev.cluster._build import (
    BINARIES,
    KINE_VERSION,
    KUBERNETES_VERSION,
    KWOK_VERSION,
    PROMETHEUS_OPERATOR_VERSION,
    Binaries,
    disk_usage,
    find,
    install,
    version_dir,
)
from gmac.dev.cluster._control_plane import ControlPlane
from gmac.dev.cluster._kubeconfig import CONTEXT
from gmac.dev.cluster._objects import NODE_NAME
from gmac.dev.cluster._processes import port_open
from gmac.dev.cluster._state import Progress, read_state, recorded_processes, stop_recorded
from gmac.errors import ClusterError

DEFAULT_STATE_DIR = Path(".gmac") / "cluster"


def _print(line: str) -> None:
    print(line)


def up(
    state_dir: Path, binaries: Binaries, *, port: int = 0, progress: Progress = _print
) -> ControlPlane | None:
    """Start the plane in the background, or None when it already runs and is ready.

    Port 0 reuses the port of the last run when it is free, else picks a free one.
    """
    if recorded_processes(state_dir):
        state = read_state(state_dir) or {}
        api = int(state.get("ports", {}).get("api", 0))
        if len(recorded_processes(state_dir)) == len(BINARIES) and api and port_open(api):
            return None
        progress("some components of the last run are gone: restarting all of them")
        stop_recorded(state_dir, progress)
    if port == 0:
        last = int((read_state(state_dir) or {}).get("ports", {}).get("api", 0))
        port = last if last and not port_open(last) else 0
    return ControlPlane(state_dir, binaries, api_port=port, progress=progress).start()


def down(state_dir: Path, progress: Progress = _print) -> list[str]:
    return stop_recorded(state_dir, progress)


__all__ = [
    "CONTEXT",
    "DEFAULT_STATE_DIR",
    "KINE_VERSION",
    "KUBERNETES_VERSION",
    "KWOK_VERSION",
    "NODE_NAME",
    "PROMETHEUS_OPERATOR_VERSION",
    "Binaries",
    "ClusterError",
    "ControlPlane",
    "disk_usage",
    "down",
    "find",
    "install",
    "read_state",
    "up",
    "version_dir",
]
