"""The Monitoring component (`gmac:index:Monitoring`): the Project's `monitoring` section.

Children, in the environment's namespace:

    alertmanager-main  Secret          `alertmanager.yaml`, the file Alertmanager reads (the
                                       prometheus-operator's Alertmanager `main` reads this
                                       Secret by name)
    loki-config        ConfigMap       `config.yaml`: a single-binary Loki whose compactor
                                       deletes logs older than `logs.retention` (store loki)
    victorialogs-config ConfigMap      `retentionPeriod`, for VictoriaLogs run with
                                       `-envflag.enable` and this ConfigMap as `envFrom`
                                       (store victorialogs)
    gmac-health        CronJob, Secret the scheduled `gmac health` (components/health_job.py)
    gmac-workloads     PrometheusRule  alerts on the namespace's pods and deployments, so every
                                       service is watched even before it declares alerts

Alert routing, by the `severity` label every gmac alert carries:
    critical  e-mailed at once (group_wait 10s), repeated at most hourly
    warning   e-mailed after `group_wait`, repeated every `repeat_interval`
    info      kept in Alertmanager, not e-mailed (receiver `null`)
A firing critical alert silences the warning and info alerts of the same alert and service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pulumi
import yaml

from components._kube import child, duration_seconds, metadata, secret_payload
from components.health_job import add_health_job
from components.kube_object import KubeObject, Object

if TYPE_CHECKING:
    from components.context import CompileContext
    from gmac.models.project import Alertmanager, Logs, Loki
    from gmac.models.project import Monitoring as MonitoringSpec

TYPE = "gmac:index:Monitoring"
ALERTMANAGER_SECRET = "alertmanager-main"
SMTP_SECRET = "alertmanager-smtp"  # the smarthost password, mounted for smtp_auth_password_file
ALERTMANAGER_KEY = "alertmanager.yaml"
LOKI_CONFIGMAP = "loki-config"
LOKI_KEY = "config.yaml"
VICTORIALOGS_CONFIGMAP = "victorialogs-config"
WORKLOAD_RULES = "gmac-workloads"
CRITICAL_REPEAT = "1h"


def alertmanager_config(alertmanager: Alertmanager) -> dict[str, Any]:
    """The Alertmanager configuration: routes by severity to one e-mail receiver.

    A smarthost login reads its password from a file: the `alertmanager-smtp` Secret that the
    Alertmanager resource lists in `spec.secrets` is mounted there. So the configuration
    itself holds no secret and is the same in every environment, rendered ones included.
    """
    email = alertmanager.email
    smtp: dict[str, Any] = {
        "smtp_smarthost": email.smarthost,
        "smtp_from": email.from_,
        "smtp_require_tls": True,
    }
    if email.auth_secret is not None:
        smtp["smtp_auth_username"] = email.from_
        smtp["smtp_auth_password_file"] = smtp_password_file(email.auth_secret)
    critical_repeat = alertmanager.repeat_interval
    if duration_seconds(critical_repeat) > duration_seconds(CRITICAL_REPEAT):
        critical_repeat = CRITICAL_REPEAT
    group_by = ["alertname", "namespace", "service"]
    return {
        "global": smtp,
        "route": {
            "receiver": "email",
            "group_by": group_by,
            "group_wait": alertmanager.group_wait,
            "group_interval": alertmanager.group_interval,
            "repeat_interval": alertmanager.repeat_interval,
            "routes": [
                {
                    "receiver": "email",
                    "matchers": ['severity="critical"'],
                    "group_wait": "10s",
                    "repeat_interval": critical_repeat,
                },
                {"receiver": "email", "matchers": ['severity="warning"']},
                {"receiver": "null", "matchers": ['severity="info"']},
            ],
        },
        "receivers": [
            {"name": "email", "email_configs": [{"to": email.to, "send_resolved": True}]},
            {"name": "null"},
        ],
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity=~"warning|info"'],
                "equal": group_by,
            }
        ],
    }


def loki_config(loki: Loki | Logs) -> dict[str, Any]:
    """A single-binary Loki (3.x) configuration, filesystem storage, with retention on."""
    seconds = duration_seconds(loki.retention)
    retention = f"{int(seconds // 3600)}h" if seconds % 3600 == 0 else loki.retention
    return {
        "auth_enabled": False,
        "server": {"http_listen_port": 3100},
        "common": {
            "path_prefix": "/var/loki",
            "replication_factor": 1,
            "ring": {"kvstore": {"store": "inmemory"}},
            "storage": {
                "filesystem": {
                    "chunks_directory": "/var/loki/chunks",
                    "rules_directory": "/var/loki/rules",
                }
            },
        },
        "schema_config": {
            "configs": [
                {
                    "from": "2024-01-01",
                    "store": "tsdb",
                    "object_store": "filesystem",
                    "schema": "v13",
                    "index": {"prefix": "index_", "period": "24h"},
                }
            ]
        },
        "compactor": {
            "working_directory": "/var/loki/compactor",
            "retention_enabled": True,
            "delete_request_store": "filesystem",
        },
        "limits_config": {"retention_period": retention},
    }


def victorialogs_config(logs: Logs) -> dict[str, str]:
    """VictoriaLogs' flags as environment variables (`-envflag.enable`): its retention."""
    return {"retentionPeriod": logs.retention}


