"""`Registry`: one open, migrated registry database and what can be asked of it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from gmac.registry import _audit, _health, _records
from gmac.registry._audit import AuditEntry, ChainReport
from gmac.registry._db import Database, Migration, migrate, registry_location
from gmac.registry._health import HealthResult
from gmac.registry._records import Deployment, ServiceStatus
from gmac.validate import Spec


class Registry:
    """An open, migrated registry. Use as a context manager, or call `close`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    def open(cls, root: Path, migrations: list[Migration] | None = None) -> Registry:
        db = Database(registry_location(root))
        try:
            migrate(db, migrations)
        except BaseException:
            db.close()
            raise
        return cls(db)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # The audit log

    def audit(
        self,
        *,
        actor: str,
        action: str,
        outcome: str,
        environment: str = "",
        target: str = "",
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        return _audit.append(
            self.db,
            actor=actor,
            action=action,
            outcome=outcome,
            environment=environment,
            target=target,
            detail=detail,
        )

    def audit_entries(
        self,
        *,
        environment: str | None = None,
        action: str | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        return _audit.entries(self.db, environment=environment, action=action, limit=limit)

    def verify_audit(self) -> ChainReport:
        return _audit.verify(self.db)

    # Deployments and the inventory

    def add_deployment(self, **fields: Any) -> int:
        return _records.add_deployment(self.db, **fields)

    def deployments(self, *, environment: str | None = None, limit: int = 20) -> list[Deployment]:
        return _records.deployments(self.db, environment=environment, limit=limit)

    def sync_inventory(self, spec: Spec, deployment_id: int) -> None:
        _records.sync_inventory(self.db, spec, deployment_id)

    def clear_inventory(self, environment: str) -> None:
        _records.clear_inventory(self.db, environment)

    def add_health(self, environment: str, target: str, status: str, detail: str = "") -> None:
        _records.add_health(self.db, environment, target, status, detail)

    def health_history(
        self, *, environment: str | None = None, target: str | None = None, limit: int = 50
    ) -> list[HealthResult]:
        return _health.health_history(self.db, environment=environment, target=target, limit=limit)

    def latest_health(self, environment: str) -> dict[str, HealthResult]:
        return _health.latest_health(self.db, environment)

    def last_failures(self, environment: str) -> dict[str, HealthResult]:
        return _health.last_failures(self.db, environment)

    def set_drift(self, environment: str, changes: Mapping[str, int]) -> None:
        _records.set_drift(self.db, environment, changes)

    def services(
        self, *, name: str | None = None, environment: str | None = None
    ) -> list[ServiceStatus]:
        return _records.service_statuses(self.db, name=name, environment=environment)

    def applied_migrations(self) -> list[tuple[int, str, str]]:
        rows = self.db.rows("SELECT version, name, checksum FROM schema_migrations ORDER BY 1")
        return [(int(row[0]), str(row[1]), str(row[2])) for row in rows]
