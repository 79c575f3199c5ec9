"""The command line of each component: every flag in one place, all on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

from gmac.dev.cluster._build import Binaries
from gmac.dev.cluster._certs import Pki
from gmac.dev.cluster._layout import PlaneFiles, Ports
from gmac.dev.cluster._objects import KWOK_NODE_ANNOTATION

SERVICE_RANGE = "10.0.0.0/24"
POD_RANGE = "10.244.0.0/16"
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"


def command_line(
    name: str, files: PlaneFiles, binaries: Binaries, pki: Pki, ports: Ports
) -> list[str]:
    """argv of component `name` (one of gmac.dev.cluster._state.ORDER)."""
    flags: dict[str, Callable[[], list[str]]] = {
        "kine": lambda: _kine(files, ports),
        "kube-apiserver": lambda: _apiserver(files, pki, ports),
        "kube-controller-manager": lambda: _controller_manager(files, pki),
        "kube-scheduler": lambda: _scheduler(files),
        "kwok": lambda: _kwok(files, binaries),
    }
    return [str(binaries.path(name)), *flags[name]()]


def _kine(files: PlaneFiles, ports: Ports) -> list[str]:
    database = files.kine_database
    database.parent.mkdir(parents=True, exist_ok=True)
    return [
        f"--endpoint=sqlite://{database}?_journal=WAL&cache=shared&_busy_timeout=30000",
        f"--listen-address=127.0.0.1:{ports.kine}",
        "--metrics-bind-address=0",
    ]


def _apiserver(files: PlaneFiles, pki: Pki, ports: Ports) -> list[str]:
    return [
        f"--etcd-servers=http://127.0.0.1:{ports.kine}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.api}",
        "--advertise-address=127.0.0.1",
        f"--cert-dir={files.generated_certs}",
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


def _controller_manager(files: PlaneFiles, pki: Pki) -> list[str]:
    return [
        f"--kubeconfig={files.component_kubeconfig('kube-controller-manager')}",
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


def _scheduler(files: PlaneFiles) -> list[str]:
    return [
        f"--kubeconfig={files.component_kubeconfig('kube-scheduler')}",
        "--bind-address=127.0.0.1",
        "--secure-port=0",
        "--leader-elect=false",
        "--v=1",
    ]


def _kwok(files: PlaneFiles, binaries: Binaries) -> list[str]:
    return [
        f"--kubeconfig={files.kubeconfig}",
        f"--config={binaries.kwok_stages}",
        f"--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake",
        "--node-lease-duration-seconds=40",
        f"--cidr={POD_RANGE}",
        "--node-ip=127.0.0.1",
    ]
