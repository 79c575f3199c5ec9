"""Where one control plane keeps its files, all under one state folder, and its ports.

    STATE/pki/                certificates and keys (kept while valid)
    STATE/kine/state.db       the cluster's data (sqlite), kept across `down` and `up`
    STATE/kubeconfig          the admin kubeconfig, context `gmac-dev`
    STATE/NAME.kubeconfig     the controller manager's and the scheduler's
    STATE/logs/NAME.log       each component's output
    STATE/cluster.json        ports and the processes that run, for `down` from another shell

The ports are picked when the plane starts (the API server's may be asked for).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class PlaneFiles:
    root: Path

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def generated_certs(self) -> Path:
        """Where the API server writes what it makes itself (it needs a folder of its own)."""
        return self.pki / "generated"

    @property
    def kine_database(self) -> Path:
        return self.root / "kine" / "state.db"

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    def component_kubeconfig(self, name: str) -> Path:
        return self.root / f"{name}.kubeconfig"

    def log(self, name: str) -> Path:
        return self.root / "logs" / f"{name}.log"

    @property
    def state(self) -> Path:
        return self.root / "cluster.json"


@dataclass(frozen=True)
class Ports:
    api: int
    kine: int

    def as_dict(self) -> dict[str, int]:
        return {"api": self.api, "kine": self.kine}
