"""age identities and recipients, and data encrypted for recipients (pyrage), shared by the
secret store (a file's data key) and the provider of generated secrets (a value sealed for
the recipients of an environment whose manifests are rendered to files).

An identity is an age X25519 key, `AGE-SECRET-KEY-1...`, as `age-keygen` writes it; its
recipient (public key) is `age1...`. The data key of a secrets file is encrypted with age for
every recipient and ASCII-armored, exactly as sops writes it in `sops.age[].enc`.

gmac's earlier keys (`GMAC-SK-...`, `gmac-pk-...`) were X25519 keys too: the same 32 bytes,
base64url instead of bech32. They are read and converted, so an old identity opens the files
`gmac secrets migrate` writes, and an old public key names the same recipient.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

import bech32
import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

IDENTITY_HRP = "age-secret-key-"
RECIPIENT_HRP = "age"
LEGACY_IDENTITY_PREFIX = "GMAC-SK-"
LEGACY_RECIPIENT_PREFIX = "gmac-pk-"
KEY_BYTES = 32


class CryptoError(ValueError):
    """A key or ciphertext that is malformed or does not authenticate; the caller names it."""


def _bech32(hrp: str, raw: bytes) -> str:
    words = bech32.convertbits(raw, 8, 5)
    if words is None:
        raise CryptoError("cannot encode the key")
    return str(bech32.bech32_encode(hrp, words))


def _unbech32(text: str, hrp: str) -> bytes:
    found, words = bech32.bech32_decode(text.lower())
    if found != hrp or words is None:
        raise CryptoError(f"not an {hrp.rstrip('-')} key")
    raw = bech32.convertbits(words, 5, 8, False)
    if raw is None or len(raw) != KEY_BYTES:
        raise CryptoError("wrong key length")
    return bytes(raw)


def _legacy_raw(text: str, prefix: str) -> bytes:
    body = text.removeprefix(prefix)
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise CryptoError("not base64") from None
    if len(raw) != KEY_BYTES:
        raise CryptoError("wrong key length")
    return raw


@dataclass(frozen=True, order=True)
class Recipient:
    """A public key that can decrypt a file's data key: `age1...`."""

    text: str

    @classmethod
    def parse(cls, text: str) -> Recipient:
        text = text.strip()
        if text.startswith(LEGACY_RECIPIENT_PREFIX):
            return cls(_bech32(RECIPIENT_HRP, _legacy_raw(text, LEGACY_RECIPIENT_PREFIX)))
        _unbech32(text, RECIPIENT_HRP)
        return cls(text.lower())

    def __str__(self) -> str:
        return self.text

    def _pyrage(self) -> pyrage.x25519.Recipient:
        return pyrage.x25519.Recipient.from_str(self.text)


@dataclass(frozen=True)
class Identity:
    """A private key (never printed) and where it was read from, for messages."""

    raw: bytes = field(repr=False)
    source: str = ""

    @classmethod
    def generate(cls) -> Identity:
        return cls.parse(str(pyrage.x25519.Identity.generate()))

    @classmethod
    def parse(cls, text: str, source: str = "") -> Identity:
        text = text.strip()
        if text.startswith(LEGACY_IDENTITY_PREFIX):
            return cls(_legacy_raw(text, LEGACY_IDENTITY_PREFIX), source)
        return cls(_unbech32(text, IDENTITY_HRP), source)

    def __str__(self) -> str:
        """The key as age writes it: `AGE-SECRET-KEY-1...`."""
        return _bech32(IDENTITY_HRP, self.raw).upper()

    @property
    def recipient(self) -> Recipient:
        public = X25519PrivateKey.from_private_bytes(self.raw).public_key()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return Recipient(_bech32(RECIPIENT_HRP, raw))

    def _pyrage(self) -> pyrage.x25519.Identity:
        return pyrage.x25519.Identity.from_str(str(self))


def encrypt_for(data: bytes, recipients: list[Recipient]) -> str:
    """`data` encrypted with age for every recipient, ASCII-armored."""
    try:
        armored = pyrage.encrypt(data, [r._pyrage() for r in recipients], armored=True)
    except (pyrage.EncryptError, pyrage.RecipientError) as error:
        raise CryptoError(f"age encryption failed: {error}") from None
    return bytes(armored).decode("ascii")


def decrypt_with(armored: str, identity: Identity) -> bytes:
    """What `encrypt_for` made, opened with `identity`; CryptoError when it cannot be."""
    try:
        return bytes(pyrage.decrypt(armored.encode("ascii"), [identity._pyrage()]))
    except (pyrage.DecryptError, UnicodeEncodeError, ValueError) as error:
        raise CryptoError(f"age decryption failed: {error}") from None
