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


def _where(**values: str | None) -> tuple[str, list[str]]:
    """` WHERE a = ? AND b = ?` for the values given (None: any), and its arguments."""
    given = {column: value for column, value in values.items() if value is not None}
    clause = " AND ".join(f"{column} = ?" for column in given)
    return (f" WHERE {clause}" if clause else ""), list(given.values())


def service_statuses(
    db: Database, *, name: str | None = None, environment: str | None = None
) -> list[ServiceStatus]:
    """The inventory with each service's last apply, health and drift: four reads in one
    batch (one snapshot, one round trip), however many services there are."""
    services = _where(name=name, environment=environment)
    envs = _where(environment=environment)
    checks = _where(environment=environment, target=name)
    applies_in = envs[0].replace(" WHERE", " AND")
    services_rows, applies, health, drift = (
        result.rows
        for result in db.batch(
            [
                (
                    "SELECT name, environment, template, kind, image, replicas, host,"
                    f" deployment_id FROM services{services[0]} ORDER BY name, environment",
                    services[1],
                ),
                (
                    f"SELECT {_DEPLOYMENT_COLUMNS} FROM deployments WHERE id IN (SELECT MAX(id)"
                    f" FROM deployments WHERE operation = 'apply'{applies_in}"
                    " GROUP BY environment)",
                    envs[1],
                ),
                (
                    "SELECT environment, target, status, detail, checked_at FROM health_results"
                    f" WHERE id IN (SELECT MAX(id) FROM health_results{checks[0]}"
                    " GROUP BY environment, target)",
                    checks[1],
                ),
                (
                    f"SELECT environment, target, changes, checked_at FROM drift_results{envs[0]}",
                    envs[1],
                ),
            ]
        )
    )
    latest = {str(row[1]): _deployment(row) for row in applies}
    results = {(str(row[0]), str(row[1])): row for row in health}
    changed: dict[tuple[str, str], int] = {}
    checked: dict[str, str] = {}
    for env, target, changes, at in drift:
        if target == "":
            checked.setdefault(str(env), str(at))
        else:
            changed.setdefault((str(env), str(target)), int(changes))
    found: list[ServiceStatus] = []
    for row in services_rows:
        service, env = str(row[0]), str(row[1])
        check = results.get((env, service))
        found.append(
            ServiceStatus(
                service,
                env,
                str(row[2] or ""),
                str(row[3]),
                str(row[4] or ""),
                None if row[5] is None else int(row[5]),
                str(row[6] or ""),
                latest.get(env),
                int(row[7]),
                str(check[2]) if check else "unknown",
                str(check[3]) if check else "",
                str(check[4]) if check else "",
                changed.get((env, service), 0) if env in checked else None,
                checked.get(env, ""),
            )
        )
    return found


def known_environments(db: Database) -> Sequence[str]:
    return [str(row[0]) for row in db.rows("SELECT DISTINCT environment FROM deployments")]
