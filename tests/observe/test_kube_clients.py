"""The Kubernetes clients the panel keeps: reused while the kubeconfig is the same, for at
most a minute, and dropped when a read through them fails. Only the client is kept, never
what it read. Making a client reaches no server, so none is started here."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gmac.app import kube_clients
from gmac.app.kube_clients import KubeClients, read_once
from gmac.clients.kubernetes import KubeTarget


def _kubeconfig(path: Path, server: str) -> KubeTarget:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "test",
        "clusters": [{"name": "local", "cluster": {"server": server}}],
        "users": [{"name": "ci", "user": {"token": "kube-token"}}],
        "contexts": [{"name": "test", "context": {"cluster": "local", "user": "ci"}}],
    }
    path.write_text(yaml.safe_dump(config))
    return KubeTarget(str(path))


def test_a_client_is_kept_while_the_kubeconfig_is_the_same(tmp_path: Path) -> None:
    target = _kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:1")
    clients = KubeClients()
    first = clients.read(target, lambda client: client)
    assert clients.read(target, lambda client: client) is first
    assert first.configuration.host == "http://127.0.0.1:1"
    changed = _kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:2")
    second = clients.read(changed, lambda client: client)
    assert second is not first and second.configuration.host == "http://127.0.0.1:2"
    assert read_once(target, lambda client: client) is not second


def test_a_kept_client_is_made_again_after_its_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:1")
    clients = KubeClients()
    first = clients.read(target, lambda client: client)
    monkeypatch.setattr(kube_clients, "KEEP_SECONDS", 0.0)
    assert clients.read(target, lambda client: client) is not first


def test_a_failed_read_drops_the_client(tmp_path: Path) -> None:
    target = _kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:1")
    clients = KubeClients()
    first = clients.read(target, lambda client: client)

    def fails(client: object) -> None:
        raise ConnectionError("refused")

    with pytest.raises(ConnectionError):
        clients.read(target, fails)
    assert clients.read(target, lambda client: client) is not first
