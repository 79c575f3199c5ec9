"""Prometheus and an Alertmanager with a configuration of the caller's, for the observe tests.

    Prometheus     Debian's `prometheus` (2.42), a temporary TSDB in `home`, scraping the
                   targets given (the templates' binaries the tests start), evaluating the
                   rule files given (the PrometheusRules gmac compiles), alerting the
                   Alertmanager given; scrape and evaluation every second
    Alertmanager   Debian's `prometheus-alertmanager` with the configuration given (the one
                   gmac compiles) and Debian's templates, which its e-mails need

Both listen on free ports of 127.0.0.1 and stop with their handle.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gmac.dev.servers._build import find_alertmanager
from gmac.dev.servers._process import LOCALHOST, ServerError, ServerProcess, free_port
from gmac.dev.servers._servers import Server

PROMETHEUS_BINARY = "prometheus"
ALERTMANAGER_TEMPLATES = Path("/usr/share/prometheus/alertmanager")


def find_prometheus() -> Path | None:
    found = shutil.which(PROMETHEUS_BINARY)
    return Path(found) if found else None


@dataclass(frozen=True)
class Target:
    """One scrape target: `job`, `host:port`, the labels Prometheus adds, the metrics path."""

    job: str
    address: str
    labels: Mapping[str, str] = field(default_factory=dict)
    path: str = "/metrics"


def prometheus_config(
    targets: Sequence[Target], rule_files: Sequence[Path], alertmanager: str | None
) -> dict[str, object]:
    config: dict[str, object] = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(path) for path in rule_files],
        "scrape_configs": [
            {
                "job_name": f"{target.job}-{index}",
                "metrics_path": target.path,
                "static_configs": [
                    {"targets": [target.address], "labels": {"job": target.job, **target.labels}}
                ],
            }
            for index, target in enumerate(targets)
        ],
    }
    if alertmanager:
        address = alertmanager.removeprefix("http://").rstrip("/")
        config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [address]}]}]}
    return config


def start_prometheus(
    home: Path,
    targets: Sequence[Target],
    rule_files: Sequence[Path] = (),
    *,
    alertmanager: str | None = None,
    binary: Path | None = None,
    timeout: float = 60.0,
) -> Server:
    binary = binary or find_prometheus()
    if binary is None:
        raise ServerError("prometheus is not installed: run scripts/install-system-packages")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "prometheus.yml"
    text = yaml.safe_dump(prometheus_config(targets, rule_files, alertmanager), sort_keys=False)
    config.write_text(text, encoding="utf-8")
    port = free_port()
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="prometheus",
        argv=[
            str(binary),
            f"--config.file={config}",
            f"--storage.tsdb.path={home / 'data'}",
            f"--web.listen-address={LOCALHOST}:{port}",
            "--log.level=warn",
        ],
        cwd=home,
        log=home / "prometheus.out",
        ready_url=f"{url}/-/ready",
    )
    server = Server("prometheus", url, port, home, process)
    server.start(timeout)
    return server


def start_configured_alertmanager(
    home: Path,
    config: Mapping[str, object],
    *,
    env: Mapping[str, str] | None = None,
    binary: Path | None = None,
    timeout: float = 60.0,
) -> Server:
    """Alertmanager with `config` (Debian's templates added), clustering off, data in `home`;
    `env` is its environment (SSL_CERT_FILE for a test's own certificate authority)."""
    binary = binary or find_alertmanager()
    if binary is None:
        raise ServerError(
            "prometheus-alertmanager is not installed: run scripts/install-system-packages"
        )
    home.mkdir(parents=True, exist_ok=True)
    full = dict(config)
    templates = sorted(str(path) for path in ALERTMANAGER_TEMPLATES.glob("*.tmpl"))
    given = full.get("templates")
    full["templates"] = [*(given if isinstance(given, list) else []), *templates]
    path = home / "alertmanager.yml"
    path.write_text(yaml.safe_dump(full, sort_keys=False), encoding="utf-8")
    port = free_port()
    url = f"http://{LOCALHOST}:{port}"
    process = ServerProcess(
        name="alertmanager",
        argv=[
            str(binary),
            f"--config.file={path}",
            f"--storage.path={home / 'data'}",
            f"--web.listen-address={LOCALHOST}:{port}",
            "--cluster.listen-address=",
            "--log.level=info",
        ],
        cwd=home,
        log=home / "alertmanager.out",
        ready_url=f"{url}/-/ready",
        env=env,
    )
    server = Server("alertmanager", url, port, home, process)
    server.start(timeout)
    return server
