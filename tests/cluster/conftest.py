"""A real control plane for the session (kine, kube-apiserver, kube-controller-manager,
kube-scheduler, kwok on free 127.0.0.1 ports), and projects that apply to it.

Each test gets its own copy of specs/, Pulumi.yaml and stacks/, whose `staging` and
`production` environments point at the session's kubeconfig, each in a namespace of its own
(tests share the cluster, never a namespace), with integrations offline (no Stripe, Gitea or
Turso is called; every Kubernetes object is still compiled and applied).

Without the binaries (`scripts/install-cluster`) or the Pulumi toolchain (`gmac toolchain
install`) the tests are skipped; in CI a skip is a failure (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes
import pytest

from gmac.dev.cluster import ControlPlane
from gmac.dev.cluster import find as find_binaries
from tests.cluster._project import Project, make_project
from tests.real import require, require_toolchain


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControlPlane]:
    binaries = require(find_binaries(), "the control plane", "run scripts/install-cluster")
    require_toolchain()
    plane = ControlPlane(tmp_path_factory.mktemp("control-plane"), binaries)
    plane.start()
    started = _identities(plane)
    try:
        yield plane
    finally:
        started.update(_identities(plane))  # tests restart components: the last ones too
        plane.stop()
        left = [name for name, (pid, since) in started.items() if _started_at(pid) == since]
        assert not left, f"processes left running: {', '.join(left)}"


def _identities(plane: ControlPlane) -> dict[str, tuple[int, str | None]]:
    """Each running component's pid and start time: a pid alone may be another process's
    by the end of a long run (pids wrap at 32,768 here)."""
    return {
        f"{run.name} (pid {run.pid})": (run.pid, _started_at(run.pid))
        for run in plane.running.values()
    }


def _started_at(pid: int) -> str | None:
    """The start time of the live (not zombie) process `pid`, in clock ticks; None if none."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else fields[19]


@pytest.fixture(scope="session")
def kube(control_plane: ControlPlane) -> Iterator[Any]:
    """A `kubernetes.client.ApiClient` for the session's cluster, as its admin."""
    api = kubernetes.config.new_client_from_config(
        config_file=str(control_plane.kubeconfig), context=control_plane.context
    )
    try:
        yield api
    finally:
        api.close()


@pytest.fixture
def project(tmp_path: Path, control_plane: ControlPlane) -> Project:
    return make_project(tmp_path, control_plane)
