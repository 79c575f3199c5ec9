"""What the registry keeps besides the audit log: deployments, the inventory of services,
integrations and databases per environment as last applied, health and drift results."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gmac.models import TursoIntegration
from gmac.registry._db import Database, now_text
from gmac.validate import Spec


@dataclass(frozen=True)
class Deployment:
    id: int
    environment: str
    operation: str
    actor: str
    outcome: str
    started_at: str
    finished_at: str
    summary: dict[str, int] = field(default_factory=dict)
    owners: dict[str, int] = field(default_factory=dict)
    error: str = ""
    git_commit: str = ""


_DEPLOYMENT_COLUMNS = (
    "id, environment, operation, actor, outcome, started_at, finished_at, summary, owners, "
    "error, git_commit"
)


def _json_counts(text: Any) -> dict[str, int]:
    try:
        value = json.loads(str(text))
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _deployment(row: Any) -> Deployment:
    return Deployment(
        id=int(row[0]),
        environment=str(row[1]),
        operation=str(row[2]),
        actor=str(row[3]),
        outcome=str(row[4]),
        started_at=str(row[5]),
        finished_at=str(row[6]),
        summary=_json_counts(row[7]),
        owners=_json_counts(row[8]),
        error=str(row[9]),
        git_commit=str(row[10]),
    )


def add_deployment(
    db: Database,
    *,
    environment: str,
    operation: str,
    actor: str,
    outcome: str,
    started_at: str,
    summary: Mapping[str, int],
    owners: Mapping[str, int],
    error: str = "",
    git_commit: str = "",
) -> int:
    result = db.execute(
        f"INSERT INTO deployments ({_DEPLOYMENT_COLUMNS.removeprefix('id, ')}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            environment,
            operation,
            actor,
            outcome,
            started_at,
            now_text(),
            json.dumps(dict(summary), sort_keys=True),
            json.dumps(dict(owners), sort_keys=True),
            error,
            git_commit,
        ],
    )
    return int(result.last_insert_rowid)


def deployments(
    db: Database, *, environment: str | None = None, limit: int = 20
) -> list[Deployment]:
    """The latest deployments, newest first."""
    clause, args = ("WHERE environment = ? ", [environment]) if environment else ("", [])
    rows = db.rows(
        f"SELECT {_DEPLOYMENT_COLUMNS} FROM deployments {clause}ORDER BY id DESC LIMIT ?",
        [*args, int(limit)],
    )
    return [_deployment(row) for row in rows]


def _kind(service: Any) -> str:
    if service.database is not None:
        return "database"
    if service.image is None:
        return "alerts"
    return "server" if service.port is not None else "worker"


def sync_inventory(db: Database, spec: Spec, deployment_id: int) -> None:
    """Make the environment's rows match `spec` as just applied, in one transaction."""
    env, at = spec.env, now_text()
    statements: list[tuple[str, list[Any]]] = [
        (f"DELETE FROM {table} WHERE environment = ?", [env])
        for table in ("services", "integrations", "databases")
    ]
    for service in spec.services:
        image = None
        if service.image is not None:
            image = service.image.ref or "built by gmac"
        host = service.ingress.host if service.ingress is not None else None
        if service.template is not None:
            statements.append(
                (
                    "INSERT OR IGNORE INTO templates (name, updated_at) VALUES (?, ?)",
                    [service.template, at],
                )
            )
        statements.append(
            (
                "INSERT INTO services (name, environment, template, kind, image, replicas, host,"
                " deployment_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    service.name,
                    env,
                    service.template,
                    _kind(service),
                    image,
                    service.replicas if service.database is None else None,
                    host,
                    deployment_id,
                    at,
                ],
            )
        )
        if service.database is not None:
            database = service.database
            statements.append(
                (
                    "INSERT OR REPLACE INTO databases (name, environment, engine, group_name,"
                    " service, deployment_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        database.name,
                        env,
                        database.engine,
                        database.group,
                        service.name,
                        deployment_id,
                        at,
                    ],
                )
            )
    for integration in spec.integrations:
        statements.append(
            (
                "INSERT INTO integrations (name, environment, type, deployment_id, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [integration.name, env, integration.type, deployment_id, at],
            )
        )
        if isinstance(integration, TursoIntegration):
            for turso_db in integration.databases:
                statements.append(
                    (
                        "INSERT OR IGNORE INTO databases (name, environment, engine, group_name,"
                        " service, deployment_id, updated_at) VALUES (?, ?, 'turso', ?, NULL,"
                        " ?, ?)",
                        [turso_db.name, env, turso_db.group, deployment_id, at],
                    )
                )
    db.batch(statements)


