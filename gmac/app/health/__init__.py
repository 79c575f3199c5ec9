"""`gmac health`: checks that every integration of an environment works now (credentials
valid, endpoint reachable, database answering), records the result in the registry, and
exposes it as Prometheus metrics (a textfile collector's file, or a Pushgateway).

    check_environment(spec, secret_values) -> HealthReport
    write_metrics_file(reports, path)         node_exporter's textfile collector
    push_metrics(reports, gateway_url)        a Pushgateway, one group per environment

The command (gmac/cli_health.py) reads the credentials from the secret store and records
each report in the registry.
"""

from gmac.app.health._checks import CheckResult, HealthReport, check_environment, credential_names
from gmac.app.health._metrics import metrics_registry, push_metrics, write_metrics_file

__all__ = [
    "CheckResult",
    "HealthReport",
    "check_environment",
    "credential_names",
    "metrics_registry",
    "push_metrics",
    "write_metrics_file",
]
