"""`gmac health`: checks that every integration of an environment works now (credentials
valid, endpoint reachable, database answering), records the result in the registry, and
exposes it as Prometheus metrics (a textfile collector's file, or a Pushgateway).

    run_health(HealthRequest(specs, env, ...)) -> HealthRun         what the command does
    check_health(HealthRequest(...)) -> [HealthReport]              the same, raising
    check_environment(spec, secret_values) -> HealthReport          the checks themselves
    write_metrics_file(reports, path)         node_exporter's textfile collector
    push_metrics(reports, gateway_url)        a Pushgateway, one group per environment
    health_history(HealthHistoryRequest(...)) -> [IntegrationHistory]   `gmac health history`
"""

from gmac.app.health._checks import CheckResult, HealthReport, check_environment, credential_names
from gmac.app.health._metrics import metrics_registry, push_metrics, write_metrics_file
from gmac.app.health.history import HealthHistoryRequest, IntegrationHistory, health_history
from gmac.app.health.run import HealthRequest, HealthRun, check_health, run_health

__all__ = [
    "CheckResult",
    "HealthHistoryRequest",
    "HealthReport",
    "HealthRequest",
    "HealthRun",
    "IntegrationHistory",
    "check_environment",
    "check_health",
    "credential_names",
    "health_history",
    "metrics_registry",
    "push_metrics",
    "run_health",
    "write_metrics_file",
]
