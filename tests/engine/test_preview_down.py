"""Removing a preview always works: one whose destroy fails stays, and `gmac preview down`
says so and names --force; with --force the preview leaves `gmac preview list` (so the daily
`gmac preview cleanup` no longer meets it) and the command says what it left where.

The destroy fails here because the state cannot be read (the wrong passphrase), as it fails
for a preview whose cluster is gone: in both, the engine cannot take the resources down."""

from __future__ import annotations

import re
from pathlib import Path

from tests.engine.conftest import Project

PR = "7"
WRONG = {"GMAC_PASSPHRASE": "not the passphrase of this preview"}


def _images_from_a_registry(project: Project) -> None:
    """The preview runs ready-made images: what is tested is its removal, not a build."""
    for path in Path(project.path("specs/services")).glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        ready_made = re.sub(r"image: \{build: true[^}]*\}", 'image: {ref: "nginx:1.27"}', text)
        path.write_text(ready_made, encoding="utf-8")


def test_a_preview_whose_destroy_fails_is_removed_with_force(project: Project) -> None:
    _images_from_a_registry(project)
    project.ok("preview", "up", "--pr", PR, "--base", "local")
    assert project.ok("preview", "list", "--base", "local").stdout.split() == [f"pr-{PR}"]

    refused = project.run("preview", "down", "--pr", PR, "--base", "local", extra_env=WRONG)
    assert refused.code == 1, str(refused)
    assert "does not open the secrets of stack 'pr-7'" in refused.stderr
    assert f"`gmac preview down --pr {PR} --force` removes the preview all the same" in (
        refused.stderr
    )
    assert project.ok("preview", "list", "--base", "local").stdout.split() == [f"pr-{PR}"]

    forced = project.ok(
        "preview", "down", "--pr", PR, "--base", "local", "--force", extra_env=WRONG
    )
    assert forced.stdout.strip() == f"pr-{PR}: removed; its stack is forgotten"
    assert "warning: pr-7: the destroy failed (" in forced.stderr
    assert "its rendered files may still hold what it made" in forced.stderr
    assert project.ok("preview", "list", "--base", "local").stdout.split() == []


def test_a_preview_down_that_works_needs_no_force(project: Project) -> None:
    _images_from_a_registry(project)
    project.ok("preview", "up", "--pr", PR, "--base", "local")
    done = project.ok("preview", "down", "--pr", PR, "--base", "local")
    assert done.stdout.startswith(f"pr-{PR}: destroyed ")
    assert project.ok("preview", "list", "--base", "local").stdout.split() == []
