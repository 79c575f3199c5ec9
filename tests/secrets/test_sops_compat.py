"""gmac's secrets files against the real sops and age (built from their Go modules by
scripts/install-servers): what gmac writes, `sops --decrypt` opens; what `sops set` and
`sops edit` write, gmac reads; a tampered value or MAC is refused by both; identities made by
either side work with the other."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from gmac.dev.tools import AGE, SOPS, find
from gmac.errors import TamperedSecretError
from gmac.secrets import Identity, SecretStore
from tests.real import require
from tests.secrets.conftest import CANARY, Gmac, no_traceback

TOOLS_HINT = "run scripts/install-servers (it builds sops and age)"


@pytest.fixture(scope="module")
def sops() -> Path:
    return require(find(SOPS), "sops", TOOLS_HINT)


@pytest.fixture(scope="module")
def age_keygen() -> Path:
    return require(find(AGE, "age-keygen"), "age-keygen", TOOLS_HINT)


def _sops(
    sops: Path, key_file: Path, *args: str, editor: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(key_file.parent),
        "SOPS_AGE_KEY_FILE": str(key_file),
        # sops asks GitHub for its latest release otherwise; nothing answers here.
        "SOPS_DISABLE_VERSION_CHECK": "1",
    }
    if editor:
        env["EDITOR"] = editor
    return subprocess.run(
        [str(sops), *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def _key_file(tmp_path: Path, identity: Identity) -> Path:
    path = tmp_path / "keys.txt"
    path.write_text(f"# public key: {identity.recipient}\n{identity}\n")
    path.chmod(0o600)
    return path


def _written_by_gmac(store: SecretStore, identity: Identity) -> Path:
    with store.edit("staging", [identity], create_as="gmackie") as opened:
        opened.put("stripe-secret-key", CANARY)
        opened.put("gitea-token", "multi\nline: value")
    return store.path("staging")


def test_sops_decrypts_what_gmac_wrote(
    sops: Path, store: SecretStore, identity: Identity, tmp_path: Path
) -> None:
    path = _written_by_gmac(store, identity)
    result = _sops(sops, _key_file(tmp_path, identity), "--decrypt", str(path))
    assert result.returncode == 0, result.stderr
    clear = yaml.safe_load(result.stdout)
    assert clear["stripe-secret-key"] == CANARY
    assert clear["gitea-token"] == "multi\nline: value"
    assert clear["gmac_unencrypted"]["environment"] == "staging"


def test_gmac_reads_what_sops_set_and_edit_wrote(
    sops: Path, store: SecretStore, identity: Identity, tmp_path: Path
) -> None:
    path = _written_by_gmac(store, identity)
    keys = _key_file(tmp_path, identity)
    result = _sops(sops, keys, "set", str(path), '["turso-platform-token"]', '"from sops set"')
    assert result.returncode == 0, result.stderr
    # `sops edit` through an editor that changes one value in the decrypted file.
    editor = tmp_path / "edit.sh"
    editor.write_text(
        "#!/bin/sh\nsed -i 's/^stripe-secret-key: .*/stripe-secret-key: edited-by-sops/' \"$1\"\n"
    )
    editor.chmod(0o755)
    result = _sops(sops, keys, "edit", str(path), editor=str(editor))
    assert result.returncode == 0, result.stderr
    opened = store.open("staging", [identity])
    assert opened.get("turso-platform-token") == "from sops set"
    assert opened.get("stripe-secret-key") == "edited-by-sops"
    assert opened.get("gitea-token") == "multi\nline: value"
    # ... and gmac goes on editing the file sops wrote, which sops still opens.
    with store.edit("staging", [identity]) as edit:
        edit.put("gitea-token", "set by gmac again")
    result = _sops(sops, keys, "--decrypt", str(path))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["gitea-token"] == "set by gmac again"


def test_a_tampered_value_or_mac_is_refused_by_both(
    sops: Path, store: SecretStore, identity: Identity, tmp_path: Path
) -> None:
    path = _written_by_gmac(store, identity)
    keys = _key_file(tmp_path, identity)
    original = path.read_text()
    for pattern in (
        r"(stripe-secret-key: ENC\[AES256_GCM,data:)(.)",
        r"(mac: ENC\[AES256_GCM,data:)(.)",
    ):
        path.write_text(
            re.sub(pattern, lambda m: m[1] + ("A" if m[2] != "A" else "B"), original, count=1)
        )
        result = _sops(sops, keys, "--decrypt", str(path))
        assert result.returncode != 0, pattern
        with pytest.raises(TamperedSecretError):
            store.open("staging", [identity])
    # A date edited in clear: sops' MAC covers it, so both refuse.
    path.write_text(
        re.sub(r"created: '[^']+'", "created: '2020-01-01T00:00:00Z'", original, count=1)
    )
    assert _sops(sops, keys, "--decrypt", str(path)).returncode != 0
    with pytest.raises(TamperedSecretError, match="MAC does not match"):
        store.open("staging", [identity])


def test_a_key_from_age_keygen_opens_gmac_files_and_gmacs_keys_open_sops_files(
    sops: Path, age_keygen: Path, gmac: Gmac, project: Path, tmp_path: Path
) -> None:
    made = tmp_path / "age-keygen.txt"
    result = subprocess.run(
        [str(age_keygen), "-o", str(made)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    public = re.search(r"age1[0-9a-z]+", made.read_text())
    assert public is not None
    # age-keygen's file as gmac's identity: gmac writes a file for it...
    set_value = gmac(
        "secrets",
        "set",
        "--env",
        "staging",
        "gitea-token",
        stdin="t0ken",
        GMAC_IDENTITY="",
        GMAC_IDENTITY_FILE=str(made),
    )
    no_traceback(set_value)
    assert set_value.returncode == 0, set_value.stderr
    file = project / "specs" / "secrets" / "staging.yaml"
    assert public.group(0) in file.read_text()
    # ... that sops opens with the same key file.
    result = _sops(sops, made, "--decrypt", str(file))
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["gitea-token"] == "t0ken"
    # The other way: a key made by `gmac secrets keygen`, a file made by sops for it.
    config = tmp_path / "config"
    keygen = gmac("secrets", "keygen", GMAC_IDENTITY="", XDG_CONFIG_HOME=str(config))
    assert keygen.returncode == 0, keygen.stderr
    recipient = keygen.stdout.strip()
    assert recipient.startswith("age1")
    plain = tmp_path / "plain.yaml"
    plain.write_text("stripe-secret-key: from-sops\n")
    encrypted = _sops(
        sops, config / "gmac" / "identity", "--encrypt", "--age", recipient, str(plain)
    )
    assert encrypted.returncode == 0, encrypted.stderr
    target = project / "specs" / "secrets" / "production.yaml"
    target.write_text(encrypted.stdout)
    got = gmac(
        "secrets",
        "get",
        "--env",
        "production",
        "stripe-secret-key",
        GMAC_IDENTITY="",
        XDG_CONFIG_HOME=str(config),
    )
    no_traceback(got)
    assert got.returncode == 0, got.stderr
    assert got.stdout == "from-sops"
