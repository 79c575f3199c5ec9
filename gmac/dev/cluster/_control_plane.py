"""The local control plane: kine, kube-apiserver, kube-controller-manager, kube-scheduler and
kwok on 127.0.0.1, started in order and waited on until the plane is ready.

Start order: kine (port open), the API server (`/readyz` answers ok), the CRDs (Established)
and the fake node, then the controller manager, the scheduler and kwok; the plane is ready
when the node is Ready and the `default` service account exists (the controller manager
made it). Stop order is the reverse. Where each file lives: gmac.dev.cluster._layout.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from gmac.dev.cluster._api import AdminApi, ApiCallError
from gmac.dev.cluster._build import Binaries
from gmac.dev.cluster._certs import Pki, ensure_pki
from gmac.dev.cluster._command_lines import command_line
from gmac.dev.cluster._kubeconfig import CONTEXT, kubeconfig_text, write_kubeconfig
from gmac.dev.cluster._layout import PlaneFiles, Ports
from gmac.dev.cluster._objects import (
    NODE_NAME,
    default_service_account_made,
    install_objects,
    node_ready,
)
from gmac.dev.cluster._processes import Running, free_port, log_tail, port_open, spawn, stop
from gmac.dev.cluster._resync import lease_holder, touch_pods
from gmac.dev.cluster._state import ORDER, Progress, quiet, save_state
from gmac.errors import ClusterError

READY_TIMEOUT = 90.0
PORT_ATTEMPTS = 3
# Who reaches the API server with a kubeconfig of its own; `admin` is the one users get.
KUBECONFIG_CLIENTS = ("kube-controller-manager", "kube-scheduler", "admin")


class ControlPlane:
    """One control plane under `state_dir`. `start()` brings it up, `stop()` ends every
    process it started; `stop_component`/`start_component` restart one (fault tests)."""

    def __init__(
        self,
        state_dir: Path,
        binaries: Binaries,
        *,
        api_port: int = 0,
        progress: Progress = quiet,
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.files = PlaneFiles(self.state_dir)
        self.binaries = binaries
        self.progress = progress
        self._requested_api_port = api_port
        self.ports: Ports | None = None
        self.pki: Pki | None = None
        self.running: dict[str, Running] = {}
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._api: AdminApi | None = None

    # Where it is, and how to reach it ----------------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        return self.files.kubeconfig

    @property
    def context(self) -> str:
        return CONTEXT

    @property
    def server(self) -> str:
        return f"https://127.0.0.1:{self._ports().api}"

    def _ports(self) -> Ports:
        if self.ports is None:
            raise ClusterError("the control plane has not been started")
        return self.ports

    def _pki(self) -> Pki:
        if self.pki is None:
            raise ClusterError("the control plane has not been started")
        return self.pki

    def client(self) -> AdminApi:
        """The admin's calls to the API server, through the kubeconfig `start()` wrote."""
        if self._api is None:
            self._ports()
            self._api = AdminApi(self.kubeconfig)
        return self._api

    # Start and stop -----------------------------------------------------------------------

    def start(self) -> ControlPlane:
        """Start every component and wait until the plane is ready; on failure, stop
        whatever was started and raise ClusterError with the failing component's log."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self.pki = ensure_pki(self.files.pki)
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                self._start_on_new_ports()
                break
            except ClusterError as error:
                self.stop()
                # A port the kernel said was free can be taken by another process before
                # the server binds it: on ports of its own choosing, the plane starts again.
                retry = _port_taken(error) and not self._requested_api_port
                if not retry or attempt == PORT_ATTEMPTS:
                    raise
                self.progress("a port it chose was taken meanwhile: starting on new ports")
            except BaseException:
                self.stop()
                raise
        self.progress(
            f"control plane ready at {self.server} in {time.monotonic() - started:.1f}s "
            f"(kubeconfig {self.kubeconfig}, context {CONTEXT})"
        )
        return self

    def _start_on_new_ports(self) -> None:
        api = self._requested_api_port or free_port()
        self.ports = Ports(api=api, kine=free_port())
        self._write_kubeconfigs(self._pki())
        for name in ORDER:
            self.start_component(name)
            if name == "kube-apiserver":
                self._install_objects()
        self._wait_ready()

    def _write_kubeconfigs(self, pki: Pki) -> None:
        self._api = None  # made again for this server: its port may have changed
        for name in KUBECONFIG_CLIENTS:
            path = self.kubeconfig if name == "admin" else self.files.component_kubeconfig(name)
            write_kubeconfig(path, kubeconfig_text(self.server, pki, name))

    def start_component(self, name: str) -> None:
        # kwok started again: the holder of the node's lease before it (see _resync).
        before = lease_holder(self.client()) if name == "kwok" and self.running else None
        argv = command_line(name, self.files, self.binaries, self._pki(), self._ports())
        log = self.files.log(name)
        self.progress(f"starting {name}")
        process = spawn(name, argv, log)
        self._children[name] = process
        self.running[name] = Running(name, process.pid, argv[0], str(log))
        self._save_state()
        if name == "kine":
            self._wait(name, lambda: port_open(self._ports().kine), "its port to open")
        elif name == "kube-apiserver":
            self._wait(name, lambda: self.client().ready()[0], "/readyz to answer ok")
        elif before is not None:
            held = (None, before)
            self._wait(name, lambda: lease_holder(self.client()) not in held, "the node's lease")
            touch_pods(self.client())

    def stop_component(self, name: str) -> None:
        running = self.running.pop(name, None)
        if running is None:
            return
        stop(running, self._children.pop(name, None))
        self._save_state()

    def exited(self) -> dict[str, int]:
        """The components started here that have exited since, with their status."""
        return {
            name: code
            for name, process in self._children.items()
            if (code := process.poll()) is not None
        }

    def stop(self) -> None:
        """Stop every process this object started."""
        for name in reversed(ORDER):
            self.stop_component(name)
        self._save_state()

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _save_state(self) -> None:
        if self.ports is not None:
            save_state(self.files, self.server, self.ports, self.running)

    # Objects and readiness ----------------------------------------------------------------

    def _install_objects(self) -> None:
        crds = install_objects(self.client(), self.binaries.crds, self._wait)
        self.progress(f"installed {len(crds)} CRDs and node {NODE_NAME}")

    def _wait_ready(self) -> None:
        api = self.client()
        self._wait("kwok", lambda: node_ready(api), f"node {NODE_NAME} to be Ready")
        self._wait(
            "kube-controller-manager",
            lambda: default_service_account_made(api),
            "the default service account",
        )

    def _wait(self, name: str, check: Callable[[], bool], what: str) -> None:
        """Poll `check` until it holds; fail at once when a started process has exited."""
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            for other, process in self._children.items():
                if process.poll() is not None:
                    raise ClusterError(
                        f"{other} exited with status {process.returncode} while waiting for "
                        f"{what}; last lines of {self.files.log(other)}:\n"
                        f"{log_tail(self.files.log(other))}"
                    )
            try:
                if check():
                    return
            except ApiCallError:
                pass  # not answering yet
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"{name}: gave up after {READY_TIMEOUT:.0f}s waiting for {what}; last "
                    f"lines of {self.files.log(name)}:\n{log_tail(self.files.log(name))}"
                )
            time.sleep(0.2)


def _port_taken(error: ClusterError) -> bool:
    """Whether a component exited because its listening port was already in use."""
    return "address already in use" in str(error)
