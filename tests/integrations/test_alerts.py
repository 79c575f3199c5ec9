"""`gmac alerts list` and `gmac alerts ack NAME --for 2h` against a real Alertmanager
(Debian's), fed alerts through its API as Prometheus would."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gmac.clients.alertmanager import Alertmanager, Matcher, parse_duration
from gmac.dev.servers import Server
from gmac.errors import UsageError
from tests.gmac_process import gmac_command


def _gmac(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        gmac_command(*args),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "250", "HOME": "/tmp"},
    )


def _fire(alertmanager: Server, name: str, **labels: str) -> None:
    """An alert as Prometheus sends it."""
    alert = {
        "labels": {"alertname": name, **labels},
        "annotations": {"summary": f"{name} is firing"},
        "startsAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "endsAt": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
    }
    response = httpx.post(f"{alertmanager.url}/api/v2/alerts", json=[alert], timeout=10)
    assert response.status_code == 200, response.text


def _listed(alertmanager: Server, *args: str) -> list[dict[str, Any]]:
    result = _gmac("alerts", "list", "--alertmanager", alertmanager.url, "--json", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return list(json.loads(result.stdout)["alerts"])


def _until(check: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_list_then_ack_silences_the_alert(alertmanager: Server) -> None:
    name = f"ApiDown{uuid.uuid4().hex[:6]}"
    other = f"ApiSlow{uuid.uuid4().hex[:6]}"
    _fire(alertmanager, name, severity="critical", service="api")
    _fire(alertmanager, other, severity="warning", service="api")

    def both() -> dict[str, Any] | None:
        found = {a["name"]: a for a in _listed(alertmanager) if a["name"] in (name, other)}
        return found if len(found) == 2 else None

    listed = _until(both)
    assert listed[name]["state"] == "active"
    assert listed[name]["severity"] == "critical"
    assert listed[name]["summary"] == f"{name} is firing"
    assert listed[name]["labels"]["service"] == "api"

    table = _gmac(
        "alerts", "list", "--alertmanager", alertmanager.url, "--match", "severity=critical"
    )
    assert table.returncode == 0
    assert name in table.stdout and other not in table.stdout

    ack = _gmac(
        "alerts",
        "ack",
        name,
        "--for",
        "2h",
        "--by",
        "oncall",
        "--alertmanager",
        alertmanager.url,
        "--json",
    )
    assert ack.returncode == 0, ack.stdout + ack.stderr
    silence = json.loads(ack.stdout)
    assert silence["matchers"] == [f"alertname={name}"]
    assert silence["created_by"] == "oncall"
    ends = datetime.fromisoformat(silence["ends_at"])
    starts = datetime.fromisoformat(silence["starts_at"])
    assert ends - starts == timedelta(hours=2)

    stored = {s["id"]: s for s in Alertmanager(alertmanager.url).silences()}
    assert stored[silence["id"]]["status"]["state"] == "active"
    assert stored[silence["id"]]["createdBy"] == "oncall"

    def silenced() -> dict[str, Any] | None:
        found = {a["name"]: a for a in _listed(alertmanager)}
        return found if found[name]["state"] == "suppressed" else None

    after = _until(silenced)
    assert after is not None, "the alert was not silenced"
    assert after[name]["silenced_by"] == [silence["id"]]
    assert after[other]["state"] == "active"
    active = {a["name"] for a in _listed(alertmanager, "--active")}
    assert name not in active and other in active


def test_ack_refuses_a_duration_it_cannot_read(alertmanager: Server) -> None:
    result = _gmac(
        "alerts", "ack", "ApiDown", "--for", "two hours", "--alertmanager", alertmanager.url
    )
    assert result.returncode == 1
    assert "--for: 'two hours' is not a duration such as 30m, 2h or 1d" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_alertmanager_is_one_clear_message() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = subprocess.run(
        gmac_command("alerts", "list"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": "/tmp",
            "GMAC_ALERTMANAGER_URL": url,
            "GMAC_HTTP_ATTEMPTS": "2",
        },
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"error: alertmanager: cannot reach {url}/api/v2: ConnectError (2 attempts)"
    )


def test_durations_and_matchers() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("1d") == timedelta(days=1)
    for bad in ("", "2", "0m", "2 h", "h"):
        with pytest.raises(UsageError):
            parse_duration(bad)
    assert Matcher.parse("service=~api|web").matches({"service": "web"})
    assert not Matcher.parse("env!=local").matches({"env": "local"})
    assert str(Matcher.parse("severity!~warn.*")) == "severity!~warn.*"
    with pytest.raises(UsageError, match="not a matcher"):
        Matcher.parse("=x")
