"""The registry in CI: an apply or destroy under `CI=true` with the registry on the runner's
disk (thrown away after the job, the audit log with it) refuses, saying how to point it at a
durable one; `--ephemeral-registry` (or GMAC_EPHEMERAL_REGISTRY=1, which the rest of the
suite sets) allows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.app.recording import EPHEMERAL_VARIABLE, require_durable_registry
from gmac.errors import EphemeralRegistryError
from tests.real import require_toolchain
from tests.registry.conftest import REPO, Gmac


@pytest.fixture
def ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI job, without the test suite's own allowance."""
    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv(EPHEMERAL_VARIABLE, raising=False)


@pytest.mark.usefixtures("ci")
def test_in_ci_a_registry_on_the_runners_disk_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(EphemeralRegistryError) as caught:
        require_durable_registry(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / ".gmac" / "registry.db") in message
    assert "GMAC_REGISTRY_URL" in message and "GMAC_REGISTRY_AUTH_TOKEN" in message
    assert "--ephemeral-registry" in message

    monkeypatch.setenv("GMAC_REGISTRY_URL", "file:/srv/registry.db")  # still the runner's disk
    with pytest.raises(EphemeralRegistryError):
        require_durable_registry(tmp_path)

    require_durable_registry(tmp_path, ephemeral=True)
    monkeypatch.setenv(EPHEMERAL_VARIABLE, "1")
    require_durable_registry(tmp_path)


@pytest.mark.usefixtures("ci")
def test_in_ci_a_turso_registry_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMAC_REGISTRY_URL", "libsql://registry-gmac.turso.io")
    monkeypatch.setenv("GMAC_REGISTRY_AUTH_TOKEN", "a-token")
    require_durable_registry(tmp_path)


def test_outside_ci_the_local_registry_is_fine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv(EPHEMERAL_VARIABLE, raising=False)
    require_durable_registry(tmp_path)


@pytest.mark.usefixtures("ci")
def test_gmac_apply_and_destroy_in_ci_refuse_a_registry_on_the_runner(
    root: Path, gmac: Gmac
) -> None:
    require_toolchain()
    (root / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text())
    env = {"GMAC_PASSPHRASE": "ci-registry-test"}
    for command in ("apply", "destroy"):
        refused = gmac(command, "--env", "local", "--yes", **env)
        assert refused.returncode == 1, refused.stderr
        assert "on this CI runner's disk" in refused.stderr
        assert "GMAC_REGISTRY_URL" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert not (root / ".gmac" / "state").exists()  # refused before anything ran
    assert not (root / ".gmac" / "registry.db").exists()

    applied = gmac("apply", "--env", "local", "--yes", "--ephemeral-registry", **env)
    assert applied.returncode == 0, applied.stderr
    assert "applied: " in applied.stdout
    destroyed = gmac("destroy", "--env", "local", "--yes", "--ephemeral-registry", **env)
    assert destroyed.returncode == 0, destroyed.stderr
