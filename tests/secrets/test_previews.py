"""A preview environment uses the secrets of the environment it is derived from."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.real import require_toolchain
from tests.secrets.conftest import CANARY, Gmac, no_traceback


def test_a_preview_seals_its_base_secrets_and_writes_no_file_of_its_own(
    gmac: Gmac, project: Path
) -> None:
    require_toolchain()
    result = gmac("secrets", "set", "--env", "local", "stripe-secret-key", stdin=CANARY)
    no_traceback(result)
    assert result.returncode == 0, result.stderr

    result = gmac("preview", "up", "--pr", "7", "--base", "local")
    no_traceback(result)
    assert result.returncode == 0, result.stderr

    assert sorted(p.name for p in (project / "specs" / "secrets").iterdir()) == ["local.yaml"]
    rendered = project / ".gmac" / "render" / "local-pr-7" / "1-manifest"
    secret = yaml.safe_load((rendered / "v1-secret-gmac-io-pr-7-api-secrets.yaml").read_text())
    assert "sealed.gmac.io/stripe-secret-key" in secret["metadata"]["annotations"]
    assert not secret.get("data") and not secret.get("stringData")
    for path in project.rglob("*"):
        if path.is_file():
            assert CANARY.encode() not in path.read_bytes(), path
