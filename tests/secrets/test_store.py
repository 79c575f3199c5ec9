"""The secrets file in SOPS' format: its layout, and every way it can be wrong."""

from __future__ import annotations

import base64
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from gmac.errors import IdentityError, SecretsError, TamperedSecretError
from gmac.secrets import Identity, SecretStore
from tests.secrets.conftest import CANARY


def _fill(store: SecretStore, identity: Identity, env: str = "local") -> None:
    with store.edit(env, [identity], create_as="gmackie") as opened:
        opened.put("stripe-secret-key", CANARY)
        opened.put("gitea-token", "second-value")


def test_values_are_encrypted_one_line_each_and_the_rest_in_clear(
    store: SecretStore, identity: Identity
) -> None:
    _fill(store, identity)
    text = store.path("local").read_text()
    assert CANARY not in text
    assert base64.b64encode(CANARY.encode()).decode() not in text
    lines = [line for line in text.splitlines() if line.startswith("stripe-secret-key:")]
    assert len(lines) == 1 and lines[0].startswith("stripe-secret-key: ENC[AES256_GCM,data:")
    assert lines[0].endswith(",type:str]")
    data = yaml.safe_load(text)
    meta = data["gmac_unencrypted"]
    assert meta["environment"] == "local"
    assert meta["recipients"] == [{"name": "gmackie", "key": str(identity.recipient)}]
    assert [item["name"] for item in meta["secrets"]] == ["gitea-token", "stripe-secret-key"]
    assert set(meta["secrets"][0]) == {"name", "created"}
    sops = data["sops"]
    assert sops["age"][0]["recipient"] == str(identity.recipient)
    assert sops["age"][0]["enc"].startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    assert (
        sops["mac"].startswith("ENC[AES256_GCM,") and sops["unencrypted_suffix"] == "_unencrypted"
    )
    assert store.open("local", [identity]).get("stripe-secret-key") == CANARY


def test_changing_a_value_keeps_created_records_rotated_and_only_it_is_encrypted_anew(
    store: SecretStore, identity: Identity
) -> None:
    early, late = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)
    with store.edit("local", [identity], create_as="gmackie") as opened:
        opened.put("stripe-secret-key", "one", now=early)
        opened.put("gitea-token", "kept", now=early)
    before = store.read("local")
    assert before is not None
    with store.edit("local", [identity]) as opened:
        entry = opened.put("stripe-secret-key", "two", now=late)
    assert (entry.created, entry.rotated) == ("2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z")
    after = store.read("local")
    assert after is not None
    assert store.open("local", [identity]).get("stripe-secret-key") == "two"
    # A value nobody changed keeps its ciphertext: sealed copies of it stay valid, and the
    # diff of the file shows exactly what changed.
    assert after.sealed("gitea-token") == before.sealed("gitea-token")
    assert after.sealed("stripe-secret-key") != before.sealed("stripe-secret-key")


def test_a_stranger_is_told_who_can_open_it(store: SecretStore, identity: Identity) -> None:
    _fill(store, identity)
    stranger = Identity.generate()
    with pytest.raises(IdentityError) as caught:
        store.open("local", [stranger])
    message = str(caught.value)
    assert "not one of its recipients" in message
    assert f"gmackie ({identity.recipient})" in message
    assert f"recipients add --env local --name YOUR-NAME {stranger.recipient}" in message
    assert str(stranger) not in message


def test_no_identity_says_how_to_get_one(store: SecretStore, identity: Identity) -> None:
    _fill(store, identity)
    with pytest.raises(IdentityError, match=r"GMAC_IDENTITY.*gmac secrets keygen"):
        store.open("local", [])


def _edit_file(path: Path, change: str, new: str) -> None:
    text = path.read_text()
    changed = re.sub(change, new, text, count=1)
    assert changed != text, change
    path.write_text(changed)


def test_a_tampered_ciphertext_names_the_secret(store: SecretStore, identity: Identity) -> None:
    _fill(store, identity)
    path = store.path("local")
    body = re.search(r"gitea-token: ENC\[AES256_GCM,data:([^,]+),", path.read_text())
    assert body
    data = body.group(1)
    flipped = ("A" if data[0] != "A" else "B") + data[1:]
    path.write_text(path.read_text().replace(data, flipped))
    with pytest.raises(TamperedSecretError, match=r"secret 'gitea-token' does not decrypt"):
        store.open("local", [identity])


def test_swapped_values_do_not_decrypt(store: SecretStore, identity: Identity) -> None:
    """The key path is each value's associated data: a value moved to another name fails."""
    _fill(store, identity)
    path = store.path("local")
    first, second = re.findall(r"^[a-z-]+: (ENC\[[^\]]+\])$", path.read_text(), re.M)
    text = path.read_text().replace(first, "@@").replace(second, first).replace("@@", second)
    path.write_text(text)
    with pytest.raises(TamperedSecretError) as caught:
        store.open("local", [identity])
    assert "'gitea-token', 'stripe-secret-key' do not decrypt" in str(caught.value)
    assert CANARY not in str(caught.value)


