"""The world of the panel's browser tests (tests/cluster/test_panel.py), every part real:

- the observe tests' set-up (tests/cluster/_observe.py): the example cut to what runs here,
  applied to the session's control plane; the go-api and worker binaries running, scraped by
  Debian's Prometheus with gmac's rules; Alertmanager with gmac's configuration; VictoriaLogs;
  traffic of which a quarter fails, so that ApiHighErrorRate fires;
- Gitea, built from its module, as the sign-in provider: an OAuth2 application created
  through its API, two users (the owner, an admin of the project, and robin, a user without
  the admin role), and the project's own repository, where New service opens pull requests;
- `gmac serve` as a process, signing in with that Gitea.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import kubernetes
import yaml

from gmac.clients.logs import Stream, rfc3339_ns
from gmac.clients.victorialogs import VictoriaLogs
from gmac.dev import servers
from gmac.dev.cluster import ControlPlane
from tests.cluster._observe import (
    Traffic,
    build_templates,
    observe_project,
    set_monitoring,
    start_smtp,
)
from tests.cluster._project import ACTOR, Project
from tests.gmac_process import run_gmac, start_gmac
from tests.gmac_result import Result
from tests.local_http import local_server
from tests.real import require

NAMESPACE = "panel-staging"
OTHER_USER = "robin"
PASSWORD = "a-gitea-password-for-the-panel-test"
REPO_OWNER, REPO_NAME = "gmac", "gmac-io"


@dataclass
class PanelWorld:
    project: Project
    gitea: servers.Gitea
    alertmanager: servers.Server
    prometheus: servers.Server
    logs: servers.Server
    traffic: Traffic
    url: str
    server_log: Path
    secret_values: tuple[str, ...]
    api_log: Path

    def gmac(self, *args: str, timeout: float = 300) -> Result:
        return run_gmac(
            [*args, "--specs", str(self.project.specs)],
            cwd=self.project.root,
            env=self.project.env_vars,
            timeout=timeout,
        )

    def alerts(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.alertmanager.url}/api/v2/alerts", timeout=10)
        answer.raise_for_status()
        return list(answer.json())


def wait(what: str, check: Callable[[], Any], timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:g}s")


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


def _access(project: dict[str, Any]) -> None:
    """Two users; applying to (so acting on) the live environment is the admin's alone."""
    project["access"] = {
        "users": [ACTOR, OTHER_USER],
        "roles": {"admin": [ACTOR]},
        "rules": [
            {
                "environments": ["staging", "production"],
                "apply": ["admin"],
                "reveal_secrets": ["admin"],
            }
        ],
    }


def _gitea_setup(gitea: servers.Gitea, panel_url: str) -> tuple[str, str]:
    for name in (ACTOR, OTHER_USER):
        gitea.api(
            "POST",
            "/admin/users",
            {
                "username": name,
                "email": f"{name}@example.com",
                "password": PASSWORD,
                "must_change_password": False,
            },
        )
    gitea.create_org(REPO_OWNER)
    gitea.api(
        "POST",
        f"/orgs/{REPO_OWNER}/repos",
        {"name": REPO_NAME, "auto_init": True, "default_branch": "main"},
    )
    app = gitea.api(
        "POST",
        "/user/applications/oauth2",
        {
            "name": "gmac panel",
            "redirect_uris": [f"{panel_url}/signin/gitea/callback"],
            "confidential_client": True,
        },
    )
    return str(app["client_id"]), str(app["client_secret"])


def push_api_log(logs_url: str, api_log: Path) -> None:
    entries = []
    for text in api_log.read_text().splitlines():
        try:
            record = json.loads(text)
        except ValueError:
            continue
        at = rfc3339_ns(str(record.get("time", ""))) if isinstance(record, dict) else None
        entries.append((at or time.time_ns(), json.dumps(record)))
    labels = {"namespace": NAMESPACE, "service": "api", "pod": "api-local"}
    VictoriaLogs(logs_url).push([Stream(labels, entries)])


