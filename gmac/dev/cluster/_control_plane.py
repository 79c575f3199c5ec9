"""The local control plane: kine, kube-apiserver, kube-controller-manager, kube-scheduler and
kwok, on 127.0.0.1, with their state under one folder.

    STATE/pki/            certificates and keys (kept while valid)
    STATE/kine/state.db   the cluster's data (sqlite), kept across `down` and `up`
    STATE/kubeconfig      the admin kubeconfig, context `gmac-dev`
    STATE/logs/NAME.log   each component's output
    STATE/cluster.json    ports and the processes that run, for `down` from another shell

Start order: kine (port open), the API server (`/readyz` answers ok), the CRDs (Established)
and the fake node, then the controller manager, the scheduler and kwok; the plane is ready
when the node is Ready and the `default` service account exists (the controller manager
made it). Stop order is the reverse.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gmac.dev.cluster._api import ApiClient
from gmac.dev.cluster._build import Binaries
from gmac.dev.cluster._certs import Pki, ensure_pki
from gmac.dev.cluster._errors import ClusterError
from gmac.dev.cluster._kubeconfig import CONTEXT, kubeconfig_text, write_kubeconfig
from gmac.dev.cluster._processes import (
    Running,
    free_port,
    is_ours,
    log_tail,
    port_open,
    spawn,
    stop,
)

STATE_FILE = "cluster.json"
ORDER = ("kine", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
NODE_NAME = "kwok-node-0"
KWOK_NODE_ANNOTATION = "kwok.x-k8s.io/node"
SERVICE_RANGE = "10.0.0.0/24"
POD_RANGE = "10.244.0.0/16"
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"
READY_TIMEOUT = 90.0

Progress = Callable[[str], None]


def _quiet(_line: str) -> None:
    pass


@dataclass(frozen=True)
class Ports:
    api: int
    kine: int

    def as_dict(self) -> dict[str, int]:
        return {"api": self.api, "kine": self.kine}


class ControlPlane:
    """One control plane under `state_dir`. `start()` brings it up, `stop()` ends every
    process it started; `stop_component`/`start_component` restart one (fault tests)."""

    def __init__(
        self,
        state_dir: Path,
        binaries: Binaries,
        *,
        api_port: int = 0,
        progress: Progress = _quiet,
    ) -> None:
        self.state_dir = state_dir.resolve()
        self.binaries = binaries
        self.progress = progress
        self._requested_api_port = api_port
        self.ports: Ports | None = None
        self.pki: Pki | None = None
        self.running: dict[str, Running] = {}
        self._children: dict[str, subprocess.Popen[bytes]] = {}

    # Paths and clients --------------------------------------------------------------------

    @property
    def kubeconfig(self) -> Path:
        return self.state_dir / "kubeconfig"

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

    def client(self) -> ApiClient:
        assert self.pki is not None
        return ApiClient(self._ports().api, self.pki)

    def _log(self, name: str) -> Path:
        return self.state_dir / "logs" / f"{name}.log"

    # Start and stop -----------------------------------------------------------------------

    def start(self) -> ControlPlane:
        """Start every component and wait until the plane is ready; on failure, stop
        whatever was started and raise ClusterError with the failing component's log."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self.pki = ensure_pki(self.state_dir / "pki")
        api = self._requested_api_port or free_port()
        self.ports = Ports(api=api, kine=free_port())
        for name in ("kube-controller-manager", "kube-scheduler", "admin"):
            target = self.kubeconfig if name == "admin" else self.state_dir / f"{name}.kubeconfig"
            write_kubeconfig(target, kubeconfig_text(self.server, self.pki, name))
        try:
            for name in ORDER:
                self.start_component(name)
                if name == "kube-apiserver":
                    self._install_objects()
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.progress(
            f"control plane ready at {self.server} in {time.monotonic() - started:.1f}s "
            f"(kubeconfig {self.kubeconfig}, context {CONTEXT})"
        )
        return self

    def start_component(self, name: str) -> None:
        argv = self._argv(name)
        self.progress(f"starting {name}")
        process = spawn(name, argv, self._log(name))
        self._children[name] = process
        self.running[name] = Running(name, process.pid, argv[0], str(self._log(name)))
        self._save_state()
        if name == "kine":
            self._wait(name, lambda: port_open(self._ports().kine), "its port to open")
        elif name == "kube-apiserver":
            self._wait(name, lambda: self.client().ready()[0], "/readyz to answer ok")

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
        """Stop every process this object started (or found in the state file)."""
        for name in reversed(ORDER):
            self.stop_component(name)
        self._save_state()

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # Arguments ----------------------------------------------------------------------------

    def _argv(self, name: str) -> list[str]:
        builders: dict[str, Callable[[], list[str]]] = {
            "kine": self._kine,
            "kube-apiserver": self._apiserver,
            "kube-controller-manager": self._controller_manager,
            "kube-scheduler": self._scheduler,
            "kwok": self._kwok,
        }
        return [str(self.binaries.path(name)), *builders[name]()]

    def _kine(self) -> list[str]:
        database = self.state_dir / "kine" / "state.db"
        database.parent.mkdir(parents=True, exist_ok=True)
        return [
            f"--endpoint=sqlite://{database}?_journal=WAL&cache=shared&_busy_timeout=30000",
            f"--listen-address=127.0.0.1:{self._ports().kine}",
            "--metrics-bind-address=0",
        ]

    def _apiserver(self) -> list[str]:
        pki = self.pki
        assert pki is not None
        return [
            f"--etcd-servers=http://127.0.0.1:{self._ports().kine}",
            "--bind-address=127.0.0.1",
            f"--secure-port={self._ports().api}",
            "--advertise-address=127.0.0.1",
            f"--cert-dir={self.state_dir / 'pki' / 'generated'}",
            f"--tls-cert-file={pki.server_cert}",
            f"--tls-private-key-file={pki.server_key}",
            f"--client-ca-file={pki.ca_cert}",
            f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
            f"--service-account-key-file={pki.service_account_pub}",
            f"--service-account-signing-key-file={pki.service_account_key}",
            f"--service-cluster-ip-range={SERVICE_RANGE}",
            "--authorization-mode=RBAC",
            # The `kubernetes` service's endpoints would be 127.0.0.1, which no Endpoints
            # object may hold: nothing in this cluster needs them.
            "--endpoint-reconciler-type=none",
            "--allow-privileged=true",
            "--profiling=false",
            "--v=1",
        ]

    def _component_kubeconfig(self, name: str) -> list[str]:
        path = self.state_dir / f"{name}.kubeconfig"
        return [f"--kubeconfig={path}"]

    def _controller_manager(self) -> list[str]:
        pki = self.pki
        assert pki is not None
        return [
            *self._component_kubeconfig("kube-controller-manager"),
            "--bind-address=127.0.0.1",
            "--secure-port=0",  # no health endpoint: readiness is read from what it makes
            "--leader-elect=false",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki.service_account_key}",
            f"--root-ca-file={pki.ca_cert}",
            f"--cluster-signing-cert-file={pki.ca_cert}",
            f"--cluster-signing-key-file={pki.ca_key}",
            "--v=1",
        ]

    def _scheduler(self) -> list[str]:
        return [
            *self._component_kubeconfig("kube-scheduler"),
            "--bind-address=127.0.0.1",
            "--secure-port=0",
            "--leader-elect=false",
            "--v=1",
        ]

    def _kwok(self) -> list[str]:
        return [
            f"--kubeconfig={self.kubeconfig}",
            f"--config={self.binaries.kwok_stages}",
            f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
            "--node-lease-duration-seconds=40",
            f"--cidr={POD_RANGE}",
            "--node-ip=127.0.0.1",
        ]

    # Objects and readiness ----------------------------------------------------------------

    def _install_objects(self) -> None:
        client = self.client()
        crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
        names: list[str] = []
        for source in self.binaries.crds:
            for document in yaml.safe_load_all(source.read_text()):
                if document:
                    name = str(document["metadata"]["name"])
                    self._call(f"installing CRD {name}", client.apply, f"{crds}/{name}", document)
                    names.append(name)
        self._call("creating the fake node", client.apply, f"/api/v1/nodes/{NODE_NAME}", _node())
        for name in names:

            def established(url: str = f"{crds}/{name}") -> bool:
                return _condition(client.get(url), "Established")

            self._wait("kube-apiserver", established, f"CRD {name} to be established")
        self.progress(f"installed {len(names)} CRDs and node {NODE_NAME}")

    def _wait_ready(self) -> None:
        client = self.client()
        self._wait(
            "kwok",
            lambda: _condition(client.get(f"/api/v1/nodes/{NODE_NAME}"), "Ready"),
            f"node {NODE_NAME} to be Ready",
        )
        self._wait(
            "kube-controller-manager",
            lambda: client.get("/api/v1/namespaces/default/serviceaccounts/default") is not None,
            "the default service account",
        )

    def _call(self, what: str, call: Callable[[str, dict[str, Any]], object], *args: Any) -> None:
        try:
            call(*args)
        except OSError as error:
            raise ClusterError(f"{what}: {error}") from None

    def _wait(self, name: str, check: Callable[[], bool], what: str) -> None:
        """Poll `check` until it holds; fail at once when a started process has exited."""
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            for other, process in self._children.items():
                if process.poll() is not None:
                    raise ClusterError(
                        f"{other} exited with status {process.returncode} while waiting for "
                        f"{what}; last lines of {self._log(other)}:\n{log_tail(self._log(other))}"
                    )
            try:
                if check():
                    return
            except OSError:
                pass  # not answering yet
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"{name}: gave up after {READY_TIMEOUT:.0f}s waiting for {what}; last "
                    f"lines of {self._log(name)}:\n{log_tail(self._log(name))}"
                )
            time.sleep(0.2)

    # The state file -----------------------------------------------------------------------

    def _save_state(self) -> None:
        if self.ports is None:
            return
        data = {
            "server": self.server,
            "context": CONTEXT,
            "kubeconfig": str(self.kubeconfig),
            "ports": self.ports.as_dict(),
            "processes": {name: run.as_dict() for name, run in self.running.items()},
        }
        path = self.state_dir / STATE_FILE
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        tmp.replace(path)