def test_a_file_copied_to_another_environment_is_refused(
    store: SecretStore, identity: Identity
) -> None:
    _fill(store, identity)
    store.path("staging").write_text(store.path("local").read_text())
    with pytest.raises(SecretsError, match="belongs to environment 'local', not 'staging'"):
        store.open("staging", [identity])
    # Relabelled as well: the environment is covered by the MAC.
    _edit_file(store.path("staging"), r"environment: local", "environment: staging")
    with pytest.raises(TamperedSecretError, match="its MAC does not match"):
        store.open("staging", [identity])


@pytest.mark.parametrize(
    ("pattern", "replacement"),
    [
        (r"created: '[^']+'", "created: '2020-01-01T00:00:00Z'"),  # a date
        (r"\nstripe-secret-key: .*", ""),  # a secret removed
        (r"name: gmackie", "name: mallory"),  # a recipient renamed
        (r"name: gitea-token\n", "name: other\n"),  # dates moved to another secret
    ],
)
def test_any_other_edit_breaks_the_mac(
    store: SecretStore, identity: Identity, pattern: str, replacement: str
) -> None:
    _fill(store, identity)
    _edit_file(store.path("local"), pattern, replacement)
    with pytest.raises(TamperedSecretError, match="changed without its key: its MAC does not"):
        store.open("local", [identity])


def test_a_rolled_back_value_breaks_the_mac(store: SecretStore, identity: Identity) -> None:
    with store.edit("local", [identity], create_as="gmackie") as opened:
        opened.put("stripe-secret-key", "old")
    old_line = next(
        line
        for line in store.path("local").read_text().splitlines()
        if line.startswith("stripe-secret-key:")
    )
    with store.edit("local", [identity]) as opened:
        opened.put("stripe-secret-key", "new")
    path = store.path("local")
    lines = [
        old_line if line.startswith("stripe-secret-key:") else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(TamperedSecretError, match="MAC does not match"):
        store.open("local", [identity])


def test_not_a_secrets_file(store: SecretStore, identity: Identity) -> None:
    store.path("local").parent.mkdir(parents=True)
    store.path("local").write_text("stripe-secret-key: plain\n")
    with pytest.raises(SecretsError, match="not a gmac secrets file"):
        store.open("local", [identity])
    store.path("local").write_text("{{{")
    with pytest.raises(SecretsError, match="not valid YAML"):
        store.open("local", [identity])


def test_recipients_added_can_read_and_removed_cannot(
    store: SecretStore, identity: Identity
) -> None:
    _fill(store, identity)
    bob = Identity.generate()
    with store.edit("local", [identity]) as opened:
        assert opened.add_recipient("bob", bob.recipient)
        assert not opened.add_recipient("bob again", bob.recipient)
    assert store.open("local", [bob]).get("stripe-secret-key") == CANARY
    old_key = store.open("local", [bob]).data_key
    with store.edit("local", [identity]) as opened:
        assert opened.remove_recipient(bob.recipient).name == "bob"
    with pytest.raises(IdentityError):
        store.open("local", [bob])
    opened = store.open("local", [identity])
    assert opened.data_key != old_key  # re-keyed: bob's copy of the key opens nothing new
    assert opened.get("stripe-secret-key") == CANARY
    # ... and re-added later, bob reads again, under the new key.
    with store.edit("local", [identity]) as opened:
        assert opened.add_recipient("bob", bob.recipient)
    assert store.open("local", [bob]).get("gitea-token") == "second-value"
    with (
        store.edit("local", [identity]) as opened,
        pytest.raises(SecretsError, match="no recipient left"),
    ):
        opened.remove_recipient(identity.recipient)
        opened.remove_recipient(bob.recipient)


def test_sealed_values_open_only_with_their_file_and_name(
    store: SecretStore, identity: Identity
) -> None:
    _fill(store, identity)
    file = store.read("local")
    assert file is not None
    token = file.sealed("stripe-secret-key")
    assert token is not None and CANARY not in token
    opened = store.open("local", [identity])
    assert opened.unseal(token, "stripe-secret-key") == CANARY
    with pytest.raises(TamperedSecretError):
        opened.unseal(token, "gitea-token")  # another name
    _fill(store, identity, env="staging")
    with pytest.raises(TamperedSecretError):
        store.open("staging", [identity]).unseal(token, "stripe-secret-key")  # another file


def test_concurrent_edits_lose_nothing(store: SecretStore, identity: Identity) -> None:
    with store.edit("local", [identity], create_as="gmackie"):
        pass
    names = [f"key-{i}" for i in range(12)]

    def write(name: str) -> None:
        with store.edit("local", [identity]) as opened:
            opened.put(name, f"value of {name}")

    threads = [threading.Thread(target=write, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    values = store.open("local", [identity]).values()
    assert values == {name: f"value of {name}" for name in names}
