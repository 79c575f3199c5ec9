"""`gmac secrets migrate`: a file of gmac's earlier format, with several recipients, rotations
and dates, moved to the SOPS format losing nothing; read until then, with a hint."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from gmac.dev.tools import SOPS, find
from gmac.errors import SecretsError
from gmac.secrets import Identity, SecretStore
from tests.real import require
from tests.secrets.conftest import CANARY, Gmac, no_traceback
from tests.secrets.legacy_format import legacy_identity, write_legacy_file

CREATED = "2025-01-10T09:00:00Z"
ROTATED = "2025-04-02T17:30:00Z"


@pytest.fixture
def legacy(specs: Path) -> tuple[str, str]:
    """A staging file of the earlier format for gmackie and alice; gmackie's old key."""
    gmackie_key, gmackie_public, gmackie_raw = legacy_identity()
    _alice_key, alice_public, alice_raw = legacy_identity()
    write_legacy_file(
        specs / "secrets" / "staging.yaml",
        "staging",
        [("gmackie", gmackie_public, gmackie_raw), ("alice", alice_public, alice_raw)],
        {
            "stripe-secret-key": {"value": CANARY, "created": CREATED, "rotated": ROTATED},
            "gitea-token": {"value": "g1t3a", "created": CREATED, "api_token": "gmac-1"},
            "ci-webhook-secret": {
                "value": "generated-long-ago",
                "created": CREATED,
                "generated": "true",
            },
        },
    )
    return gmackie_key, alice_public


def test_the_earlier_format_is_read_until_migrated_with_a_hint(
    gmac: Gmac, legacy: tuple[str, str], store: SecretStore
) -> None:
    old_key, _ = legacy
    got = gmac("secrets", "get", "--env", "staging", "stripe-secret-key", GMAC_IDENTITY=old_key)
    no_traceback(got)
    assert got.returncode == 0, got.stderr
    assert got.stdout == CANARY
    listed = gmac("secrets", "list", "--env", "staging", "--json", GMAC_IDENTITY=old_key)
    rows = {row["name"]: row for row in yaml.safe_load(listed.stdout)}
    assert rows["stripe-secret-key"]["created"] == CREATED
    assert rows["stripe-secret-key"]["rotated"] == ROTATED
    # Changing it is refused until it is migrated, saying how.
    changed = gmac(
        "secrets", "set", "--env", "staging", "gitea-token", stdin="x", GMAC_IDENTITY=old_key
    )
    no_traceback(changed)
    assert changed.returncode == 1
    assert "earlier secrets format: run `gmac secrets migrate --env staging`" in changed.stderr
    with (
        pytest.raises(SecretsError, match="gmac secrets migrate"),
        store.edit("staging", [Identity.parse(old_key)]),
    ):
        pass


def test_migrate_keeps_every_value_recipient_and_date(
    gmac: Gmac, legacy: tuple[str, str], store: SecretStore, tmp_path: Path
) -> None:
    old_key, alice_public = legacy
    migrated = gmac("secrets", "migrate", "--env", "staging", GMAC_IDENTITY=old_key)
    no_traceback(migrated)
    assert migrated.returncode == 0, migrated.stderr
    assert "staging: 3 secrets, recipients gmackie, alice: now in the SOPS format" in (
        migrated.stdout
    )
    assert "ci-webhook-secret move into the state on the next apply" in migrated.stdout
    assert not store.is_legacy("staging")
    # The old key is the same X25519 key as an age identity: it opens the new file...
    identity = Identity.parse(old_key)
    opened = store.open("staging", [identity])
    assert opened.values() == {
        "stripe-secret-key": CANARY,
        "gitea-token": "g1t3a",
        "ci-webhook-secret": "generated-long-ago",
    }
    file = opened.file
    assert [r.name for r in file.recipients] == ["gmackie", "alice"]
    assert str(file.recipients[1].key).startswith("age1")
    assert file.recipients[1].key == Identity.parse(old_key).recipient.parse(alice_public)
    entry = file.entries["stripe-secret-key"]
    assert (entry.created, entry.rotated) == (CREATED, ROTATED)
    assert file.entries["gitea-token"].meta == {"api_token": "gmac-1"}
    # ... and so does sops, with the key written as age writes it.
    sops = require(find(SOPS), "sops", "run scripts/install-servers")
    keys = tmp_path / "keys.txt"
    keys.write_text(f"{identity}\n")
    keys.chmod(0o600)
    decrypted = subprocess.run(
        [str(sops), "--decrypt", str(store.path("staging"))],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], "SOPS_AGE_KEY_FILE": str(keys), "HOME": str(tmp_path)},
        check=False,
    )
    assert decrypted.returncode == 0, decrypted.stderr
    assert yaml.safe_load(decrypted.stdout)["stripe-secret-key"] == CANARY
    # Migrating twice is refused, and the audit log has the migration.
    again = gmac("secrets", "migrate", "--env", "staging", GMAC_IDENTITY=old_key)
    assert again.returncode == 1 and "in the SOPS format already" in again.stderr
    audit = gmac("audit", "--json", "--action", "secret.migrate")
    assert [entry["outcome"] for entry in yaml.safe_load(audit.stdout)] == ["succeeded"]


def test_migrating_without_a_recipient_key_loses_nothing(
    gmac: Gmac, legacy: tuple[str, str], store: SecretStore
) -> None:
    before = store.path("staging").read_text()
    refused = gmac("secrets", "migrate", "--env", "staging")  # the fixture's own new identity
    no_traceback(refused)
    assert refused.returncode == 1
    # Whoever holds no key of the file is not taken for its owner, whatever GMAC_ACTOR says.
    assert "'gmackie' (actor from GMAC_ACTOR) cannot be proven" in refused.stderr
    assert store.path("staging").read_text() == before
