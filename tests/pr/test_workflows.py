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
    assert jobs[0] == jobs[1] == {"plan", "preview-down", "apply", "drift", "health"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.parent.name)
def test_health_runs_on_the_integrations_health_every(workflow: Path) -> None:
    """The example's shortest `health.every`, as cron, is a schedule of the workflow that runs
    the health job (and only it), which calls `gmac health` for each environment."""
    from gmac.models.integration import cron_schedule
    from gmac.validate import validate_directory

    spec = validate_directory(Path(__file__).parents[2] / "specs", "production")["production"]
    intervals = [i.health.every for i in spec.integrations if i.health is not None]
    assert intervals, "the example declares health checks"
    wanted = {cron_schedule(every) for every in intervals}
    data = yaml.safe_load(workflow.read_text())
    crons = {entry["cron"] for entry in data[True]["schedule"]}  # YAML reads `on:` as True
    assert wanted <= crons
    forge = workflow.parent.name
    health = data["jobs"]["health"]
    for cron in wanted:
        assert f"{forge}.event.schedule == '{cron}'" in health["if"]
        assert f"'{cron}'" not in data["jobs"]["drift"]["if"]
    script = " ".join(str(step.get("run", "")) for step in health["steps"])
    assert ".venv/bin/gmac health --env" in script and "--pushgateway" in script


def test_applies_are_serialised() -> None:
    for path in WORKFLOWS:
        apply = yaml.safe_load(path.read_text())["jobs"]["apply"]
        assert apply["concurrency"] == {"group": "gmac-apply", "cancel-in-progress": False}


FORGE_CALLS = (["pr", "comment"], ["preview", "cleanup"])


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.parent.name)
def test_each_workflow_talks_only_to_its_own_forge(workflow: Path) -> None:
    forge = workflow.parent.name
    other = {"gitea": "github", "github": "gitea"}[forge]
    data = yaml.safe_load(workflow.read_text())
    variables = set(data["env"])
    for job in data["jobs"].values():
        variables |= set(job.get("env") or {})
        for step in job["steps"]:
            variables |= set(step.get("env") or {})
    foreign = {
        "gitea": {"GITHUB_TOKEN", "GMAC_GITHUB_TOKEN", "GMAC_GITHUB_API_URL"},
        "github": {"GITEA_TOKEN", "GMAC_GITEA_TOKEN", "GMAC_GITEA_URL"},
    }[forge]
    assert not variables & foreign, f"{forge}'s workflow sets {variables & foreign}"
    calls = [w for w in _gmac_calls(workflow) if w[:2] in FORGE_CALLS]
    assert len(calls) == 2
    for words in calls:
        assert words[words.index("--forge") + 1] == forge, words
    assert f"secrets.{other.upper()}_TOKEN" not in workflow.read_text()


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.parent.name)
def test_each_workflow_keeps_the_registry_in_the_business_database(workflow: Path) -> None:
    """A runner's disk goes with the job: the audit log of every CI apply would go with it."""
    env = yaml.safe_load(workflow.read_text())["env"]
    assert env["GMAC_REGISTRY_URL"] == "${{ secrets.GMAC_REGISTRY_URL }}"
    assert env["GMAC_REGISTRY_AUTH_TOKEN"] == "${{ secrets.GMAC_REGISTRY_AUTH_TOKEN }}"
    assert "--ephemeral-registry" not in workflow.read_text()
