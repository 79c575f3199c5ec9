"""Reading the state fails as every engine command does: in one line saying what to do, never
as gmac's own bug. A destroy (and a preview's down) reads the state before anything else."""

from __future__ import annotations

from tests.engine.conftest import ENV, Project


def test_a_destroy_with_the_wrong_passphrase_says_so(project: Project) -> None:
    project.apply()
    result = project.run(
        "destroy", "--env", ENV, "--yes", extra_env={"GMAC_PASSPHRASE": "not the passphrase"}
    )
    assert result.code == 1, str(result)
    assert "internal error" not in result.stderr
    assert result.stderr.startswith(
        "error: the passphrase from GMAC_PASSPHRASE does not open the secrets of stack 'local'"
    ), result.stderr
    assert project.state_resources()  # nothing was destroyed