def _node() -> dict[str, Any]:
    """The node kwok plays: schedulable, untainted, with room for any test."""
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": NODE_NAME,
            "annotations": {KWOK_NODE_ANNOTATION: "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {
                "kubernetes.io/hostname": NODE_NAME,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
            },
        },
    }


def _condition(obj: dict[str, Any] | None, kind: str) -> bool:
    if obj is None:
        return False
    conditions = obj.get("status", {}).get("conditions") or []
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


# ---------------------------------------------------------------- from another process


def read_state(state_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((state_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def recorded_processes(state_dir: Path) -> list[Running]:
    """The processes the state file lists that still run, in start order."""
    data = read_state(state_dir) or {}
    processes = data.get("processes", {})
    found = []
    for name in ORDER:
        entry = processes.get(name)
        if isinstance(entry, dict):
            running = Running(name, int(entry["pid"]), str(entry["binary"]), str(entry["log"]))
            if is_ours(running.pid, running.binary):
                found.append(running)
    return found


def stop_recorded(state_dir: Path, progress: Progress = _quiet) -> list[str]:
    """Stop what a `gmac dev cluster up` started under `state_dir`; the names stopped."""
    stopped = []
    for running in reversed(recorded_processes(state_dir)):
        progress(f"stopping {running.name} (pid {running.pid})")
        stop(running)
        stopped.append(running.name)
    data = read_state(state_dir)
    if data is not None:
        data["processes"] = {}
        (state_dir / STATE_FILE).write_text(json.dumps(data, indent=2) + "\n")
    return stopped
