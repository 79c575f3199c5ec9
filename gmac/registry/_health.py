"""Health results as recorded by `gmac health`: the latest per target, and the history."""

from __future__ import annotations

from dataclasses import dataclass

from gmac.registry._db import Database


@dataclass(frozen=True)
class HealthResult:
    environment: str
    target: str  # an integration's name, `git` for the Git server
    status: str  # ok, failing
    detail: str
    checked_at: str


def _result(row: tuple[object, ...]) -> HealthResult:
    return HealthResult(*(str(value) for value in row[:5]))


_COLUMNS = "environment, target, status, detail, checked_at"


def health_history(
    db: Database, *, environment: str | None = None, target: str | None = None, limit: int = 50
) -> list[HealthResult]:
    """Results, newest first."""
    where, args = [], []
    for column, value in (("environment", environment), ("target", target)):
        if value is not None:
            where.append(f"{column} = ?")
            args.append(value)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.rows(
        f"SELECT {_COLUMNS} FROM health_results{clause} ORDER BY id DESC LIMIT ?", [*args, limit]
    )
    return [_result(tuple(row)) for row in rows]


def latest_health(db: Database, environment: str) -> dict[str, HealthResult]:
    """The newest result of each target of `environment`."""
    rows = db.rows(
        f"SELECT {_COLUMNS} FROM health_results WHERE id IN (SELECT MAX(id) FROM health_results"
        " WHERE environment = ? GROUP BY target)",
        [environment],
    )
    return {result.target: result for result in (_result(tuple(row)) for row in rows)}


def last_failures(db: Database, environment: str) -> dict[str, HealthResult]:
    """The newest failing result of each target of `environment`."""
    rows = db.rows(
        f"SELECT {_COLUMNS} FROM health_results WHERE id IN (SELECT MAX(id) FROM health_results"
        " WHERE environment = ? AND status != 'ok' GROUP BY target)",
        [environment],
    )
    return {result.target: result for result in (_result(tuple(row)) for row in rows)}
