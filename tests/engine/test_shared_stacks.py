"""A shared environment's stack is created on purpose, with the team's passphrase; one
person's environment (rendered to files) keeps its stack in a workspace of its own. A plan
never creates stack settings under stacks/ (issue: a laptop's salt committed for CI)."""

from __future__ import annotations

import pytest

from tests.engine.conftest import Project

SHARED = "staging"
SETTINGS = f"stacks/Pulumi.{SHARED}.yaml"


def test_a_plan_of_a_shared_environment_needs_its_stack_made_on_purpose(project: Project) -> None:
    before = sorted(p.name for p in project.files_under("stacks"))
    refused = project.run("plan", "--env", SHARED)
    assert refused.code == 1, str(refused)
    assert f"{SETTINGS} does not exist" in refused.stderr
    assert f"gmac stack init --env {SHARED}" in refused.stderr
    assert sorted(p.name for p in project.files_under("stacks")) == before
    assert not project.path(".gmac/state").exists()  # no stack made in the backend either


def test_stack_init_needs_the_teams_passphrase_then_writes_the_settings_once(
    project: Project,
) -> None:
    project.env.pop("GMAC_PASSPHRASE", None)
    refused = project.run("stack", "init", "--env", SHARED)
    assert refused.code == 1 and "GMAC_PASSPHRASE" in refused.stderr, str(refused)
    assert not project.path(SETTINGS).exists()

    team = {"GMAC_PASSPHRASE": "the team's passphrase"}
    made = project.ok("stack", "init", "--env", SHARED, extra_env=team)
    assert f"commit {SETTINGS}" in made.stdout
    salt = project.path(SETTINGS).read_text(encoding="utf-8")
    assert "encryptionsalt:" in salt
    again = project.ok("stack", "init", "--env", SHARED, extra_env=team)
    assert "exist already" in again.stdout
    assert project.path(SETTINGS).read_text(encoding="utf-8") == salt

    # With the settings in place, a plan still wants the team's passphrase, not this
    # machine's generated one.
    no_passphrase = project.run("plan", "--env", SHARED)
    assert no_passphrase.code == 1, str(no_passphrase)
    assert "GMAC_PASSPHRASE" in no_passphrase.stderr


@pytest.mark.parametrize("command", [("plan",), ("apply", "--yes")])
def test_one_persons_environment_writes_nothing_under_stacks(
    project: Project, command: tuple[str, ...]
) -> None:
    project.env.pop("GMAC_PASSPHRASE", None)
    before = sorted(p.name for p in project.files_under("stacks"))
    result = project.run(*command, "--env", "local")
    assert result.code in (0, 2), str(result)
    assert sorted(p.name for p in project.files_under("stacks")) == before
    assert project.path(".gmac/workspace/Pulumi.local.yaml").is_file()
