"""See the business running, against real servers: `gmac status`, `metrics`, `logs`, alerts
by e-mail, and the health CronJob.

What runs, all on 127.0.0.1 and stopped at the end of the module:
- the session's control plane, with the example's `api` and `billing-worker` applied to a
  namespace by `gmac apply` (integrations live: only the `ci` webhook, whose receiver is a
  local server); kwok makes their replicas ready;
- the go-api and worker templates' binaries, built here (`go build`; the API with one route
  more, `GET /fail`, answering 500), with traffic of which a quarter fails;
- Debian's Prometheus scraping them every second, its rule files the `spec.groups` of the
  PrometheusRules read back from the cluster (gmac's own alert expressions: only the `for`
  of ApiHighErrorRate is shortened, from 10m to 20s);
- Debian's Alertmanager with the configuration gmac compiled (the `alertmanager-main`
  Secret, read back), its SMTP password from a file holding the `alertmanager-smtp` Secret's
  value (the file the operator would mount), delivering to an SMTP server (aiosmtpd) with
  STARTTLS and a login;
- VictoriaLogs built from its module, with the retention gmac compiled, the API's log lines
  pushed to it through the Loki push API.
Loki is not among them: see tests/observe/test_sources.py.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes
import pytest
import yaml

from gmac.clients.logs import Stream, rfc3339_ns
from gmac.clients.victorialogs import VictoriaLogs
from gmac.dev import servers
from gmac.dev.cluster import ControlPlane
from tests.cluster._observe import (
    SMTP_USER,
    SmtpSink,
    Traffic,
    build_templates,
    observe_project,
    set_monitoring,
    start_smtp,
)
from tests.cluster._project import Project
from tests.gmac_process import run_gmac
from tests.gmac_result import Result
from tests.local_http import LocalServer, local_server
from tests.real import require

NAMESPACE = "observe-staging"
REPORT: list[str] = []


@dataclass
class Observed:
    project: Project
    traffic: Traffic
    sink: SmtpSink
    prometheus: servers.Server
    alertmanager: servers.Server
    logs: servers.Server
    receiver: LocalServer
    api_log: Path
    kube: Any

    def gmac(self, *args: str, specs: Path | None = None, with_specs: bool = True) -> Result:
        where = ["--specs", str(specs or self.project.specs)] if with_specs else []
        return run_gmac(
            [*args, *where],
            cwd=self.project.root,
            env=self.project.env_vars,
            timeout=300,
        )


def _wait(what: str, check: Callable[[], Any], timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    pytest.fail(f"{what}: not within {timeout:g}s")


def _secret(kube: Any, name: str) -> dict[str, str]:
    secret = kubernetes.client.CoreV1Api(kube).read_namespaced_secret(name, NAMESPACE)
    return {key: base64.b64decode(value).decode() for key, value in (secret.data or {}).items()}


def _rule_files(kube: Any, folder: Path) -> list[Path]:
    rules = kubernetes.client.CustomObjectsApi(kube).list_namespaced_custom_object(
        "monitoring.coreos.com", "v1", NAMESPACE, "prometheusrules"
    )
    files = []
    for item in rules["items"]:
        path = folder / f"{item['metadata']['name']}.rules.yaml"
        path.write_text(yaml.safe_dump({"groups": item["spec"]["groups"]}), encoding="utf-8")
        files.append(path)
    return files


@pytest.fixture(scope="module")
def observed(
    control_plane: ControlPlane, kube: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Observed]:
    require(servers.find_prometheus(), "prometheus", "run scripts/install-system-packages")
    require(
        servers.find_alertmanager(),
        "prometheus-alertmanager",
        "run scripts/install-system-packages",
    )
    require(servers.find_victorialogs(), f"victoria-logs {servers.VICTORIALOGS_VERSION}")
    home = tmp_path_factory.mktemp("observe")
    binaries = build_templates(home / "code")
    sink, smtp, certificate = start_smtp(home)
    started: list[servers.Server | servers.ServerProcess] = []
    traffic: Traffic | None = None
    try:
        with local_server() as receiver:
            receiver.answer("HEAD", "/hooks/gitea", 200)
            ports = {"api": servers.free_port(), "metrics": servers.free_port()}
            api = servers.ServerProcess(
                "api",
                [str(binaries["api"])],
                home,
                home / "api.log",
                f"http://127.0.0.1:{ports['api']}/healthz",
                env={"PORT": str(ports["api"]), "METRICS_PORT": str(ports["metrics"])},
            )
            api.start()
            started.append(api)
            worker_port = servers.free_port()
            worker = servers.ServerProcess(
                "billing-worker",
                [str(binaries["billing-worker"])],
                home,
                home / "worker.log",
                f"http://127.0.0.1:{worker_port}/healthz",
                env={"METRICS_PORT": str(worker_port), "INTERVAL": "1s"},
            )
            worker.start()
            started.append(worker)

            project = observe_project(
                home,
                control_plane,
                namespace=NAMESPACE,
                smtp_port=sink.port,
                webhook_url=f"{receiver.url}/hooks/gitea",
            )
            # A shared environment's stack is created on purpose first (where gmac has
            # `gmac stack init`; an older gmac creates it on first apply).
            init = project.gmac("stack", "init", "--env", "staging", check=False)
            if init.returncode != 0 and "No such command" not in init.stderr:
                pytest.fail(f"gmac stack init: {init.stdout}{init.stderr}")
            applied = project.gmac("apply", "--env", "staging", "--yes", timeout=900)
            REPORT.append(f"apply: {applied.stdout[-400:]}")

            config = yaml.safe_load(_secret(kube, "alertmanager-main")["alertmanager.yaml"])
            password = home / "smtp-password"
            password.write_text(_secret(kube, "alertmanager-smtp")["smtp-password"])
            config["global"]["smtp_auth_password_file"] = str(password)
            alertmanager = servers.start_configured_alertmanager(
                home / "alertmanager", config, env={"SSL_CERT_FILE": str(certificate)}
            )
            started.append(alertmanager)
            rules = _rule_files(kube, home)
            targets = [
                servers.Target(
                    "api",
                    f"127.0.0.1:{ports['metrics']}",
                    {"namespace": NAMESPACE, "service": "api"},
                ),
                servers.Target(
                    "billing-worker",
                    f"127.0.0.1:{worker_port}",
                    {"namespace": NAMESPACE, "service": "billing-worker"},
                ),
            ]
            prometheus = servers.start_prometheus(
                home / "prometheus", targets, rules, alertmanager=alertmanager.url
            )
            started.append(prometheus)
            retention = (
                kubernetes.client.CoreV1Api(kube)
                .read_namespaced_config_map("victorialogs-config", NAMESPACE)
                .data["retentionPeriod"]
            )
            logs = servers.start_victorialogs(home / "logs", retention=retention)
            started.append(logs)
            set_monitoring(
                project,
                prometheus=prometheus.url,
                alertmanager=alertmanager.url,
                logs=logs.url,
            )
            traffic = Traffic(f"http://127.0.0.1:{ports['api']}")
            traffic.start()
            yield Observed(
                project, traffic, sink, prometheus, alertmanager, logs, receiver, api.log, kube
            )
    finally:
        if traffic is not None:
            traffic.stop()
        for server in reversed(started):
            server.stop()
        smtp.stop()
        if REPORT:
            print("\n".join(["", "observe report:", *REPORT]))


def test_the_health_cron_job_is_accepted_by_the_api_server(observed: Observed) -> None:
    job = kubernetes.client.BatchV1Api(observed.kube).read_namespaced_cron_job(
        "gmac-health", NAMESPACE
    )
    assert job.spec.schedule == "*/5 * * * *"  # the ci webhook's health.every: 5m
    assert job.spec.concurrency_policy == "Forbid"
    container = job.spec.job_template.spec.template.spec.containers[0]
    assert container.image == "registry.gmac.io/gmac/gmac:latest"
    assert container.args[:5] == ["health", "--env", "staging", "--specs", "/project/specs"]
    assert "--pushgateway" in container.args


def test_metrics_show_the_request_rate_and_error_ratio_sent(observed: Observed) -> None:
    # The rate window is a minute: let a whole one of steady traffic be scraped.
    time.sleep(max(0.0, 75 - observed.traffic.running_for()))
    result = observed.gmac("metrics", "api", "--env", "staging", "--since", "5m", "--json")
    assert result.code == 0, str(result)
    series = {s["name"]: s for s in json.loads(result.stdout)["series"]}
    # What was sent in the minute the last point's rate covers (it ends at the query's start;
    # Prometheus saw it up to a scrape, a second, earlier).
    at = series["requests"]["points"][-1][0]
    sent_rate, share = observed.traffic.window(60, end=at)
    assert share == pytest.approx(0.25, abs=0.02)
    assert series["errors"]["current"] == pytest.approx(share, rel=0.10)
    assert series["requests"]["current"] == pytest.approx(sent_rate, rel=0.10)
    assert series["up"]["current"] == 1
    assert series["memory"]["current"] > 1_000_000
    assert series["p95"]["current"] is not None
    custom = series["custom:http:success_ratio:rate5m"]  # over 5m: the whole run so far
    total = observed.traffic.sent
    assert custom["current"] == pytest.approx(total["ok"] / sum(total.values()), rel=0.10)
    assert len(series["requests"]["points"]) > 5

    shown = observed.gmac("metrics", "api", "--env", "staging", "--show-queries")
    assert shown.code == 0, str(shown)
    assert "request rate" in shown.stdout and "error ratio" in shown.stdout
    assert 'sum(rate(http_requests_total{namespace="observe-staging",service="api"}' in (
        shown.stdout
    )
    assert any(block in shown.stdout for block in "▁▂▃▄▅▆▇█")
    REPORT.append(f"$ gmac metrics api --env staging ({shown.seconds:.2f}s)\n{shown.stdout}")
    worker = observed.gmac("metrics", "billing-worker", "--env", "staging", "--json")
    names = [s["name"] for s in json.loads(worker.stdout)["series"]]
    assert "cpu" in names and "requests" not in names


def _firing(observed: Observed) -> list[dict[str, Any]]:
    result = observed.gmac(
        "alerts", "list", "--alertmanager", observed.alertmanager.url, "--json", with_specs=False
    )
    assert result.code == 0, str(result)
    alerts = json.loads(result.stdout)["alerts"]
    return [a for a in alerts if a["name"] == "ApiHighErrorRate" and a["state"] == "active"]


def test_the_error_rate_alert_fires_and_status_says_degraded(observed: Observed) -> None:
    _wait("ApiHighErrorRate firing in Alertmanager", lambda: _firing(observed), 120)
    result = observed.gmac("status", "--env", "staging", "--json")
    assert result.code == 0, str(result)
    states = {s["service"]: s for s in json.loads(result.stdout)["services"]}
    api = states["api"]
    assert api["state"] == "degraded", api
    assert any("ApiHighErrorRate" in reason for reason in api["reasons"])
    assert api["replicas"]["ready"] == api["replicas"]["desired"] == 2
    assert api["replicas"]["image"] == "registry.gmac.io/gmac/api:observe"
    assert api["last_apply"]["actor"] == "gmackie"
    assert api["last_apply"]["outcome"] == "succeeded"
    assert states["billing-worker"]["state"] == "healthy", states["billing-worker"]
    table = observed.gmac("status", "--env", "staging")
    assert "degraded" in table.stdout and "ApiHighErrorRate" in table.stdout
    REPORT.append(f"$ gmac status --env staging ({table.seconds:.2f}s)\n{table.stdout}")


def test_the_firing_alert_is_emailed_then_silenced_by_ack(observed: Observed) -> None:
    _wait("ApiHighErrorRate firing in Alertmanager", lambda: _firing(observed), 120)
    message = observed.sink.wait_for("ApiHighErrorRate", timeout=90)
    assert "ops@gmac.io" in message
    assert SMTP_USER in observed.sink.logins  # the password came from the mounted file
    # Repeats come every ~10s while it fires (repeat_interval 10s in the test's project).
    _wait("a repeated e-mail", lambda: len(observed.sink.matching("ApiHighErrorRate")) >= 2, 60)

    ack = observed.gmac(
        "alerts",
        "ack",
        "ApiHighErrorRate",
        "--for",
        "1h",
        "--by",
        "gmackie",
        "--alertmanager",
        observed.alertmanager.url,
        with_specs=False,
    )
    assert ack.code == 0, str(ack)
    assert "silenced ApiHighErrorRate" in ack.stdout
    time.sleep(3)  # a notification already on its way may still land
    before = len(observed.sink.matching("ApiHighErrorRate"))
    time.sleep(30)
    assert len(observed.sink.matching("ApiHighErrorRate")) == before, "e-mailed after ack"

    status = observed.gmac("status", "--env", "staging", "--json")
    api = next(s for s in json.loads(status.stdout)["services"] if s["service"] == "api")
    assert [a["state"] for a in api["alerts"] if a["name"] == "ApiHighErrorRate"] == ["suppressed"]
    assert not any("ApiHighErrorRate" in reason for reason in api["reasons"])


def _push_api_log(observed: Observed) -> int:
    """The API's own log lines (JSON, from its stdout), pushed as a shipper would."""
    entries = []
    for text in observed.api_log.read_text().splitlines():
        try:
            record = json.loads(text)
        except ValueError:
            continue
        at = rfc3339_ns(str(record.get("time", ""))) if isinstance(record, dict) else None
        entries.append((at or time.time_ns(), json.dumps(record)))
    old = time.time_ns() - 2 * 3600 * 10**9
    entries.append((old, '{"level":"ERROR","msg":"an old error, two hours ago"}'))
    labels = {"namespace": NAMESPACE, "service": "api", "pod": "api-local"}
    VictoriaLogs(observed.logs.url).push([Stream(labels, entries)])
    return len(entries)


