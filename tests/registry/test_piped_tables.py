"""Tables in a pipe or a CI log are never cut at 80 columns: with no terminal to fit, each row
is one line and every value is whole (`gmac audit` in CI once showed "secret.genera…")."""

from __future__ import annotations

from gmac.registry import Registry
from tests.registry.conftest import Gmac

ACTOR = "release-automation-bot-for-the-gmac-io-organisation"
ACTION = "secret.generate.with-a-long-enough-name"
TARGET = "stripe-webhook-signing-secret-of-the-billing-worker-service"


def _row(text: str, *values: str) -> str:
    rows = [line for line in text.splitlines() if all(value in line for value in values)]
    assert rows, f"no single line holds {values} in:\n{text}"
    return rows[0]


def test_audit_in_a_pipe_shows_every_value_whole(registry: Registry, gmac: Gmac) -> None:
    registry.audit(
        actor=ACTOR, action=ACTION, outcome="succeeded", environment="staging", target=TARGET
    )
    result = gmac("audit")
    assert result.returncode == 0, result.stderr
    row = _row(result.stdout, ACTOR, ACTION, TARGET, "staging", "succeeded")
    assert len(row) > 80 and "…" not in result.stdout


def test_history_in_a_pipe_is_one_line_per_row(registry: Registry, gmac: Gmac) -> None:
    registry.add_deployment(
        environment="staging",
        operation="apply",
        actor=ACTOR,
        outcome="succeeded",
        started_at="2025-01-01T00:00:00Z",
        summary={"create": 12, "update": 3, "replace": 1, "delete": 2},
        owners={"Service api": 9},
        git_commit="0123456789abcdef",
    )
    history = gmac("history")
    assert history.returncode == 0, history.stderr
    _row(history.stdout, ACTOR, "12 create", "3 update", "1 replace", "2 delete", "0123456789")
    assert "…" not in history.stdout
