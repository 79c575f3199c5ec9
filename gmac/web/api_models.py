"""The JSON API's answers, described for its OpenAPI document: the shapes `--json` prints
(`gmac status --json`, `metrics`, `logs`, `history`, `audit`, `health history`, `secrets
list`), field for field."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Problem(Model):
    error: str


class ReplicasOut(Model):
    ready: int | None
    desired: int | None
    restarts: int | None
    image: str
    workload: bool
    deployed: bool
    problem: str


class LastApplyOut(Model):
    actor: str
    at: str
    commit: str
    outcome: str


class DriftOut(Model):
    changes: int | None
    checked_at: str


class IntegrationOut(Model):
    name: str
    status: str
    detail: str
    checked_at: str


class AlertOut(Model):
    name: str
    state: str
    severity: str
    summary: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: str
    silenced_by: list[str]
    fingerprint: str


class ServiceStateOut(Model):
    service: str
    environment: str
    state: str
    reasons: list[str]
    replicas: ReplicasOut
    last_apply: LastApplyOut | None
    drift: DriftOut
    integrations: list[IntegrationOut]
    alerts: list[AlertOut]
    alerts_problem: str
    registry_problem: str


class StatusOut(Model):
    services: list[ServiceStateOut]


class SeriesOut(Model):
    name: str
    title: str
    unit: str
    query: str
    current: float | None
    labels: dict[str, str]
    points: list[list[float]]


class MetricsOut(Model):
    service: str
    environment: str
    prometheus: str
    since_seconds: int
    step_seconds: int
    window_seconds: int
    series: list[SeriesOut]


class LogLineOut(Model):
    at: str
    at_ns: int
    line: str
    labels: dict[str, str]


class LogsOut(Model):
    service: str
    environment: str
    store: str
    query: str
    lines: list[LogLineOut]


class DeploymentOut(Model):
    id: int
    environment: str
    operation: str
    actor: str
    outcome: str
    started_at: str
    finished_at: str
    summary: dict[str, int]
    owners: dict[str, int]
    error: str
    git_commit: str


class AuditEntryOut(Model):
    seq: int
    at: str
    actor: str
    action: str
    environment: str
    target: str
    outcome: str
    detail: str
    prev_hash: str
    hash: str


class ChainOut(Model):
    valid: bool
    entries: int
    head: str


class HealthResultOut(Model):
    status: str
    detail: str
    at: str


class IntegrationHistoryOut(Model):
    environment: str
    integration: str
    results: list[HealthResultOut]
    last_failure: HealthResultOut | None


class HealthHistoryOut(Model):
    integrations: list[IntegrationHistoryOut]


class SecretOut(Model):
    name: str
    declared: bool
    source: str
    created: str
    rotated: str
    rotate_every: str
    due: bool
    rotatable: bool


class PlanCommentOut(Model):
    env: str
    url: str
    body: str


class PullOut(Model):
    number: int
    title: str
    url: str
    branch: str
    author: str
    updated_at: str
    plans: list[PlanCommentOut]


class MeOut(Model):
    name: str
    roles: list[str]
    via: str
