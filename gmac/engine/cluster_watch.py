"""Watching the cluster while an apply runs.

When the API server goes away in the middle of an apply, the Kubernetes provider does not
fail: its readiness checks retry until their timeout (ten minutes per Deployment, Service,
Ingress). So while `up` runs, a thread connects to the API server every few seconds; after
`MISSES` failures in a row it interrupts the Pulumi CLI once, which cancels the steps in
flight cleanly (the provider records what it created, the state is saved, the lock released),
and the apply fails at once with an error that says what happened and what to do.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from gmac.errors import EngineError, GmacError
from gmac.models.project import KubernetesTarget

INTERVAL = 2.0  # seconds between two connection attempts
MISSES = 5  # failures in a row before the run is cancelled: a restart of a few seconds is fine
ENGINE_BINARY = "pulumi"


def _kubeconfig(target: KubernetesTarget, root: Path) -> dict[str, Any] | None:
    """The kubeconfig the provider reads: the target's path or text, else $KUBECONFIG (first
    file), else ~/.kube/config."""
    text: str | None = None
    if target.kubeconfig is not None:
        text = target.kubeconfig  # the provider takes a path or the file's content
        with contextlib.suppress(OSError):  # content is no file name (too long, ...)
            path = root / target.kubeconfig
            if path.is_file():
                text = path.read_text()
    else:
        env = os.environ.get("KUBECONFIG", "")
        first = env.split(os.pathsep)[0] if env else str(Path.home() / ".kube" / "config")
        with contextlib.suppress(OSError):
            text = Path(first).read_text()
    if text is None:
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def api_server(target: KubernetesTarget, root: Path) -> tuple[str, int] | None:
    """Host and port of the API server the environment's context names, if it can be told."""
    config = _kubeconfig(target, root)
    if config is None:
        return None
    try:
        context_name = target.context or config.get("current-context")
        contexts = {c.get("name"): c.get("context", {}) for c in config.get("contexts") or []}
        clusters = {c.get("name"): c.get("cluster", {}) for c in config.get("clusters") or []}
        cluster = clusters.get(contexts.get(context_name, {}).get("cluster"))
        server = (cluster or {}).get("server")
        url = urlsplit(server) if isinstance(server, str) else None
        if url is None or url.hostname is None:
            return None
        return url.hostname, url.port or (443 if url.scheme == "https" else 80)
    except (AttributeError, TypeError, ValueError):
        return None  # not a kubeconfig gmac can read: the provider will say what is wrong


def _engine_children() -> list[int]:
    """Pulumi CLI processes that are children of this process."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            exe = (entry / "exe").readlink()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[-1].split()[1])
        if parent == me and exe.name == ENGINE_BINARY:
            found.append(int(entry.name))
    return found


class ClusterWatch:
    def __init__(self, address: tuple[str, int], interval: float = INTERVAL) -> None:
        self.address = address
        self.interval = interval
        self.lost: str | None = None
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
                    for pid in _engine_children():
                        with contextlib.suppress(ProcessLookupError):
                            os.kill(pid, signal.SIGINT)  # once: cancel cleanly
                    return


@contextlib.contextmanager
def cluster_watch(target: KubernetesTarget, root: Path, env: str) -> Iterator[None]:
    """Run the body with the cluster watched; an engine error after the cluster went away
    becomes one that says so."""
    address = api_server(target, root) if target.render_to is None else None
    if address is None:
        yield
        return
    watch = ClusterWatch(address)
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
