"""`gmac health` against the test servers (the real Gitea, stripe-mock and Pushgateway; the
Turso Platform API stand-in): every integration of `staging` checked
(credentials, endpoint, database), the exit code, the result recorded in the registry, the
metrics written for a textfile collector and pushed to a real Pushgateway."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import libsql_client
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gmac.dev.servers import Gitea, Server
from gmac.providers import TursoDatabaseProvider
from tests.integrations.conftest import GITEA_ORG, Receiver, RecordingProxy
from tests.integrations.live import ENV, LiveProject, make_live_project
from tests.integrations.turso_api import TursoStandIn
from tests.local_http import local_server


@pytest.fixture
def live(
    tmp_path: Path,
    gitea: Gitea,
    stripe_proxy: RecordingProxy,
    turso_stand_in: TursoStandIn,
    receiver: Receiver,
) -> Iterator[LiveProject]:
    project = make_live_project(
        tmp_path / "project",
        gitea_url=gitea.url,
        gitea_token=gitea.token,
        org=GITEA_ORG,
        stripe_url=stripe_proxy.url,
        turso_url=turso_stand_in.url,
        turso_token=turso_stand_in.api_token,
        hook_url=f"{receiver.url}/hooks/gitea",
    )
    # The database apply would have made.
    TursoDatabaseProvider().create(
        {
            "api_base": turso_stand_in.url,
            "token": turso_stand_in.api_token,
            "token_secret": "turso-platform-token",
            "organization": "gmac",
            "name": "registry",
            "group": "default",
        }
    )
    yield project
    for text in project.outputs:
        assert "Traceback" not in text, text


def _checks(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    (environment,) = data["environments"]
    return {
        (integration["name"], check["check"]): check
        for integration in environment["integrations"]
        for check in integration["checks"]
    }


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every gmac sample of a metrics page, labels `job` and `instance` left out."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith("gmac_"):
                labels = tuple(
                    sorted((k, v) for k, v in sample.labels.items() if k not in ("job", "instance"))
                )
                found[(sample.name, labels)] = sample.value
    return found


def _registry_rows(root: Path) -> list[tuple[Any, ...]]:
    client = libsql_client.create_client_sync(f"file:{root / '.gmac' / 'registry.db'}")
    try:
        rows = client.execute(
            "SELECT environment, target, status, detail FROM health_results ORDER BY id"
        ).rows
        return [tuple(row) for row in rows]
    finally:
        client.close()


def test_every_integration_healthy(live: LiveProject, pushgateway: Server, tmp_path: Path) -> None:
    metrics = tmp_path / "textfile" / "gmac.prom"

    result = live.run(
        "health",
        "--env",
        ENV,
        "--json",
        "--metrics-file",
        str(metrics),
        "--pushgateway",
        pushgateway.url,
    )

    assert result.code == 0, str(result)
    data = result.json()
    assert data["healthy"] is True
    checks = _checks(data)
    assert set(checks) == {
        ("git", "reachable"),
        ("git", "credentials"),
        ("stripe", "credentials"),
        ("turso", "credentials"),
        ("turso", "database:registry"),
        ("turso", "answers:registry"),
        ("ci", "reachable"),
    }
    assert all(check["healthy"] for check in checks.values()), checks
    assert checks[("git", "reachable")]["detail"] == "version 1.26.0"
    assert checks[("stripe", "credentials")]["detail"] == "test mode"
    assert checks[("turso", "credentials")]["detail"] == "token does not expire"
    assert checks[("turso", "answers:registry")]["detail"] == "SELECT 1 answered"

    text = metrics.read_text(encoding="utf-8")
    assert (
        'gmac_integration_up{check="credentials",environment="staging",'
        'integration="stripe",type="stripe"} 1.0'
    ) in text
    assert 'gmac_health_healthy{environment="staging"} 1.0' in text

    pushed = _samples(httpx.get(f"{pushgateway.url}/metrics", timeout=10).text)
    assert pushed[("gmac_health_healthy", (("environment", "staging"),))] == 1
    up = {
        (dict(labels)["integration"], dict(labels)["check"]): value
        for (name, labels), value in pushed.items()
        if name == "gmac_integration_up"
    }
    assert len(up) == 7
    assert set(up.values()) == {1.0}
    assert up[("turso", "answers:registry")] == 1.0

    rows = _registry_rows(live.root)
    assert sorted((target, status) for _, target, status, _ in rows) == [
        ("ci", "ok"),
        ("git", "ok"),
        ("stripe", "ok"),
        ("turso", "ok"),
    ]


def test_a_rejected_key_makes_it_unhealthy(live: LiveProject, tmp_path: Path) -> None:
    live.env["GMAC_SECRET_STRIPE_SECRET_KEY"] = "sk_live_rejected"
    metrics = tmp_path / "gmac.prom"

    result = live.run("health", "--env", ENV, "--json", "--metrics-file", str(metrics))

    assert result.code == 1, str(result)
    data = result.json()
    assert data["healthy"] is False
    stripe = _checks(data)[("stripe", "credentials")]
    assert stripe["healthy"] is False
    assert stripe["detail"] == (
        "stripe: secret key rejected (401); check secret 'stripe-secret-key'"
    )
    assert "sk_live_rejected" not in result.stdout + result.stderr
    assert all(c["healthy"] for (name, _), c in _checks(data).items() if name != "stripe")
    assert (
        'gmac_integration_up{check="credentials",environment="staging",'
        'integration="stripe",type="stripe"} 0.0'
    ) in metrics.read_text(encoding="utf-8")
    failing = [row for row in _registry_rows(live.root) if row[2] == "failing"]
    assert failing == [
        (
            "staging",
            "stripe",
            "failing",
            "credentials: stripe: secret key rejected (401); check secret 'stripe-secret-key'",
        )
    ]

    table = live.run("health", "--env", ENV, "--no-record")
    assert table.code == 1
    assert "staging: unhealthy" in table.stdout
    assert "✗ stripe" in table.stdout


def test_an_unreachable_server_and_a_bad_token(live: LiveProject, gitea: Gitea) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    live.env["GMAC_TURSO_API_BASE"] = dead
    live.env["GMAC_SECRET_GITEA_TOKEN"] = "not-a-gitea-token"

    result = live.run("health", "--env", ENV, "--json", "--no-record")

    assert result.code == 1, str(result)
    checks = _checks(result.json())
    assert checks[("turso", "credentials")]["detail"] == (
        f"turso: cannot reach {dead}: ConnectError (2 attempts)"
    )
    assert ("turso", "database:registry") not in checks  # not asked without credentials
    assert checks[("turso", "answers:registry")]["healthy"] is True  # the file still answers
    assert checks[("git", "reachable")]["healthy"] is True
    assert checks[("git", "credentials")]["detail"] == (
        "gitea: token rejected (401); check secret 'gitea-token'"
    )


def test_an_offline_environment_has_nothing_to_check(live: LiveProject) -> None:
    result = live.run("health", "--env", "local")
    assert result.code == 0, str(result)
    assert result.stdout.strip() == "local: integrations offline, nothing to check"


# Stripe's answer when it refuses a request for its rate (its documented 429 body).
STRIPE_RATE_LIMITED = {
    "error": {
        "type": "invalid_request_error",
        "code": "rate_limit",
        "message": "Request rate limit exceeded. Learn more about rate limits here "
        "https://stripe.com/docs/rate-limits.",
    }
}


def test_a_final_429_is_one_line_of_ours_after_the_attempts_asked_for(live: LiveProject) -> None:
    with local_server() as stripe:
        stripe.answer("GET", "/v1/balance", 429, STRIPE_RATE_LIMITED)
        live.env["GMAC_STRIPE_API_BASE"] = stripe.url
        live.env["GMAC_HTTP_ATTEMPTS"] = "3"
        result = live.run("health", "--env", ENV, "--json", "--no-record")
        asked = len(stripe.sent("GET", "/v1/balance"))

    assert result.code == 1, str(result)
    assert asked == 3  # GMAC_HTTP_ATTEMPTS, not the health checks' own 2
    detail = _checks(result.json())[("stripe", "credentials")]["detail"]
    assert detail == (
        "stripe: read balance: rate limited, refused 3 times (429); try again later, or lower "
        "GMAC_RATE_LIMIT_STRIPE"
    )


def test_the_attempts_of_an_unreachable_server_follow_gmac_http_attempts(
    live: LiveProject,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    live.env["GMAC_TURSO_API_BASE"] = dead
    live.env["GMAC_HTTP_ATTEMPTS"] = "3"

    result = live.run("health", "--env", ENV, "--json", "--no-record")

    assert result.code == 1, str(result)
    assert _checks(result.json())[("turso", "credentials")]["detail"] == (
        f"turso: cannot reach {dead}: ConnectError (3 attempts)"
    )


def test_a_failing_pushgateway_is_reported_beside_the_report(live: LiveProject) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"

    result = live.run("health", "--env", ENV, "--json", "--no-record", "--pushgateway", dead)

    assert result.code == 1, str(result)  # every integration healthy, the push failed
    data = result.json()
    assert data["healthy"] is True
    assert {name for name, _ in _checks(data)} == {"git", "stripe", "turso", "ci"}
    [error] = data["errors"]
    assert error["type"] == "IntegrationError"
    assert error["message"].startswith(f"pushgateway: cannot push to {dead}: ")
    assert f"error: pushgateway: cannot push to {dead}" in result.stderr

    table = live.run("health", "--env", ENV, "--no-record", "--pushgateway", dead)
    assert table.code == 1
    assert "staging: healthy" in table.stdout
    assert f"error: pushgateway: cannot push to {dead}" in table.stderr
