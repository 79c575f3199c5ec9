"""What the observe fields compile to: custom metrics as recording rules (promtool checks
them), the log store's retention for both stores, and `health.every` as a CronJob."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gmac.models import WebhookIntegration
from gmac.models.integration import cron_schedule
from tests.compile.conftest import PROJECT, graph_of, make_spec
from tests.compile.test_prometheus_tools import PROMETHEUS_RULE, check_rules
from tests.gmac_process import run_gmac

REPO = Path(__file__).resolve().parents[2]
CRONJOB = "kubernetes:batch/v1:CronJob"
CONFIGMAP = "kubernetes:core/v1:ConfigMap"
SECRET = "kubernetes:core/v1:Secret"
SERVICE: dict[str, Any] = {
    "name": "shop-api",
    "image": {"ref": "registry.example.org/shop/api:1"},
    "port": 8080,
    "metrics": {
        "port": 9090,
        "custom": [
            {
                "name": "shop:checkouts:rate5m",
                "expr": 'sum(rate(checkouts_total{service="shop-api"}[5m]))',
                "unit": "checkouts/s",
            }
        ],
    },
    "alerts": [
        {"name": "NoCheckouts", "expr": "shop:checkouts:rate5m == 0", "for": "10m"},
    ],
}


def _online(project: dict[str, Any], **monitoring: Any) -> dict[str, Any]:
    result = {**project, "monitoring": {**project["monitoring"], **monitoring}}
    staging = {
        **project["environments"]["staging"],
        "integrations": "live",
        "monitoring": {"pushgateway": "http://pushgateway.monitoring.svc:9091"},
    }
    result["environments"] = {**project["environments"], "staging": staging}
    return result


def _hook(every: str = "5m") -> WebhookIntegration:
    return WebhookIntegration.model_validate(
        {
            "kind": "Integration",
            "type": "webhook",
            "name": "ci",
            "url": "https://ci.example.org/hook",
            "events": ["push"],
            "secret": "api-key",
            "health": {"every": every},
        }
    )


def test_custom_metrics_are_recording_rules_before_the_alerts(tmp_path: Path) -> None:
    graph = graph_of(make_spec([SERVICE]))
    rules = graph.get(PROMETHEUS_RULE, "shop-api-alerts").inputs["spec"]["groups"][0]["rules"]
    assert rules[0] == {
        "record": "shop:checkouts:rate5m",
        "expr": 'sum(rate(checkouts_total{service="shop-api"}[5m]))',
        "labels": {"service": "shop-api"},
    }
    assert rules[1]["alert"] == "NoCheckouts"
    check_rules(graph, tmp_path)  # promtool accepts the group, recording rule included


def test_a_service_with_only_custom_metrics_still_gets_its_rule() -> None:
    service = {**SERVICE, "alerts": []}
    graph = graph_of(make_spec([service]))
    rules = graph.get(PROMETHEUS_RULE, "shop-api-alerts").inputs["spec"]["groups"][0]["rules"]
    assert [rule.get("record") for rule in rules] == ["shop:checkouts:rate5m"]


@pytest.mark.parametrize(
    ("store", "name", "check"),
    [
        ("victorialogs", "victorialogs-config", lambda data: data == {"retentionPeriod": "14d"}),
        ("loki", "loki-config", lambda data: "retention_period: 336h" in data["config.yaml"]),
    ],
)
def test_log_retention_compiles_for_both_stores(store: str, name: str, check: Any) -> None:
    project = {**PROJECT, "monitoring": {**PROJECT["monitoring"]}}
    del project["monitoring"]["loki"]
    project["monitoring"]["logs"] = {"store": store, "retention": "14d"}
    graph = graph_of(make_spec([], project=project))
    assert check(graph.get(CONFIGMAP, name).inputs["data"])
    other = {"victorialogs-config", "loki-config"} - {name}
    assert not [n for n in graph.of_type(CONFIGMAP) if n.name in other]


def test_health_every_is_a_cron_job_running_gmac_health() -> None:
    project = _online(PROJECT, health_checks={"registry": {"url": "libsql://r.example.org"}})
    graph = graph_of(make_spec([], project=project, integrations=[_hook("5m")]))
    job = graph.get(CRONJOB, "gmac-health").inputs
    spec = job["spec"]
    assert spec["schedule"] == "*/5 * * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    container = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "registry.example.org/shop/gmac:latest"
    assert container["command"] == ["gmac"]
    assert container["args"] == [
        "health",
        "--env",
        "staging",
        "--specs",
        "/project/specs",
        "--pushgateway",
        "http://pushgateway.monitoring.svc:9091",
    ]
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["GMAC_REGISTRY_URL"] == "libsql://r.example.org"


def test_no_registry_means_no_record_and_offline_means_no_job() -> None:
    project = _online(PROJECT)
    graph = graph_of(make_spec([], project=project, integrations=[_hook("1h")]))
    spec = graph.get(CRONJOB, "gmac-health").inputs["spec"]
    assert spec["schedule"] == "0 * * * *"
    args = spec["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[-1] == "--no-record"
    offline = graph_of(make_spec([], integrations=[_hook()]))
    assert not offline.of_type(CRONJOB)


@pytest.mark.parametrize(
    ("every", "schedule"),
    [("1m", "* * * * *"), ("15m", "*/15 * * * *"), ("2h", "0 */2 * * *"), ("1d", "0 0 * * *")],
)
def test_intervals_cron_can_keep(every: str, schedule: str) -> None:
    assert cron_schedule(every) == schedule


def _copy_specs(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    shutil.copytree(REPO / "specs", specs)
    return specs


def _edit(path: Path, change: Any) -> None:
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        (
            "integrations/stripe.yaml",
            lambda d: d.update(health={"every": "7m"}),
            "health.every: '7m' cannot run at even intervals from cron",
        ),
        (
            "services/api.yaml",
            lambda d: d["metrics"]["custom"].append(dict(d["metrics"]["custom"][0])),
            "metrics.custom.1.name: custom metric 'http:success_ratio:rate5m' is declared twice",
        ),
        (
            "services/api.yaml",
            lambda d: d["metrics"]["custom"][0].update(expr="sum(rate(x[5m])"),
            "metrics.custom.0.expr: unclosed '(' in the expression",
        ),
        (
            "services/api.yaml",
            lambda d: d["metrics"]["custom"][0].update(name="api-success"),
            "metrics.custom.0.name",
        ),
        (
            "project.yaml",
            lambda d: d["monitoring"].update(loki={"retention": "7d"}),
            "monitoring.loki: give 'logs' or the older 'loki', not both",
        ),
        (
            "project.yaml",
            lambda d: d["environments"]["staging"]["monitoring"].update(prometheus="prom:9090"),
            "environments.staging.monitoring.prometheus: 'prom:9090' is not an http(s) URL",
        ),
    ],
)
def test_bad_observe_fields_are_one_clear_problem(
    tmp_path: Path, file: str, change: Any, message: str
) -> None:
    specs = _copy_specs(tmp_path)
    _edit(specs / file, change)
    result = run_gmac(["validate", "--specs", str(specs)], cwd=tmp_path)
    assert result.code == 1, str(result)
    assert message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
