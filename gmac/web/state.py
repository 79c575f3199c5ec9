"""The panel's state for one process: its options, the rate limiter, the one-time link's
use, and the project, validated again only when a spec file changed."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from gmac.app.kube_clients import KubeClients
from gmac.models.project import Project
from gmac.validate import Spec, validate_directory
from gmac.web.options import ServeOptions
from gmac.web.security import Limiter


def _fingerprint(specs: Path) -> tuple[tuple[str, float], ...]:
    return tuple(sorted((str(p), p.stat().st_mtime) for p in specs.rglob("*.yaml") if p.is_file()))


@dataclass
class PanelState:
    options: ServeOptions
    limiter: Limiter
    once_used: bool = False
    kube: KubeClients = field(default_factory=KubeClients)  # kept a minute, never their reads
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _specs: dict[str, Spec] = field(default_factory=dict)
    _seen: tuple[tuple[str, float], ...] = ()

    def specs_by_env(self) -> dict[str, Spec]:
        """Every environment shown, validated (SpecError when the specs are wrong)."""
        with self._lock:
            now = _fingerprint(self.options.specs)
            if now != self._seen or not self._specs:
                found = validate_directory(self.options.specs)
                wanted = self.options.envs or tuple(found)
                self._specs = {env: found[env] for env in wanted if env in found}
                self._seen = now
            return dict(self._specs)

    @property
    def project(self) -> Project:
        return next(iter(self.specs_by_env().values())).project

    def environments(self) -> list[str]:
        return list(self.specs_by_env())

    def take_once(self) -> bool:
        """True for the first use of the one-time link, False ever after."""
        with self._lock:
            if self.once_used:
                return False
            self.once_used = True
            return True