def test_logs_grep_finds_the_pushed_lines_within_since(observed: Observed) -> None:
    assert _push_api_log(observed) > 3
    found = _wait(
        "the pushed lines queryable",
        lambda: json.loads(
            observed.gmac("logs", "api", "--env", "staging", "--grep", "error", "--json").stdout
        )["lines"],
        30,
    )
    assert all("error" in line["line"].lower() for line in found)
    assert any("request failed" in line["line"] for line in found)
    assert not any("two hours ago" in line["line"] for line in found), "--since 1h bounds"
    old = ("logs", "api", "--env", "staging", "--grep", "two hours ago")
    assert "no log lines" in observed.gmac(*old).stdout  # --since 1h, the default
    assert "an old error, two hours ago" in observed.gmac(*old, "--since", "3h").stdout
    limited = observed.gmac(
        "logs", "api", "--env", "staging", "--grep", "ERROR", "--limit", "2", "--json"
    )
    assert len(json.loads(limited.stdout)["lines"]) == 2
    none = observed.gmac("logs", "api", "--env", "staging", "--grep", "no-such-text-here")
    assert none.code == 0 and "no log lines" in none.stdout
    shown = observed.gmac("logs", "api", "--env", "staging", "--grep", "error", "--limit", "5")
    assert shown.code == 0, str(shown)
    REPORT.append(
        f"$ gmac logs api --env staging --grep error --limit 5 ({shown.seconds:.2f}s)\n"
        f"{shown.stdout}"
    )


