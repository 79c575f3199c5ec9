"""Identities: age keys, printed and parsed as age does, the earlier gmac keys converted, and
where they are found."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmac.errors import IdentityError
from gmac.secrets import (
    CryptoError,
    Identity,
    Recipient,
    create_identity_file,
    decrypt_with,
    encrypt_for,
    identity_path,
    load_identities,
)
from tests.secrets.legacy_format import legacy_identity


def test_keys_print_and_parse_back_as_age_writes_them() -> None:
    identity = Identity.generate()
    assert str(identity).startswith("AGE-SECRET-KEY-1")
    assert str(identity.recipient).startswith("age1")
    assert Identity.parse(str(identity)).raw == identity.raw
    assert Identity.parse(str(identity).lower()).raw == identity.raw
    assert Recipient.parse(str(identity.recipient)) == identity.recipient
    assert str(identity) not in repr(identity)


def test_an_earlier_gmac_key_is_the_same_age_key() -> None:
    secret, public, _raw = legacy_identity()
    identity = Identity.parse(secret)
    assert Recipient.parse(public) == identity.recipient
    sealed = encrypt_for(b"data key", [Recipient.parse(public)])
    assert decrypt_with(sealed, identity) == b"data key"


@pytest.mark.parametrize(
    "text",
    ["", "age1qqqq", "AGE-SECRET-KEY-1QQQQ", "gmac-pk-AAAA", "GMAC-SK-!!!", "ssh-ed25519 AAAA"],
)
def test_malformed_keys_are_refused(text: str) -> None:
    with pytest.raises(CryptoError):
        Identity.parse(text)
    with pytest.raises(CryptoError):
        Recipient.parse(text)


@settings(max_examples=25)
@given(st.binary(min_size=1, max_size=200))
def test_data_opens_only_for_its_recipients(data: bytes) -> None:
    mine, theirs = Identity.generate(), Identity.generate()
    sealed = encrypt_for(data, [mine.recipient])
    assert sealed.startswith("-----BEGIN AGE ENCRYPTED FILE-----")
    assert decrypt_with(sealed, mine) == data
    with pytest.raises(CryptoError):
        decrypt_with(sealed, theirs)


def test_keygen_writes_a_private_file_in_age_keygens_layout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GMAC_IDENTITY")
    identity, path, created = create_identity_file()
    assert created and path == identity_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# created: ")
    assert lines[1] == f"# public key: {identity.recipient}"
    assert lines[2] == str(identity)
    again, _, created_again = create_identity_file()
    assert not created_again and again.raw == identity.raw
    assert [i.raw for i in load_identities()] == [identity.raw]


def test_an_identity_file_others_can_read_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GMAC_IDENTITY")
    _, path, _ = create_identity_file()
    path.chmod(0o644)
    with pytest.raises(IdentityError, match=r"can be read by others .*chmod 600"):
        load_identities()


def test_where_identities_come_from_first_found(
    identity: Identity, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert [i.raw for i in load_identities()] == [identity.raw]  # GMAC_IDENTITY
    monkeypatch.delenv("GMAC_IDENTITY")
    named = tmp_path / "named-key.txt"
    other = Identity.generate()
    named.write_text(f"# a comment\n{other}\n")
    named.chmod(0o600)
    monkeypatch.setenv("GMAC_IDENTITY_FILE", str(named))
    assert [i.raw for i in load_identities()] == [other.raw]
    monkeypatch.delenv("GMAC_IDENTITY_FILE")
    assert load_identities() == []  # no key file of gmac's, none of sops' either
    sops_key = Identity.generate()
    monkeypatch.setenv("SOPS_AGE_KEY", str(sops_key))
    assert [i.raw for i in load_identities()] == [sops_key.raw]
    monkeypatch.delenv("SOPS_AGE_KEY")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(named))
    assert [i.raw for i in load_identities()] == [other.raw]


def test_a_bad_identity_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GMAC_IDENTITY", "not-a-key")
    with pytest.raises(IdentityError, match="GMAC_IDENTITY: not an age identity"):
        load_identities()
    monkeypatch.delenv("GMAC_IDENTITY")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing here\n")
    empty.chmod(0o600)
    monkeypatch.setenv("GMAC_IDENTITY_FILE", str(empty))
    with pytest.raises(IdentityError, match=r"GMAC_IDENTITY_FILE=.*no identity in that file"):
        load_identities()
