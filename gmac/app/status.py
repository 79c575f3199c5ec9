"""`gmac status`: one line per service per environment, from every source that knows it.

    source          what                                          from
    Kubernetes API  replicas ready/desired, restarts, image       the environment's cluster
    registry        the last apply (who, when, commit), drift,    gmac apply, drift, health
                    its integrations' last health check
    Alertmanager    the alerts firing for it                      environments.ENV.monitoring

The word, by this rule (docs/observe.md):

    down      it should run (a workload wanting at least one replica) and no replica is ready
    degraded  otherwise, when fewer replicas are ready than wanted, an alert for it is firing
              (not silenced), or an integration it uses failed its last health check
    unknown   otherwise, when a configured source could not be read (the reason is shown)
    healthy   otherwise

A source that is not configured (no Alertmanager URL) is shown as such and does not make the
word unknown; one that is configured but unreachable does. Nothing here raises for a source
that fails: each failure is a reason on the lines it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gmac.app.kube_clients import KubeClients, read_once
from gmac.app.observe import READ_RETRY, READ_TIMEOUT, alertmanager_endpoint, namespace
from gmac.clients.alertmanager import Alert, Alertmanager
from gmac.clients.kubernetes import KubeTarget
from gmac.clients.workloads import Workload, namespace_workloads
from gmac.errors import GmacError
from gmac.models import Service
from gmac.registry import Deployment, HealthResult, Registry, ServiceStatus
from gmac.validate import Spec, validate_directory

MANAGED = "app.kubernetes.io/managed-by=gmac"


@dataclass(frozen=True)
class Replicas:
    ready: int | None = None
    desired: int | None = None
    restarts: int | None = None
    image: str = ""
    problem: str = ""  # why they are not known; "" when read (or when nothing runs)
    runs: bool = True  # False: the service has no workload (a database, alerts only)
    missing: bool = False  # the cluster answered, without the service's Deployment


@dataclass(frozen=True)
class ServiceState:
    service: str
    environment: str
    state: str  # healthy, degraded, down, unknown
    reasons: tuple[str, ...]
    replicas: Replicas
    last_apply: Deployment | None
    drift: int | None  # resources that differed at the last `gmac drift`; None: never checked
    drift_at: str
    integrations: tuple[HealthResult | str, ...]  # a result, or the name never checked
    alerts: tuple[Alert, ...]
    alerts_problem: str
    registry_problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        apply = self.last_apply
        return {
            "service": self.service,
            "environment": self.environment,
            "state": self.state,
            "reasons": list(self.reasons),
            "replicas": {
                "ready": self.replicas.ready,
                "desired": self.replicas.desired,
                "restarts": self.replicas.restarts,
                "image": self.replicas.image,
                "workload": self.replicas.runs,
                "deployed": not self.replicas.missing,
                "problem": self.replicas.problem,
            },
            "last_apply": None
            if apply is None
            else {
                "actor": apply.actor,
                "at": apply.finished_at,
                "commit": apply.git_commit,
                "outcome": apply.outcome,
            },
            "drift": {"changes": self.drift, "checked_at": self.drift_at},
            "integrations": [
                {"name": item, "status": "unknown", "detail": "never checked", "checked_at": ""}
                if isinstance(item, str)
                else {
                    "name": item.target,
                    "status": item.status,
                    "detail": item.detail,
                    "checked_at": item.checked_at,
                }
                for item in self.integrations
            ],
            "alerts": [alert.to_dict() for alert in self.alerts],
            "alerts_problem": self.alerts_problem,
            "registry_problem": self.registry_problem,
        }


@dataclass(frozen=True)
class StatusRequest:
    specs: Path
    env: str | None = None


@dataclass
class _Sources:
    """What one environment's sources answered, or why they did not."""

    workloads: dict[str, Workload] = field(default_factory=dict)
    workloads_problem: str = ""
    alerts: list[Alert] = field(default_factory=list)
    alerts_problem: str = ""
    alerts_failed: bool = False  # configured, and could not be read
    registry: dict[str, ServiceStatus] = field(default_factory=dict)
    health: dict[str, HealthResult] = field(default_factory=dict)
    registry_problem: str = ""


def _problem(error: Exception) -> str:
    return str(error) if isinstance(error, GmacError) else f"{type(error).__name__}: {error}"


def _read_workloads(spec: Spec, sources: _Sources, clients: KubeClients | None) -> None:
    kubernetes = spec.environment.kubernetes
    if kubernetes.render_to is not None:
        sources.workloads_problem = f"manifests are rendered to {kubernetes.render_to}, not applied"
        return
    target = KubeTarget(kubernetes.kubeconfig, kubernetes.context, spec.root)
    try:
        read = clients.read if clients is not None else read_once
        sources.workloads = read(
            target, lambda client: namespace_workloads(client, namespace(spec), MANAGED)
        )
    except Exception as error:  # a source that fails is a reason, never a traceback
        sources.workloads_problem = _problem(error)


def _read_alerts(spec: Spec, sources: _Sources) -> None:
    endpoint = alertmanager_endpoint(spec)
    if not endpoint.url:
        sources.alerts_problem = endpoint.why_not
        return
    try:
        manager = Alertmanager(endpoint.url, timeout=READ_TIMEOUT, retry=READ_RETRY)
        sources.alerts = manager.alerts()
    except Exception as error:
        sources.alerts_problem = f"unknown: {_problem(error)}"
        sources.alerts_failed = True


