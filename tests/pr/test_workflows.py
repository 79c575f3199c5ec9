"""The example CI workflows call gmac commands and flags that exist."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.gmac_process import gmac_command

WORKFLOWS = sorted((Path(__file__).parents[2] / "examples" / "workflows").glob("*/gmac.yaml"))
GMAC = re.compile(r"\.venv/bin/gmac\s+([^\n|;&]*)")


def _gmac_calls(workflow: Path) -> list[list[str]]:
    data = yaml.safe_load(workflow.read_text())
    calls = []
    for job in data["jobs"].values():
        for step in job["steps"]:
            script = " ".join(str(step.get("run", "")).split("\\\n"))
            for match in GMAC.finditer(script.replace(">\n", " ")):
                words = shlex.split(re.sub(r"\$\{\{[^}]*\}\}", "1", match.group(1)))
                calls.append(words)
    return calls


def _help(command: list[str]) -> str:
    result = subprocess.run(
        gmac_command(*command, "--help"), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"gmac {' '.join(command)}: {result.stderr}"
    return result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.parent.name)
def test_every_gmac_call_names_real_commands_and_flags(workflow: Path) -> None:
    calls = _gmac_calls(workflow)
    assert len(calls) >= 8, "the workflow should plan, comment, preview, apply and check drift"
    for words in calls:
        command = [word for word in words if not word.startswith("-")][:2]
        if command[0] not in ("pr", "preview"):
            command = command[:1]
        text = _help(command)
        for flag in (word for word in words if word.startswith("--")):
            assert flag in text, f"gmac {' '.join(command)} has no {flag}"


def test_both_workflows_cover_the_same_jobs() -> None:
    jobs = [set(yaml.safe_load(path.read_text())["jobs"]) for path in WORKFLOWS]
    assert len(jobs) == 2
    assert jobs[0] == jobs[1] == {"plan", "preview-down", "apply", "drift"}


def test_applies_are_serialised() -> None:
    for path in WORKFLOWS:
        apply = yaml.safe_load(path.read_text())["jobs"]["apply"]
        assert apply["concurrency"] == {"group": "gmac-apply", "cancel-in-progress": False}
