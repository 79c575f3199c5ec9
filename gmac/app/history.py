"""What the registry recorded, for `gmac history`, `gmac audit` and `gmac services`."""

from __future__ import annotations

from pathlib import Path

from gmac.errors import UsageError
from gmac.registry import AuditEntry, ChainReport, Deployment, Registry, ServiceStatus
from gmac.suggest import did_you_mean


def _root(specs: Path) -> Path:
    return specs.resolve().parent


def deployments(specs: Path, *, env: str | None = None, limit: int = 20) -> list[Deployment]:
    """Every apply and destroy, newest first."""
    with Registry.open(_root(specs)) as registry:
        return registry.deployments(environment=env, limit=limit)


def audit_entries(
    specs: Path, *, env: str | None = None, action: str | None = None, limit: int = 50
) -> list[AuditEntry]:
    with Registry.open(_root(specs)) as registry:
        return registry.audit_entries(environment=env, action=action, limit=limit)


def verify_audit(specs: Path) -> ChainReport:
    """The whole hash chain checked; AuditChainError names the first bad entry."""
    with Registry.open(_root(specs)) as registry:
        return registry.verify_audit()


def services(specs: Path, *, env: str | None = None) -> list[ServiceStatus]:
    """One status per service and environment, as of the last apply."""
    with Registry.open(_root(specs)) as registry:
        return registry.services(environment=env)


def service(specs: Path, name: str) -> list[ServiceStatus]:
    """Everything the registry knows about one service, per environment."""
    with Registry.open(_root(specs)) as registry:
        found = registry.services(name=name)
        known = {status.name for status in registry.services()}
    if not found:
        raise UsageError(
            f"the registry knows no service '{name}'{did_you_mean(name, known)}: "
            "services appear after their first apply"
        )
    return found
