"""A copy of the example project whose `staging` environment is live against the test
servers: Git at the test Gitea, `GMAC_STRIPE_API_BASE` at stripe-mock (through the recording
proxy), `GMAC_TURSO_API_BASE` at the Turso Platform API stand-in, the databases in libSQL files
(`GMAC_TURSO_DATABASE_URL`), the CI webhook at the test's receiver, and Kubernetes rendered
to a folder (`render_to`) so that no cluster is needed. `gmac` runs as a subprocess, as a
user runs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gmac.app.run_secrets import variable_name
from gmac.dev.servers import STRIPE_MOCK_KEY
from tests.gmac_process import run_gmac, start_gmac
from tests.gmac_result import Result

REPO = Path(__file__).resolve().parents[2]
ENV = "staging"
RENDER = ".gmac/render/staging"
STACK_FILE = Path(".gmac/state/.pulumi/stacks/gmac/staging.json")
# The app database's migrations (registry-db: `migrations: migrations/`).
MIGRATIONS = {
    "0001_accounts.sql": (
        "CREATE TABLE accounts (\n"
        "    id    INTEGER PRIMARY KEY,\n"
        "    email TEXT NOT NULL UNIQUE\n"
        ");\n"
    ),
    "0002_subscriptions.sql": (
        "CREATE TABLE subscriptions (\n"
        "    account_id INTEGER NOT NULL REFERENCES accounts (id),\n"
        "    price      TEXT NOT NULL\n"
        ");\n"
        "CREATE INDEX subscriptions_by_account ON subscriptions (account_id);\n"
    ),
}
_SCRUBBED_PREFIXES = ("GMAC_", "PULUMI_")


@dataclass
class LiveProject:
    root: Path
    env: dict[str, str] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)

    def run(self, *args: str, timeout: float = 300) -> Result:
        result = run_gmac(args, cwd=self.root, env=self.env, timeout=timeout)
        self.outputs.extend([result.stdout, result.stderr])
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        return start_gmac(
            args, cwd=self.root, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    def ok(self, *args: str, code: int = 0, timeout: float = 300) -> Result:
        result = self.run(*args, timeout=timeout)
        assert result.code == code, str(result)
        return result

    def apply(self, code: int = 0) -> Result:
        return self.ok("apply", "--env", ENV, "--yes", code=code, timeout=600)

    def plan_json(self) -> tuple[int, dict[str, Any]]:
        result = self.run("plan", "--env", ENV, "--json", timeout=600)
        assert result.code in (0, 2), str(result)
        return result.code, result.json()

    def path(self, relative: str) -> Path:
        return self.root / relative

    def edit(self, relative: str, old: str, new: str) -> None:
        path = self.path(relative)
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def state_resources(self) -> list[dict[str, Any]]:
        path = self.path(str(STACK_FILE))
        if not path.exists():
            return []
        latest = json.loads(path.read_text(encoding="utf-8"))["checkpoint"].get("latest") or {}
        return list(latest.get("resources") or [])

    def state_of(self, type_suffix: str) -> list[dict[str, Any]]:
        return [r for r in self.state_resources() if r["type"].endswith(type_suffix)]


def make_live_project(
    root: Path,
    *,
    gitea_url: str,
    gitea_token: str,
    org: str,
    stripe_url: str,
    turso_url: str,
    turso_token: str,
    hook_url: str,
    toolchain_env: dict[str, str] | None = None,
) -> LiveProject:
    root.mkdir(parents=True)
    shutil.copytree(REPO / "specs", root / "specs")
    shutil.copy2(REPO / "Pulumi.yaml", root / "Pulumi.yaml")
    project_file = root / "specs" / "project.yaml"
    project = yaml.safe_load(project_file.read_text(encoding="utf-8"))
    project["git"] = {"provider": "gitea", "url": gitea_url, "org": org, **_credentials()}
    project["environments"]["staging"] = {
        "kubernetes": {"render_to": RENDER, "namespace": "gmac-staging"},
        "domain": "staging.gmac.io",
    }
    project_file.write_text(yaml.safe_dump(project, sort_keys=False), encoding="utf-8")
    # Images are built in a cluster, and there is none here: run prebuilt ones.
    for service in ("api", "billing-worker", "control-panel"):
        path = root / "specs" / "services" / f"{service}.yaml"
        text = path.read_text(encoding="utf-8")
        ref = f"{{build: false, ref: 'registry.gmac.io/gmac/{service}:1.0.0'}}"
        path.write_text(text.replace("image: {build: true}", f"image: {ref}"), encoding="utf-8")
    hook = root / "specs" / "integrations" / "ci-webhook.yaml"
    text = hook.read_text(encoding="utf-8")
    hook.write_text(text.replace("https://ci.gmac.io/hooks/gitea", hook_url), encoding="utf-8")
    migrations = root / "migrations"
    migrations.mkdir()
    for name, sql in MIGRATIONS.items():
        (migrations / name).write_text(sql, encoding="utf-8")
    (root / "databases").mkdir()

    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.update(toolchain_env or {})
    env.update(
        {
            "GMAC_ACTOR": "gmackie",  # the example project lets only gmackie apply
            # Its registry is the temporary project's: allowed in CI too.
            "GMAC_EPHEMERAL_REGISTRY": "1",
            # The secret store's identity file goes here, never to the developer's own.
            "XDG_CONFIG_HOME": str(root / ".config"),
            "COLUMNS": "250",
            "GMAC_STRIPE_API_BASE": stripe_url,
            "GMAC_TURSO_API_BASE": turso_url,
            "GMAC_TURSO_DATABASE_URL": f"file:{root / 'databases'}/{{name}}.db",
            # A dead server shows within seconds, not after the default backoff.
            "GMAC_HTTP_TIMEOUT": "10",
        }
    )
    values = {
        "gitea-token": gitea_token,
        "stripe-secret-key": STRIPE_MOCK_KEY,
        "turso-platform-token": turso_token,
        "ci-webhook-secret": "ci-hook-secret-for-tests",
        "nextauth-secret": "nextauth-secret-for-tests",
        "stripe-webhook-secret": "whsec_placeholder",
        "turso-app-token": "turso-app-token-placeholder",
    }
    env.update({variable_name(name): value for name, value in values.items()})
    return LiveProject(root, env)


def _credentials() -> dict[str, Any]:
    return {"credentials": {"secret": "gitea-token"}}