def _read_registry(specs: Path, spec: Spec, sources: _Sources) -> None:
    try:
        with Registry.open(specs.resolve().parent) as registry:
            sources.registry = {s.name: s for s in registry.services(environment=spec.env)}
            sources.health = registry.latest_health(spec.env)
    except Exception as error:
        sources.registry_problem = _problem(error)


def _gather(specs: Path, spec: Spec, clients: KubeClients | None) -> _Sources:
    sources = _Sources()
    with ThreadPoolExecutor(max_workers=2) as pool:
        work = [
            pool.submit(_read_workloads, spec, sources, clients),
            pool.submit(_read_alerts, spec, sources),
        ]
        _read_registry(specs, spec, sources)
        for future in work:
            future.result()
    return sources


def _problem_text(sources: _Sources) -> str:
    return sources.alerts_problem.removeprefix("unknown: ")


def _wanted(service: Service) -> int:
    if service.replicas == 0:
        return 0
    return service.autoscale.min if service.autoscale is not None else service.replicas


def _replicas(service: Service, sources: _Sources) -> Replicas:
    if service.image is None or service.database is not None:
        return Replicas(runs=False)
    if sources.workloads_problem:
        return Replicas(problem=sources.workloads_problem)
    workload = sources.workloads.get(service.name)
    if workload is None:
        return Replicas(0, _wanted(service), None, "", missing=True)
    return Replicas(workload.ready, workload.desired, workload.restarts, workload.image)


def _alerts_for(spec: Spec, service: str, alerts: list[Alert]) -> tuple[Alert, ...]:
    ns = namespace(spec)
    return tuple(
        alert
        for alert in alerts
        if service in (alert.labels.get("service"), alert.labels.get("deployment"))
        and alert.labels.get("namespace", ns) == ns
    )


def decide(
    replicas: Replicas,
    alerts: tuple[Alert, ...],
    integrations: tuple[HealthResult | str, ...],
    unknown: tuple[str, ...],
) -> tuple[str, tuple[str, ...]]:
    """The word and its reasons (the rule in the module's docstring)."""
    if replicas.runs and not replicas.problem and replicas.desired and replicas.ready == 0:
        why = f"0/{replicas.desired} replicas ready"
        return "down", (f"{why}: no Deployment (not applied yet?)" if replicas.missing else why,)
    reasons: list[str] = []
    ready, desired = replicas.ready, replicas.desired
    if replicas.runs and desired is not None and ready is not None and ready < desired:
        reasons.append(f"{ready}/{desired} replicas ready")
    for alert in alerts:
        if alert.state == "active":
            reasons.append(f"alert {alert.name} firing ({alert.severity or 'no severity'})")
    for item in integrations:
        if isinstance(item, HealthResult) and item.status != "ok":
            reasons.append(f"integration {item.target} failing: {item.detail}")
    if reasons:
        return "degraded", tuple(reasons)
    if unknown:
        return "unknown", unknown
    return "healthy", ()


def _state(spec: Spec, service: Service, sources: _Sources) -> ServiceState:
    replicas = _replicas(service, sources)
    alerts = _alerts_for(spec, service.name, sources.alerts)
    integrations: tuple[HealthResult | str, ...] = tuple(
        sources.health.get(name, name) for name in service.uses
    )
    unknown = tuple(
        f"{what}: {problem}"
        for what, problem in (
            ("replicas", replicas.problem),
            ("alerts", _problem_text(sources) if sources.alerts_failed else ""),
            ("registry", sources.registry_problem),
        )
        if problem
    )
    word, reasons = decide(replicas, alerts, integrations, unknown)
    recorded = sources.registry.get(service.name)
    return ServiceState(
        service=service.name,
        environment=spec.env,
        state=word,
        reasons=reasons,
        replicas=replicas,
        last_apply=recorded.last_apply if recorded else None,
        drift=recorded.drift if recorded else None,
        drift_at=recorded.drift_at if recorded else "",
        integrations=integrations,
        alerts=alerts,
        alerts_problem=sources.alerts_problem,
        registry_problem=sources.registry_problem,
    )


def environment_states(
    specs: Path, spec: Spec, clients: KubeClients | None = None
) -> list[ServiceState]:
    """One environment's services, from its spec as already validated (the panel keeps its
    own until a spec file changes); every source is read afresh (`clients`: the Kubernetes
    clients the caller keeps, else one made for this read)."""
    sources = _gather(specs, spec, clients)
    return [_state(spec, service, sources) for service in spec.services]


def states_of(
    specs: Path, validated: Mapping[str, Spec], clients: KubeClients | None = None
) -> list[ServiceState]:
    """Every environment given, environment by environment; their sources are read at once."""
    if len(validated) < 2:
        return [s for spec in validated.values() for s in environment_states(specs, spec, clients)]
    with ThreadPoolExecutor(max_workers=min(len(validated), 4)) as pool:
        found = pool.map(lambda spec: environment_states(specs, spec, clients), validated.values())
        return [state for states in found for state in states]


def service_states(request: StatusRequest) -> list[ServiceState]:
    """Every service of one or every environment, environment by environment."""
    return states_of(request.specs, validate_directory(request.specs, request.env))