def clear_inventory(db: Database, environment: str) -> None:
    db.batch(
        [
            (f"DELETE FROM {table} WHERE environment = ?", [environment])
            for table in ("services", "integrations", "databases", "drift_results")
        ]
    )


def add_health(db: Database, environment: str, target: str, status: str, detail: str = "") -> None:
    db.execute(
        "INSERT INTO health_results (environment, target, status, detail, checked_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [environment, target, status, detail, now_text()],
    )


def set_drift(db: Database, environment: str, changes: Mapping[str, int]) -> None:
    """The drift each target (service, integration) showed in one `gmac drift` run."""
    at = now_text()
    db.batch(
        [
            ("DELETE FROM drift_results WHERE environment = ?", [environment]),
            *(
                (
                    "INSERT INTO drift_results (environment, target, changes, checked_at)"
                    " VALUES (?, ?, ?, ?)",
                    [environment, target, count, at],
                )
                for target, count in sorted(changes.items())
            ),
            (
                "INSERT INTO drift_results (environment, target, changes, checked_at)"
                " VALUES (?, '', 0, ?)",
                [environment, at],
            ),
        ]
    )


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    environment: str
    template: str
    kind: str
    image: str
    replicas: int | None
    host: str
    last_apply: Deployment | None  # the environment's latest apply, whatever its outcome
    applied_in: int  # the deployment that last applied this service successfully
    health: str  # ok, failing, unknown
    health_detail: str
    health_at: str
    drift: int | None  # resources that differ at the last `gmac drift`; None: never checked
    drift_at: str


def service_statuses(
    db: Database, *, name: str | None = None, environment: str | None = None
) -> list[ServiceStatus]:
    where, args = [], []
    if name is not None:
        where.append("name = ?")
        args.append(name)
    if environment is not None:
        where.append("environment = ?")
        args.append(environment)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.rows(
        "SELECT name, environment, template, kind, image, replicas, host, deployment_id"
        f" FROM services{clause} ORDER BY name, environment",
        args,
    )
    latest: dict[str, Deployment | None] = {}
    found: list[ServiceStatus] = []
    for row in rows:
        service, env = str(row[0]), str(row[1])
        if env not in latest:
            applies = db.rows(
                f"SELECT {_DEPLOYMENT_COLUMNS} FROM deployments WHERE environment = ? AND "
                "operation = 'apply' ORDER BY id DESC LIMIT 1",
                [env],
            )
            latest[env] = _deployment(applies[0]) if applies else None
        health = db.rows(
            "SELECT status, detail, checked_at FROM health_results WHERE environment = ? AND "
            "target = ? ORDER BY id DESC LIMIT 1",
            [env, service],
        )
        drift = db.rows(
            "SELECT target, changes, checked_at FROM drift_results WHERE environment = ? AND "
            "target IN (?, '')",
            [env, service],
        )
        own = [int(changes) for target, changes, _ in drift if target == service]
        checked = [str(at) for target, _, at in drift if target == ""]
        drift_count = (own[0] if own else 0) if checked else None
        drift_at = checked[0] if checked else ""
        found.append(
            ServiceStatus(
                service,
                env,
                str(row[2] or ""),
                str(row[3]),
                str(row[4] or ""),
                None if row[5] is None else int(row[5]),
                str(row[6] or ""),
                latest[env],
                int(row[7]),
                str(health[0][0]) if health else "unknown",
                str(health[0][1]) if health else "",
                str(health[0][2]) if health else "",
                drift_count,
                drift_at,
            )
        )
    return found


def known_environments(db: Database) -> Sequence[str]:
    return [str(row[0]) for row in db.rows("SELECT DISTINCT environment FROM deployments")]
