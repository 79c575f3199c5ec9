"""The store's cryptography: wrapping for X25519 recipients, values bound to env and name."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmac.errors import IdentityError
from gmac.secrets import Identity, Recipient, create_identity_file, identity_path, load_identities
from gmac.secrets._crypto import (
    CryptoError,
    decrypt_value,
    encrypt_value,
    mac,
    new_data_key,
    unwrap,
    wrap,
)


def test_keys_print_and_parse_back() -> None:
    identity = Identity.generate()
    assert str(identity).startswith("GMAC-SK-")
    assert str(identity.recipient).startswith("gmac-pk-")
    assert Identity.parse(str(identity)).raw == identity.raw
    assert Recipient.parse(str(identity.recipient)) == identity.recipient
    assert str(identity) not in repr(identity)


@pytest.mark.parametrize("text", ["", "gmac-pk-AAAA", "GMAC-SK-!!!", "ssh-ed25519 AAAA"])
def test_malformed_keys_are_refused(text: str) -> None:
    with pytest.raises(CryptoError):
        Identity.parse(text)
    with pytest.raises(CryptoError):
        Recipient.parse(text)


def test_the_data_key_unwraps_only_for_its_recipient_and_environment() -> None:
    alice, mallory = Identity.generate(), Identity.generate()
    key = new_data_key()
    stanza = wrap(key, alice.recipient, "production")
    assert unwrap(stanza, alice, "production") == key
    with pytest.raises(CryptoError):
        unwrap(stanza, mallory, "production")
    with pytest.raises(CryptoError):
        unwrap(stanza, alice, "staging")


@settings(max_examples=50, deadline=None)
@given(value=st.text(max_size=300))
def test_values_round_trip(value: str) -> None:
    key = new_data_key()
    token = encrypt_value(key, "local", "api-key", value)
    assert decrypt_value(key, "local", "api-key", token) == value
    if len(value) >= 4:
        assert value not in token


def test_a_value_is_bound_to_its_name_and_environment() -> None:
    key = new_data_key()
    token = encrypt_value(key, "production", "stripe-secret-key", "sk_live_x")
    with pytest.raises(CryptoError):
        decrypt_value(key, "production", "nextauth-secret", token)
    with pytest.raises(CryptoError):
        decrypt_value(key, "staging", "stripe-secret-key", token)
    with pytest.raises(CryptoError):
        decrypt_value(new_data_key(), "production", "stripe-secret-key", token)


def test_the_same_value_encrypts_differently_each_time() -> None:
    key = new_data_key()
    assert encrypt_value(key, "e", "n", "v") != encrypt_value(key, "e", "n", "v")


def test_the_mac_covers_every_field() -> None:
    key = new_data_key()
    content = {"environment": "local", "secrets": {"a": {"value": "x", "created": "t"}}}
    changed = {"environment": "local", "secrets": {"a": {"value": "x", "created": "u"}}}
    assert mac(key, content) == mac(key, dict(content))
    assert mac(key, content) != mac(key, changed)
    assert mac(key, content) != mac(new_data_key(), content)


def test_keygen_writes_a_private_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMAC_IDENTITY")
    identity, path, created = create_identity_file()
    assert created and path == identity_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(identity.recipient) in path.read_text()
    again, _, created_again = create_identity_file()
    assert not created_again and again.raw == identity.raw
    assert [i.raw for i in load_identities()] == [identity.raw]


def test_an_identity_file_others_can_read_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMAC_IDENTITY")
    _, path, _ = create_identity_file()
    path.chmod(0o644)
    with pytest.raises(IdentityError, match=r"can be read by others .*chmod 600"):
        load_identities()


def test_gmac_identity_wins_over_the_file(identity: Identity, tmp_path: Path) -> None:
    assert [i.raw for i in load_identities()] == [identity.raw]


def test_a_bad_gmac_identity_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GMAC_IDENTITY", "not-a-key")
    with pytest.raises(IdentityError, match="GMAC_IDENTITY: not a gmac identity"):
        load_identities()
