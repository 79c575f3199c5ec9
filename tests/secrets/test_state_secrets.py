"""Generated secrets live in the stack's state, through the real engine (`local` renders its
manifests): a plan writes nothing anywhere; apply makes the value, nowhere in git; a refresh
keeps it; a rotation (by name, or when due) replaces it and rolls exactly the Deployments
that read it."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
import yaml

from tests.real import require_toolchain
from tests.secrets.conftest import Gmac, no_traceback

ENV = "local"
GENERATED = "pulumi-python:dynamic/secrets:Generated"  # a secret kept in the state


@pytest.fixture(autouse=True)
def _toolchain() -> None:
    require_toolchain()


def _ok(gmac: Gmac, *args: str, code: int = 0) -> str:
    result = gmac(*args)
    no_traceback(result)
    assert result.returncode == code, result.stdout + result.stderr
    return result.stdout


def _tree(root: Path) -> dict[str, str]:
    """Every file under `root` with a digest of its content."""
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _digests(project: Path) -> dict[str, str | None]:
    """Each rendered Deployment's `gmac.io/secrets-digest`."""
    found: dict[str, str | None] = {}
    for path in (project / ".gmac" / "render" / ENV).rglob("*deployment*.yaml"):
        document = yaml.safe_load(path.read_text())
        annotations = document["spec"]["template"]["metadata"].get("annotations") or {}
        found[document["metadata"]["name"]] = annotations.get("gmac.io/secrets-digest")
    return found


def test_a_plan_writes_no_secret_no_audit_entry_and_nothing_under_specs_or_stacks(
    gmac: Gmac, project: Path
) -> None:
    before = {folder: _tree(project / folder) for folder in ("specs", "stacks")}
    plan = json.loads(_ok(gmac, "plan", "--env", ENV, "--json", code=2))
    created = [c["name"] for c in plan["changes"] if c["type"] == GENERATED]
    assert sorted(created) == ["nextauth-secret", "secrets-digest-key"]
    after = {folder: _tree(project / folder) for folder in ("specs", "stacks")}
    assert after == before
    assert not (project / "specs" / "secrets").exists()
    audit = json.loads(_ok(gmac, "audit", "--json"))
    assert audit == []


def test_generated_in_the_state_kept_by_refresh_rotated_rolling_only_its_readers(
    gmac: Gmac, project: Path
) -> None:
    _ok(gmac, "apply", "--env", ENV, "--yes")
    value = _ok(gmac, "secrets", "get", "--env", ENV, "nextauth-secret")
    assert len(value) == 48  # `generate: {length: 48}` in the example
    assert not (project / "specs" / "secrets").exists()  # nothing of it in git
    state = (project / ".gmac" / "state").rglob("*.json")
    assert not any(value in path.read_text() for path in state)  # encrypted there
    before = _digests(project)
    assert before["control-panel"] is not None  # it reads nextauth-secret

    _ok(gmac, "refresh", "--env", ENV)
    assert _ok(gmac, "secrets", "get", "--env", ENV, "nextauth-secret") == value
    assert _ok(gmac, "plan", "--env", ENV, code=0)

    rotated = _ok(gmac, "secrets", "rotate", "--env", ENV, "nextauth-secret", "--yes")
    assert "nextauth-secret: new value generated in the state; rolls control-panel" in rotated
    new_value = _ok(gmac, "secrets", "get", "--env", ENV, "nextauth-secret")
    assert new_value != value and len(new_value) == 48
    after = _digests(project)
    assert after["control-panel"] != before["control-panel"]
    assert {k: v for k, v in after.items() if k != "control-panel"} == {
        k: v for k, v in before.items() if k != "control-panel"
    }
    assert _ok(gmac, "plan", "--env", ENV, code=0)


def test_a_generated_secret_rotates_when_it_is_due(gmac: Gmac, project: Path) -> None:
    path = project / "specs" / "project.yaml"
    text = path.read_text()
    old = "nextauth-secret: {generate: {length: 48}, rotate_every: 90d}"
    assert old in text
    path.write_text(
        text.replace(old, "nextauth-secret: {generate: {length: 48}, rotate_every: 1s}")
    )
    _ok(gmac, "apply", "--env", ENV, "--yes")
    value = _ok(gmac, "secrets", "get", "--env", ENV, "nextauth-secret")
    time.sleep(1.5)
    listed = {
        row["name"]: row for row in json.loads(_ok(gmac, "secrets", "list", "--env", ENV, "--json"))
    }
    assert listed["nextauth-secret"]["due"]
    due = _ok(gmac, "secrets", "rotate", "--env", ENV, "--due", "--yes")
    assert "nextauth-secret: new value generated in the state" in due
    assert _ok(gmac, "secrets", "get", "--env", ENV, "nextauth-secret") != value
