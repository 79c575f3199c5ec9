"""End to end: `gmac apply` of a `staging` environment whose integrations are live against
the test servers (the real Gitea and stripe-mock, the Turso Platform API stand-in written
from its documentation, a webhook receiver), with
Kubernetes rendered to a folder. Through the gmac console script and the real Pulumi engine.

- the first apply creates repositories, protection, hooks, products, prices, the webhook
  endpoint, the database, its token and its migrations; the secrets the integrations provide
  go into the secret store; the next plan has nothing to do;
- a new amount replaces the price and archives the old one;
- Gitea killed in the middle of an apply, then restarted: the next apply converges, and
  nothing exists twice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import libsql_client
import pytest
import yaml

from gmac.dev import servers
from gmac.engine.toolchain import find
from tests.integrations.conftest import Delivery, Receiver, RecordingProxy, require
from tests.integrations.live import ENV, MIGRATIONS, LiveProject, make_live_project
from tests.integrations.turso_api import TursoStandIn

HOOKED = ("api", "control-panel")  # the services with `repo.webhooks: [ci]`
PROTECTED = ("api", "control-panel")  # and with `protected_branches: [main]`
REPOS = ("api", "billing-worker", "control-panel")
CI_SECRET = "ci-hook-secret-for-tests"


@pytest.fixture(scope="module")
def toolchain() -> Any:
    return require(find(), "the Pulumi toolchain", "run gmac toolchain install")


def _project(
    root: Path,
    gitea: servers.Gitea,
    proxy: RecordingProxy,
    turso: TursoStandIn,
    receiver: Receiver,
) -> tuple[LiveProject, str]:
    org = f"shop-{uuid.uuid4().hex[:6]}"
    gitea.create_org(org)
    # stripe-mock's fixtures lack the `secret` Stripe returns from a webhook endpoint create.
    proxy.additions[("POST", "/v1/webhook_endpoints")] = lambda: {
        "secret": f"whsec_{uuid.uuid4().hex}"
    }
    project = make_live_project(
        root,
        gitea_url=gitea.url,
        gitea_token=gitea.token,
        org=org,
        stripe_url=proxy.url,
        turso_url=turso.url,
        turso_token=turso.api_token,
        hook_url=f"{receiver.url}/hooks/gitea",
    )
    return project, org


@pytest.fixture
def live(
    tmp_path: Path,
    *,
    toolchain: Any,
    gitea: servers.Gitea,
    stripe_proxy: RecordingProxy,
    turso_stand_in: TursoStandIn,
    receiver: Receiver,
) -> Iterator[tuple[LiveProject, str]]:
    project, org = _project(tmp_path / "project", gitea, stripe_proxy, turso_stand_in, receiver)
    yield project, org
    for text in project.outputs:
        assert "Traceback" not in text, text


def _form(body: bytes) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}


def _creates(proxy: RecordingProxy, path: str) -> list[Any]:
    return [f for f in proxy.sent("POST", path) if f.status == 200]


def _keys(proxy: RecordingProxy, path: str) -> set[str]:
    headers = [{k.lower(): v for k, v in f.headers.items()} for f in proxy.sent("POST", path)]
    return {h["idempotency-key"] for h in headers}


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    client = libsql_client.create_client_sync(url)
    try:
        return [tuple(row) for row in client.execute(sql).rows]
    finally:
        client.close()


def _rendered_secret(project: LiveProject, name: str) -> dict[str, Any]:
    (path,) = project.path(f".gmac/render/{ENV}").rglob(f"*secret*{name}.yaml")
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return document


def _gitea_state(gitea: servers.Gitea, org: str) -> dict[str, Any]:
    repos = gitea.api("GET", f"/orgs/{org}/repos?limit=50")
    state: dict[str, Any] = {"repos": sorted(r["name"] for r in repos)}
    for repo in repos:
        name = repo["name"]
        state[name] = {
            "default_branch": repo["default_branch"],
            "private": repo["private"],
            "rules": [
                r["rule_name"] for r in gitea.api("GET", f"/repos/{org}/{name}/branch_protections")
            ],
            "hooks": [
                (h["config"]["url"], h["active"])
                for h in gitea.api("GET", f"/repos/{org}/{name}/hooks")
            ],
        }
    return state


def test_apply_creates_everything_then_plans_nothing(
    live: tuple[LiveProject, str],
    *,
    gitea: servers.Gitea,
    stripe_proxy: RecordingProxy,
    turso_stand_in: TursoStandIn,
    receiver: Receiver,
    tmp_path: Path,
) -> None:
    project, org = live

    applied = project.apply()
    assert "applied: staging: " in applied.stdout

    # Gitea: a repository per service, protection and hooks as declared.
    state = _gitea_state(gitea, org)
    assert state["repos"] == sorted(REPOS)
    for name in REPOS:
        assert state[name]["default_branch"] == "main"
        assert state[name]["private"] is True
        assert state[name]["rules"] == (["main"] if name in PROTECTED else [])
        expected = [(f"{receiver.url}/hooks/gitea", True)] if name in HOOKED else []
        assert state[name]["hooks"] == expected

    # Stripe: one product, its two prices, one webhook endpoint; every create keyed.
    assert len(_creates(stripe_proxy, "/v1/products")) == 1
    prices = _creates(stripe_proxy, "/v1/prices")
    assert sorted(_form(p.body)["unit_amount"] for p in prices) == ["1900", "19000"]
    assert {_form(p.body)["lookup_key"] for p in prices} == {
        "gmac-io-staging-pro-monthly",
        "gmac-io-staging-pro-yearly",
    }
    assert len(_creates(stripe_proxy, "/v1/webhook_endpoints")) == 1
    for path in ("/v1/products", "/v1/prices", "/v1/webhook_endpoints"):
        assert all(key.startswith("gmac-") for key in _keys(stripe_proxy, path))

    # Turso: the database, the app's token, the migrations in the libSQL file.
    assert list(turso_stand_in.databases) == [("gmac", "registry")]
    assert len(turso_stand_in.tokens) >= 1
    database = f"file:{project.path('databases/registry.db')}"
    tables = _rows(database, "SELECT name FROM sqlite_master WHERE type = 'table'")
    assert {("accounts",), ("subscriptions",)} <= set(tables)
    assert _rows(database, "SELECT name FROM _gmac_migrations ORDER BY name") == [
        (name,) for name in sorted(MIGRATIONS)
    ]

    # What the integrations provide is a secret in the state, and reaches the services that
    # read it in this same apply (output to input: one update, no second one after it).
    (endpoint,) = project.state_of("stripe:WebhookEndpoint")
    signing = endpoint["outputs"]["signing_secret"]
    assert isinstance(signing, dict) and "ciphertext" in signing
    history = json.loads(project.ok("history", "--json").stdout)
    assert [(run["operation"], run["outcome"]) for run in history] == [("apply", "succeeded")]
    annotations = _rendered_secret(project, "billing-worker-secrets")["metadata"]["annotations"]
    assert "sealed.gmac.io/stripe-webhook-secret" in annotations
    assert (
        "sealed.gmac.io/turso-app-token"
        in (_rendered_secret(project, "api-secrets")["metadata"]["annotations"])
    )
    unsealed = project.ok("secrets", "unseal", "--env", ENV).stdout
    value = project.ok("secrets", "get", "--env", ENV, "stripe-webhook-secret").stdout
    assert value.startswith("whsec_") and f"stripe-webhook-secret: {value}" in unsealed
    secrets_file = project.path(f"specs/secrets/{ENV}.yaml")
    assert not secrets_file.exists() or "whsec_" not in secrets_file.read_text()

    # Kubernetes went to files.
    assert list(project.path(".gmac/render/staging").rglob("*.yaml"))

    # The second plan has nothing to do.
    code, plan = project.plan_json()
    assert code == 0, plan
    assert plan["summary"]["create"] == plan["summary"]["update"] == 0

    # The hooks apply made deliver: a push to `api`, signed with the CI secret.
    remote = f"http://{gitea.admin}:{gitea.token}@127.0.0.1:{gitea.port}/{org}/api.git"
    work = tmp_path / "api"
    git = ["git", "-c", "user.name=dev", "-c", "user.email=dev@example.com"]
    subprocess.run([*git, "clone", "-q", remote, str(work)], check=True, capture_output=True)
    (work / "main.go").write_text("package main\n", encoding="utf-8")
    for step in (["add", "."], ["commit", "-q", "-m", "first"]):
        subprocess.run([*git, "-C", str(work), *step], check=True, capture_output=True)
    # `main` is protected: a direct push is refused; a branch goes through.
    refused = subprocess.run(
        [*git, "-C", str(work), "push", "origin", "HEAD:main"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert "protected" in refused.stderr.lower(), refused.stderr
    subprocess.run(
        [*git, "-C", str(work), "push", "-q", "origin", "HEAD:refs/heads/feature"],
        check=True,
        capture_output=True,
    )

    def pushed(delivery: Delivery) -> bool:
        return (
            delivery.headers.get("x-gitea-event") == "push"
            and delivery.json().get("repository", {}).get("full_name") == f"{org}/api"
        )

    delivery = receiver.wait_for(pushed)
    expected = hmac.new(CI_SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(delivery.headers["x-gitea-signature"], expected)


def test_a_new_amount_replaces_the_price_and_archives_the_old(
    live: tuple[LiveProject, str], stripe_proxy: RecordingProxy
) -> None:
    project, _org = live
    project.apply()
    (old,) = [r for r in project.state_of("stripe:Price") if r["urn"].endswith("pro-monthly")]
    project.edit(
        "specs/integrations/stripe.yaml",
        "{id: pro-monthly, currency: usd, unit_amount: 1900, interval: month}",
        "{id: pro-monthly, currency: usd, unit_amount: 2400, interval: month}",
    )

    code, plan = project.plan_json()
    assert code == 2
    (change,) = [c for c in plan["changes"] if c["type"].endswith("stripe:Price")]
    assert change["op"] == "replace"
    assert change["name"] == "stripe-price-pro-monthly"
    project.apply()

    (new,) = [r for r in project.state_of("stripe:Price") if r["urn"].endswith("pro-monthly")]
    assert new["id"] != old["id"]
    assert new["outputs"]["unit_amount"] == 2400
    created = _creates(stripe_proxy, "/v1/prices")[-1]
    assert _form(created.body)["unit_amount"] == "2400"
    assert _form(created.body)["transfer_lookup_key"] == "true"
    (archived,) = stripe_proxy.sent("POST", f"/v1/prices/{old['id']}")
    assert _form(archived.body) == {"active": "false"}
    assert archived.status == 200
    # The new price was made before the old one was archived.
    assert stripe_proxy.seen.index(created) < stripe_proxy.seen.index(archived)
    assert project.plan_json()[0] == 0

    # A new migration is applied by the next apply, once.
    project.path("migrations/0003_invoices.sql").write_text(
        "CREATE TABLE invoices (id TEXT PRIMARY KEY);\n", encoding="utf-8"
    )
    project.apply()
    database = f"file:{project.path('databases/registry.db')}"
    assert ("0003_invoices.sql",) in _rows(database, "SELECT name FROM _gmac_migrations")
    assert project.plan_json()[0] == 0


def test_gitea_killed_mid_apply_then_restarted_converges_without_duplicates(
    tmp_path: Path,
    *,
    toolchain: Any,
    stripe_proxy: RecordingProxy,
    turso_stand_in: TursoStandIn,
    receiver: Receiver,
) -> None:
    build = require(servers.find_gitea(), f"gitea {servers.GITEA_VERSION}")
    gitea = servers.start_gitea(tmp_path / "gitea", build)
    try:
        project, org = _project(tmp_path / "project", gitea, stripe_proxy, turso_stand_in, receiver)
        # Slow Gitea's calls down (its rate limit) so the kill lands in the middle.
        project.env["GMAC_RATE_LIMIT_GITEA"] = "2"
        project.env["GMAC_HTTP_ATTEMPTS"] = "2"
        running = project.start("apply", "--env", ENV, "--yes")
        deadline = time.monotonic() + 300
        while not gitea.api("GET", f"/orgs/{org}/repos"):
            assert running.poll() is None, running.communicate()
            assert time.monotonic() < deadline, "no repository appeared"
            time.sleep(0.02)
        gitea.kill()
        stdout, stderr = running.communicate(timeout=600)
        project.outputs.extend([stdout, stderr])
        assert running.returncode == 1, f"exit {running.returncode}\n{stdout}\n{stderr}"
        # Gitea died while a call was waiting to be sent, or in the middle of one.
        assert "gitea: " in stderr, stderr
        assert any(f in stderr for f in ("cannot reach", "no answer within")), stderr
        assert 'File "' not in stderr  # the provider's own message, not its traceback
        assert "Traceback" not in stdout + stderr

        gitea.start()
        project.env.pop("GMAC_RATE_LIMIT_GITEA")
        project.apply()

        state = _gitea_state(gitea, org)
        assert state["repos"] == sorted(REPOS)
        for name in REPOS:
            assert state[name]["rules"] == (["main"] if name in PROTECTED else [])
            expected = [(f"{receiver.url}/hooks/gitea", True)] if name in HOOKED else []
            assert state[name]["hooks"] == expected
        # Each Stripe object made once across both applies: nothing made twice.
        assert len(_creates(stripe_proxy, "/v1/products")) == 1
        assert len(_creates(stripe_proxy, "/v1/prices")) == 2
        assert len(_creates(stripe_proxy, "/v1/webhook_endpoints")) == 1
        assert list(turso_stand_in.databases) == [("gmac", "registry")]
        assert project.plan_json()[0] == 0
        resources = [r["urn"] for r in project.state_resources()]
        assert len(resources) == len(set(resources))
    finally:
        gitea.stop()
    for text in project.outputs:
        assert "Traceback" not in text, text


def test_a_rejected_stripe_key_stops_apply_with_one_clear_message(
    live: tuple[LiveProject, str],
) -> None:
    project, _org = live
    project.env["GMAC_SECRET_STRIPE_SECRET_KEY"] = "sk_live_rejected"
    result = project.run("apply", "--env", ENV, "--yes", timeout=600)
    assert result.code == 1
    # The look-up before any create (is anything there already?) is the first call to meet
    # the key: the apply stops there, before it changed anything.
    assert result.stderr.splitlines()[-1:] == [
        "error: stripe: secret key rejected (401); check secret 'stripe-secret-key'",
    ]
    assert "sk_live_rejected" not in result.stdout + result.stderr
    assert json.dumps(project.state_of("stripe:Product")) == "[]"
