"""Generated Prometheus rules pass `promtool check rules`; the Alertmanager configuration
passes `amtool check-config`. Both tools come from Debian (scripts/install-system-packages);
without them these tests skip (in CI a skip is a failure: tests/conftest.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.monitoring import (
    ALERTMANAGER_KEY,
    ALERTMANAGER_SECRET,
    SMTP_SECRET,
    alertmanager_config,
    smtp_password_file,
)
from gmac.compile import ResourceGraph
from gmac.models.project import Alertmanager
from gmac.validate import Spec
from tests.compile.conftest import ENVIRONMENTS, PROJECT, graph_of, make_spec, require_tool
from tests.compile.test_golden import _needs_integrations

PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
SECRET = "kubernetes:core/v1:Secret"


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def check_rules(graph: ResourceGraph, directory: Path) -> list[str]:
    """Write each PrometheusRule's groups to a file and run promtool over them all."""
    promtool = require_tool("promtool", "prometheus")
    files = []
    for node in graph.of_type(PROMETHEUS_RULE):
        path = directory / f"{node.name}.rules.yaml"
        path.write_text(yaml.safe_dump(node.inputs["spec"], sort_keys=False), encoding="utf-8")
        files.append(str(path))
    assert files, "no PrometheusRule in the graph"
    result = _run(promtool, "check", "rules", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    return files


def check_config(text: str, directory: Path) -> None:
    amtool = require_tool("amtool", "prometheus-alertmanager")
    path = directory / ALERTMANAGER_KEY
    path.write_text(text, encoding="utf-8")
    result = _run(amtool, "check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def alertmanager_yaml(graph: ResourceGraph) -> str:
    text = graph.get(SECRET, ALERTMANAGER_SECRET).inputs["stringData"][ALERTMANAGER_KEY]
    assert isinstance(text, str)
    return text


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_example_rules_pass_promtool(
    env: str, example_specs: dict[str, Spec], tmp_path: Path
) -> None:
    spec = example_specs[env]
    _needs_integrations(spec)
    graph = graph_of(spec)
    files = check_rules(graph, tmp_path)
    names = {Path(file).name for file in files}
    assert {"api-alerts.rules.yaml", "gmac-workloads.rules.yaml"} <= names


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_example_alertmanager_config_passes_amtool(
    env: str, example_specs: dict[str, Spec], tmp_path: Path
) -> None:
    spec = example_specs[env]
    _needs_integrations(spec)
    text = alertmanager_yaml(graph_of(spec, reveal_secrets=True))
    check_config(text, tmp_path)
    config = yaml.safe_load(text)
    severities = [route["matchers"] for route in config["route"]["routes"]]
    assert severities == [['severity="critical"'], ['severity="warning"'], ['severity="info"']]
    assert config["receivers"][0]["email_configs"][0]["to"] == "ops@gmac.io"


def test_rules_of_every_shape_pass_promtool(tmp_path: Path) -> None:
    alerts: list[dict[str, Any]] = [
        {"name": "Down", "expr": 'up{job="shop"} == 0', "for": "5m", "severity": "critical"},
        {"name": "Slow", "expr": "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > 1"},
        {
            "name": "Note",
            "expr": "vector(1)",
            "severity": "info",
            "summary": "a note: {{ $value }}",
            "description": "with 'quotes' and \"double quotes\"",
            "labels": {"team": "ops", "severity": "ignored"},
        },
    ]
    spec = make_spec([{"name": "shop-api", "alerts": alerts}])
    check_rules(graph_of(spec), tmp_path)


def test_config_with_an_smtp_login_passes_amtool(tmp_path: Path) -> None:
    project = dict(PROJECT)
    project["monitoring"] = {
        "alertmanager": {
            "email": {
                "to": "ops@example.org",
                "from": "alerts@example.org",
                "smarthost": "smtp.example.org:587",
                "auth_secret": "smtp-password",
            },
            "group_wait": "1m",
            "repeat_interval": "30m",
        }
    }
    spec = make_spec([], project=project)
    hidden = graph_of(spec, secret_values={"smtp-password": "hunter2-smtp"})
    assert "hunter2-smtp" not in hidden.to_json()
    revealed = graph_of(spec, secret_values={"smtp-password": "hunter2-smtp"}, reveal_secrets=True)
    text = alertmanager_yaml(revealed)
    check_config(text, tmp_path)
    config = yaml.safe_load(text)
    # The configuration names the mounted file; the password is in a Secret of its own.
    assert "hunter2-smtp" not in text
    assert config["global"]["smtp_auth_password_file"] == smtp_password_file("smtp-password")
    smtp = revealed.get(SECRET, SMTP_SECRET).inputs["stringData"]
    assert smtp == {"smtp-password": "hunter2-smtp"}
    # A repeat shorter than an hour is kept for critical alerts, not lengthened.
    assert config["route"]["routes"][0]["repeat_interval"] == "30m"


def test_config_without_a_login_passes_amtool(tmp_path: Path) -> None:
    alertmanager = Alertmanager.model_validate(
        {"email": {"to": "a@example.org", "from": "b@example.org", "smarthost": "h:25"}}
    )
    config = alertmanager_config(alertmanager)
    assert "smtp_auth_password_file" not in config["global"]
    check_config(yaml.safe_dump(config), tmp_path)


def test_config_whose_login_is_not_known_is_still_written() -> None:
    """Without the password's value the configuration is complete; only the login's own
    Secret is left unknown."""
    project = dict(PROJECT)
    email = {**PROJECT["monitoring"]["alertmanager"]["email"], "auth_secret": "smtp-password"}
    project["monitoring"] = {"alertmanager": {"email": email}}
    graph = graph_of(make_spec([], project=project), reveal_secrets=True)
    data = graph.get(SECRET, ALERTMANAGER_SECRET).inputs["stringData"]
    assert "smtp_auth_password_file" in data[ALERTMANAGER_KEY]
    assert graph.get(SECRET, SMTP_SECRET).inputs["stringData"] in (
        "[unknown]",
        {"smtp-password": "[unknown]"},
    )
