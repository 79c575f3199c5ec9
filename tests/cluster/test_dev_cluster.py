"""`gmac dev cluster up|down|kubeconfig`, and the pieces of gmac.dev.cluster that need no binary."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from gmac.app.cluster_watch import cluster_watch, kube_target
from gmac.dev.cluster import ControlPlane, _control_plane, find
from gmac.dev.cluster._build import _staging_modules
from gmac.dev.cluster._certs import ensure_pki
from gmac.dev.cluster._processes import free_port, is_ours
from gmac.models.project import KubernetesTarget
from tests.cluster._project import REPO
from tests.gmac_process import gmac_command
from tests.real import require


def test_staging_modules_come_from_the_kubernetes_go_mod() -> None:
    go_mod = """
require (
\tk8s.io/api v0.0.0
)
replace (
\tk8s.io/api => ./staging/src/k8s.io/api
\tk8s.io/client-go => ./staging/src/k8s.io/client-go
\tgithub.com/other/thing => github.com/fork/thing v1.0.0
)
"""
    assert _staging_modules(go_mod) == ["k8s.io/api", "k8s.io/client-go"]


def test_certificates_are_made_once_and_kept(tmp_path: Path) -> None:
    pki = ensure_pki(tmp_path / "pki")
    server = x509.load_pem_x509_certificate(pki.server_cert.read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == [
        "127.0.0.1",
        "10.0.0.1",
    ]
    admin = x509.load_pem_x509_certificate(pki.client_cert("admin").read_bytes())
    assert "O=system:masters" in admin.subject.rfc4514_string()
    assert oct(pki.ca_key.stat().st_mode & 0o777) == "0o600"
    before = {path.name: path.read_bytes() for path in pki.folder.iterdir()}
    ensure_pki(tmp_path / "pki")
    assert {path.name: path.read_bytes() for path in pki.folder.iterdir()} == before


def _gmac(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        gmac_command("dev", "cluster", *args),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_up_kubeconfig_down(tmp_path: Path) -> None:
    require(find(), "the control plane", "run scripts/install-cluster")
    state = tmp_path / "cluster"
    assert _gmac("kubeconfig", "--dir", str(state)).returncode == 1

    up = _gmac("up", "--dir", str(state))
    try:
        assert up.returncode == 0, up.stderr
        assert "control plane ready at https://127.0.0.1:" in up.stderr
        recorded = yaml.safe_load((state / "cluster.json").read_text())
        processes = recorded["processes"]
        assert set(processes) == {
            "kine",
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "kwok",
        }
        # The processes outlive the command that started them.
        assert all(is_ours(p["pid"], p["binary"]) for p in processes.values())

        again = _gmac("up", "--dir", str(state))
        assert again.returncode == 0 and "already running" in again.stderr

        path = _gmac("kubeconfig", "--dir", str(state)).stdout.strip()
        assert path == str((state / "kubeconfig").resolve())
        config = yaml.safe_load(Path(path).read_text())
        assert config["current-context"] == "gmac-dev"
        assert config["clusters"][0]["cluster"]["server"] == recorded["server"]
    finally:
        down = _gmac("down", "--dir", str(state))
    assert down.returncode == 0, down.stderr
    assert "stopped kwok, kube-scheduler, kube-controller-manager, kube-apiserver, kine" in (
        down.stdout
    )
    assert not any(is_ours(p["pid"], p["binary"]) for p in processes.values())
    assert "nothing was running" in _gmac("down", "--dir", str(state)).stdout


def test_the_apply_watch_finds_the_api_server_of_the_context(tmp_path: Path) -> None:
    config = {
        "clusters": [
            {"name": "a", "cluster": {"server": "https://10.0.0.5:6443"}},
            {"name": "b", "cluster": {"server": "https://cluster.example.org"}},
        ],
        "contexts": [
            {"name": "one", "context": {"cluster": "a"}},
            {"name": "two", "context": {"cluster": "b"}},
        ],
        "current-context": "one",
    }
    (tmp_path / "kubeconfig").write_text(yaml.safe_dump(config))
    target = KubernetesTarget(context="two", kubeconfig="kubeconfig")
    assert kube_target(target, tmp_path).address() == ("cluster.example.org", 443)
    as_text = KubernetesTarget(context="one", kubeconfig=yaml.safe_dump(config))
    assert kube_target(as_text, tmp_path).address() == ("10.0.0.5", 6443)
    unreadable = KubernetesTarget(context="one", kubeconfig="contexts: [1, 2]")
    assert kube_target(unreadable, tmp_path).address() is None
    rendered = KubernetesTarget(render_to="out")
    with cluster_watch(rendered, tmp_path, "local", lambda: None):
        pass  # nothing to watch: no thread, no error


def test_a_port_taken_before_the_api_server_binds_it_starts_the_plane_on_new_ports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel's free port can be taken by another process (another test worker's server)
    before the component binds it: the real kube-apiserver then exits, and the plane starts
    again on ports it picks anew."""
    binaries = require(find(), "the control plane", "run scripts/install-cluster")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        held = taken.getsockname()[1]
        picks = iter([held])  # the first port asked for is the taken one, then free ones
        monkeypatch.setattr(_control_plane, "free_port", lambda: next(picks, None) or free_port())
        said: list[str] = []
        with ControlPlane(tmp_path / "plane", binaries, progress=said.append) as plane:
            assert plane.ports is not None and held not in (plane.ports.api, plane.ports.kine)
            assert plane.client().ready()[0]
        assert "a port it chose was taken meanwhile: starting on new ports" in said