def test_health_history_shows_checks_over_time_and_the_last_failure(observed: Observed) -> None:
    assert observed.gmac("health", "--env", "staging").code == 0
    observed.receiver.answer("HEAD", "/hooks/gitea", 503)
    failed = observed.gmac("health", "--env", "staging", "--json")
    assert failed.code == 1
    observed.receiver.answer("HEAD", "/hooks/gitea", 200)
    history = observed.gmac(
        "health", "history", "--env", "staging", "--integration", "ci", "--json"
    )
    assert history.code == 0, str(history)
    (ci,) = json.loads(history.stdout)["integrations"]
    assert [r["status"] for r in ci["results"]][:2] == ["failing", "ok"]
    assert "answered 503" in ci["last_failure"]["detail"]
    table = observed.gmac("health", "history", "--env", "staging")
    assert "last failure" in table.stdout and "answered 503" in table.stdout
    # The last check failed: the service using the integration shows it failing.
    status = observed.gmac("status", "--env", "staging", "--json")
    api = next(s for s in json.loads(status.stdout)["services"] if s["service"] == "api")
    assert [i["status"] for i in api["integrations"]] == ["failing"]


def test_a_promql_error_from_the_server_is_one_line(observed: Observed, tmp_path: Path) -> None:
    import shutil

    specs = tmp_path / "specs"
    shutil.copytree(observed.project.specs, specs)
    path = specs / "services" / "api.yaml"
    api = yaml.safe_load(path.read_text())
    # Not recorded by this Prometheus (its rules are the applied ones), so gmac asks for the
    # expression itself, which Prometheus refuses: rate() needs a range.
    api["metrics"]["custom"].append({"name": "api:broken", "expr": "rate(http_requests_total)"})
    path.write_text(yaml.safe_dump(api, sort_keys=False))
    result = observed.gmac("metrics", "api", "--env", "staging", specs=specs)
    assert result.code == 1, str(result)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: prometheus: query failed: bad_data:"), line
    assert "range vector" in line