def workload_rules(namespace: str) -> dict[str, Any]:
    """The `spec` of the namespace-wide PrometheusRule (kube-state-metrics and `up`)."""
    where = f'namespace="{namespace}"'
    rules = [
        {
            "alert": "GmacPodCrashLooping",
            "expr": "max_over_time(kube_pod_container_status_waiting_reason"
            f'{{{where},reason="CrashLoopBackOff"}}[5m]) >= 1',
            "for": "15m",
            "labels": {"severity": "warning"},
            "annotations": {"summary": "{{ $labels.pod }} keeps crashing"},
        },
        {
            "alert": "GmacDeploymentUnavailable",
            "expr": f"kube_deployment_status_replicas_unavailable{{{where}}} > 0",
            "for": "15m",
            "labels": {"severity": "warning"},
            "annotations": {"summary": "{{ $labels.deployment }} has unavailable pods"},
        },
        {
            "alert": "GmacTargetDown",
            "expr": f"up{{{where}}} == 0",
            "for": "5m",
            "labels": {"severity": "critical"},
            "annotations": {"summary": "{{ $labels.job }} on {{ $labels.instance }} is down"},
        },
    ]
    return {"groups": [{"name": "gmac-workloads.rules", "rules": rules}]}


def smtp_password_file(auth_secret: str) -> str:
    """Where the prometheus-operator mounts key `auth_secret` of the SMTP Secret."""
    return f"/etc/alertmanager/secrets/{SMTP_SECRET}/{auth_secret}"


def _dump(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


class Monitoring(pulumi.ComponentResource):
    """Alertmanager's configuration, log retention, workload alerts and the health job."""

    def __init__(
        self,
        name: str,
        monitoring: MonitoringSpec,
        ctx: CompileContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        self._ctx = ctx
        self._labels = ctx.labels(name, "monitoring")
        if monitoring.alertmanager is not None:
            config = _dump(alertmanager_config(monitoring.alertmanager))
            secret = {"type": "Opaque", "stringData": {ALERTMANAGER_KEY: config}}
            self._child(ALERTMANAGER_SECRET, "v1", "Secret", secret)
            auth_secret = monitoring.alertmanager.email.auth_secret
            if auth_secret is not None:
                data, sealed = secret_payload(ctx, [auth_secret])
                smtp = {"type": "Opaque", "stringData": data}
                self._child(SMTP_SECRET, "v1", "Secret", smtp, annotations=sealed)
        logs = monitoring.log_store()
        if logs is not None and logs.store == "loki":
            loki = {"data": {LOKI_KEY: _dump(loki_config(logs))}}
            self._child(LOKI_CONFIGMAP, "v1", "ConfigMap", loki)
        elif logs is not None:
            retention = {"data": victorialogs_config(logs)}
            self._child(VICTORIALOGS_CONFIGMAP, "v1", "ConfigMap", retention)
        add_health_job(self, ctx, monitoring.health_checks)
        rules = {"spec": workload_rules(ctx.namespace)}
        self._child(WORKLOAD_RULES, "monitoring.coreos.com/v1", "PrometheusRule", rules)
        self.register_outputs({})

    def _child(
        self,
        name: str,
        api_version: str,
        kind: str,
        fields: Object,
        *,
        annotations: dict[str, pulumi.Input[str]] | None = None,
    ) -> None:
        """One of the environment's monitoring objects, named, labelled and in the namespace."""
        meta = metadata(name, self._ctx, self._labels, annotations)
        KubeObject(name, api_version, kind, {"metadata": meta, **fields}, child(self))
