"""Watching the cluster while an apply runs.

When the API server goes away in the middle of an apply, the Kubernetes provider does not
fail: its readiness checks retry until their timeout (ten minutes per Deployment, Service,
Ingress). So while `up` runs, a thread connects to the API server every few seconds; after
`MISSES` failures in a row it interrupts the engine once (through the session's handle on
the CLI process), which cancels the steps in flight cleanly (the provider records what it
created, the state is saved, the lock released), and the apply fails at once with an error
that says what happened and what to do.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from gmac.clients.kubernetes import KubeTarget
from gmac.errors import EngineError, GmacError
from gmac.models.project import KubernetesTarget

INTERVAL = 2.0  # seconds between two connection attempts
MISSES = 5  # failures in a row before the run is cancelled: a restart of a few seconds is fine


def kube_target(target: KubernetesTarget, root: Path) -> KubeTarget:
    """The environment's `kubernetes:` section as a client target."""
    return KubeTarget(kubeconfig=target.kubeconfig, context=target.context, root=root)


class ClusterWatch:
    def __init__(
        self, address: tuple[str, int], on_lost: Callable[[], object], interval: float = INTERVAL
    ) -> None:
        self.address = address
        self.interval = interval
        self.lost: str | None = None
        self._on_lost = on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gmac-cluster-watch", daemon=True)

    def __enter__(self) -> ClusterWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        misses = 0
        while not self._stop.wait(self.interval):
            try:
                socket.create_connection(self.address, timeout=self.interval).close()
                misses = 0
            except OSError as error:
                misses += 1
                if misses >= MISSES:
                    self.lost = error.strerror or str(error)
                    self._on_lost()  # once: cancel cleanly
                    return


@contextlib.contextmanager
def cluster_watch(
    target: KubernetesTarget, root: Path, env: str, interrupt: Callable[[], object]
) -> Iterator[None]:
    """Run the body with the cluster watched, `interrupt` cancelling the engine when it goes
    away; an engine error after that becomes one that says so."""
    address = kube_target(target, root).address() if target.render_to is None else None
    if address is None:
        yield
        return
    watch = ClusterWatch(address, interrupt)
    try:
        with watch:
            yield
    except GmacError as error:
        if watch.lost is None:
            raise
        host, port = address
        raise EngineError(
            f"apply of '{env}' stopped: the Kubernetes API server at {host}:{port} stopped "
            f"answering ({watch.lost}), so the run was cancelled; the engine saved what it "
            f"had finished. Run `gmac apply --env {env}` again once the cluster is back."
        ) from error
