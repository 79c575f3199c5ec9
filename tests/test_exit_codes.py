"""Exit codes as the README's table gives them: a usage error is 1 like every other error,
never 2, which `plan` and `drift` answer for "changes" (a typo in CI must not read as a
pending change); with --json it answers a JSON error object on stdout too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.gmac_process import run_gmac

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--env", "local", "--jsn"],  # a mistyped flag
        ["drift", "--env"],  # a flag without its value
        ["plan"],  # a required flag left out
        ["no-such-command"],
    ],
)
def test_a_usage_error_exits_1(args: list[str]) -> None:
    result = run_gmac(args, cwd=REPO)
    assert result.code == 1, str(result)
    assert "Traceback" not in result.stderr
    assert "Error:" in result.stderr


def test_a_usage_error_with_json_answers_json() -> None:
    result = run_gmac(["plan", "--env", "local", "--json", "--bogus"], cwd=REPO)
    assert result.code == 1, str(result)
    error = json.loads(result.stdout)["error"]
    assert error["type"] == "UsageError"
    assert error["message"].startswith("No such option: --bogus")


def test_help_and_version_exit_0() -> None:
    assert run_gmac(["--help"], cwd=REPO).code == 0
    assert run_gmac(["plan", "--help"], cwd=REPO).code == 0
    assert run_gmac(["--version"], cwd=REPO).code == 0