@contextmanager
def panel_world(plane: ControlPlane, kube: Any, home: Path) -> Iterator[PanelWorld]:
    require(servers.find_prometheus(), "prometheus", "run scripts/install-system-packages")
    require(
        servers.find_alertmanager(),
        "prometheus-alertmanager",
        "run scripts/install-system-packages",
    )
    require(servers.find_victorialogs(), f"victoria-logs {servers.VICTORIALOGS_VERSION}")
    gitea_build = require(servers.find_gitea(), f"gitea {servers.GITEA_VERSION}")
    binaries = build_templates(home / "code")
    with ExitStack() as stack:
        sink, smtp, certificate = start_smtp(home)
        stack.callback(smtp.stop)
        gitea = servers.start_gitea(home / "gitea", gitea_build)
        stack.callback(gitea.stop)
        panel_port = servers.free_port()
        panel_url = f"http://127.0.0.1:{panel_port}"
        client_id, client_secret = _gitea_setup(gitea, panel_url)
        receiver = stack.enter_context(local_server())
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
        stack.callback(api.stop)
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
        stack.callback(worker.stop)
        project = observe_project(
            home,
            plane,
            namespace=NAMESPACE,
            smtp_port=sink.port,
            webhook_url=f"{receiver.url}/hooks/gitea",
            edit=_access,
        )
        project.gmac("stack", "init", "--env", "staging")
        project.gmac("apply", "--env", "staging", "--yes", timeout=900)
        config = yaml.safe_load(_secret(kube, "alertmanager-main")["alertmanager.yaml"])
        password = home / "smtp-password"
        password.write_text(_secret(kube, "alertmanager-smtp")["smtp-password"])
        config["global"]["smtp_auth_password_file"] = str(password)
        alertmanager = servers.start_configured_alertmanager(
            home / "alertmanager", config, env={"SSL_CERT_FILE": str(certificate)}
        )
        stack.callback(alertmanager.stop)
        targets = [
            servers.Target(
                "api", f"127.0.0.1:{ports['metrics']}", {"namespace": NAMESPACE, "service": "api"}
            ),
            servers.Target(
                "billing-worker",
                f"127.0.0.1:{worker_port}",
                {"namespace": NAMESPACE, "service": "billing-worker"},
            ),
        ]
        prometheus = servers.start_prometheus(
            home / "prometheus", targets, _rule_files(kube, home), alertmanager=alertmanager.url
        )
        stack.callback(prometheus.stop)
        logs = servers.start_victorialogs(home / "logs")
        stack.callback(logs.stop)
        set_monitoring(
            project, prometheus=prometheus.url, alertmanager=alertmanager.url, logs=logs.url
        )
        traffic = Traffic(f"http://127.0.0.1:{ports['api']}")
        traffic.start()
        stack.callback(traffic.stop)
        secret_values = (
            *(
                value
                for key, value in project.env_vars.items()
                if key.startswith("GMAC_SECRET_") or key == "GMAC_PASSPHRASE"
            ),
            client_secret,
            gitea.token,
            PASSWORD,
        )
        env = {
            **project.env_vars,
            "GMAC_PANEL_CLIENT_ID": client_id,
            "GMAC_PANEL_CLIENT_SECRET": client_secret,
            "GMAC_GITEA_TOKEN": gitea.token,
            # The tests sign in seven times, two attempts each, often within a minute: past
            # the default 10/minute the panel answers 429 and the browser never reaches Gitea.
            # The limit itself is tested in tests/panel/test_signin.py.
            "GMAC_PANEL_SIGNIN_LIMIT": "1000/minute",
        }
        project.env_vars["GMAC_GITEA_TOKEN"] = gitea.token
        server_log = home / "panel.log"
        log = stack.enter_context(server_log.open("w"))
        process = start_gmac(
            [
                "serve",
                "--port",
                str(panel_port),
                "--specs",
                str(project.specs),
                "--gitea-url",
                gitea.url,
                "--repo",
                f"{REPO_OWNER}/{REPO_NAME}",
            ],
            cwd=project.root,
            env=env,
            stdout=log,
            stderr=log,
        )

        def stop_panel() -> None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except Exception:
                process.kill()
                process.wait(timeout=5)

        stack.callback(stop_panel)
        wait("the panel answering", lambda: _answers(f"{panel_url}/signin"), 60, 0.5)
        yield PanelWorld(
            project,
            gitea,
            alertmanager,
            prometheus,
            logs,
            traffic,
            panel_url,
            server_log,
            secret_values,
            home / "api.log",
        )


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
