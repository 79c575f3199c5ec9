"""The cryptography of the secret store: X25519 identities, a wrapped data key, AES-256-GCM.

The scheme follows age and SOPS in spirit (none of their code or formats):

- Each environment's file has one random 256-bit data key. Every value is encrypted with it
  under AES-256-GCM with a fresh 96-bit nonce; the associated data is
  `gmac-secrets/v1 value\\0{env}\\0{name}`, so a ciphertext moved to another name or another
  environment's file does not decrypt.
- The data key is wrapped once per recipient (an X25519 public key): an ephemeral X25519 key
  agrees a shared secret with the recipient, HKDF-SHA256 (salt: both public keys) turns it
  into a key-encryption key, and AES-256-GCM seals the data key with the environment as
  associated data. The stanza is `ephemeral public key || nonce || ciphertext`.
- A MAC (HMAC-SHA256 under a key derived from the data key) covers the whole file's meaning:
  environment, recipients, every name, value and piece of metadata. Any edit made without the
  data key (an entry removed, a value rolled back, a date changed) is detected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PUBLIC_PREFIX = "gmac-pk-"
SECRET_PREFIX = "GMAC-SK-"
VALUE_PREFIX = "enc:v1:"
KEY_BYTES = 32
NONCE_BYTES = 12
_TAG_BYTES = 16
_WRAP_INFO = b"gmac-secrets/v1 wrap"
_MAC_INFO = b"gmac-secrets/v1 mac"


class CryptoError(ValueError):
    """A key or ciphertext that is malformed or does not authenticate; the caller names it."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise CryptoError("not base64") from error


def _raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass(frozen=True)
class Recipient:
    """An X25519 public key, written `gmac-pk-<base64url>`."""

    raw: bytes

    @classmethod
    def parse(cls, text: str) -> Recipient:
        text = text.strip()
        if not text.startswith(PUBLIC_PREFIX):
            raise CryptoError(f"a public key starts with '{PUBLIC_PREFIX}'")
        raw = _unb64(text.removeprefix(PUBLIC_PREFIX))
        if len(raw) != KEY_BYTES:
            raise CryptoError("a public key is 32 bytes")
        return cls(raw)

    def __str__(self) -> str:
        return PUBLIC_PREFIX + _b64(self.raw)

    @property
    def key(self) -> X25519PublicKey:
        return X25519PublicKey.from_public_bytes(self.raw)


@dataclass(frozen=True)
class Identity:
    """An X25519 private key, written `GMAC-SK-<base64url>`; never stored in the repository."""

    raw: bytes = field(repr=False)
    source: str = ""  # where it was found, for messages: GMAC_IDENTITY or a file path

    @classmethod
    def generate(cls) -> Identity:
        key = X25519PrivateKey.generate()
        raw = key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
        return cls(raw)

    @classmethod
    def parse(cls, text: str, source: str = "") -> Identity:
        text = text.strip()
        if not text.startswith(SECRET_PREFIX):
            raise CryptoError(f"an identity starts with '{SECRET_PREFIX}'")
        raw = _unb64(text.removeprefix(SECRET_PREFIX))
        if len(raw) != KEY_BYTES:
            raise CryptoError("an identity is 32 bytes")
        return cls(raw, source)

    def __str__(self) -> str:
        return SECRET_PREFIX + _b64(self.raw)

    @property
    def recipient(self) -> Recipient:
        return Recipient(_raw_public(X25519PrivateKey.from_private_bytes(self.raw).public_key()))

    def exchange(self, peer: bytes) -> bytes:
        private = X25519PrivateKey.from_private_bytes(self.raw)
        return private.exchange(X25519PublicKey.from_public_bytes(peer))


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes, env: str) -> bytes:
    if not any(shared):
        raise CryptoError("a low-order public key")
    kdf = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=ephemeral + recipient,
        info=_WRAP_INFO + b"\0" + env.encode(),
    )
    return kdf.derive(shared)


def wrap(data_key: bytes, recipient: Recipient, env: str) -> str:
    """The data key sealed for `recipient`: base64url of ephemeral key, nonce, ciphertext."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw_public(ephemeral.public_key())
    shared = ephemeral.exchange(recipient.key)
    kek = _kek(shared, ephemeral_raw, recipient.raw, env)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(kek).encrypt(nonce, data_key, env.encode())
    return _b64(ephemeral_raw + nonce + sealed)


def unwrap(stanza: str, identity: Identity, env: str) -> bytes:
    blob = _unb64(stanza)
    if len(blob) != KEY_BYTES + NONCE_BYTES + KEY_BYTES + _TAG_BYTES:
        raise CryptoError("a wrapped key of the wrong length")
    ephemeral, nonce, sealed = (
        blob[:KEY_BYTES],
        blob[KEY_BYTES : KEY_BYTES + NONCE_BYTES],
        blob[KEY_BYTES + NONCE_BYTES :],
    )
    kek = _kek(identity.exchange(ephemeral), ephemeral, identity.recipient.raw, env)
    try:
        return AESGCM(kek).decrypt(nonce, sealed, env.encode())
    except InvalidTag:
        raise CryptoError("the wrapped data key does not authenticate") from None


def _value_aad(env: str, name: str) -> bytes:
    return b"gmac-secrets/v1 value\0" + env.encode() + b"\0" + name.encode()


def encrypt_value(data_key: bytes, env: str, name: str, plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(data_key).encrypt(nonce, plaintext.encode(), _value_aad(env, name))
    return VALUE_PREFIX + _b64(nonce + sealed)


def decrypt_value(data_key: bytes, env: str, name: str, token: str) -> str:
    if not token.startswith(VALUE_PREFIX):
        raise CryptoError(f"an encrypted value starts with '{VALUE_PREFIX}'")
    blob = _unb64(token.removeprefix(VALUE_PREFIX))
    if len(blob) < NONCE_BYTES + _TAG_BYTES:
        raise CryptoError("an encrypted value that is too short")
    try:
        plain = AESGCM(data_key).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _value_aad(env, name)
        )
    except InvalidTag:
        raise CryptoError("the value does not authenticate") from None
    try:
        return plain.decode()
    except UnicodeDecodeError:
        raise CryptoError("the value is not text") from None


def mac(data_key: bytes, content: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of `content` in canonical JSON, under a key derived from the data key."""
    key = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_MAC_INFO).derive(
        data_key
    )
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return _b64(hmac.new(key, text.encode(), hashlib.sha256).digest())


def same_mac(expected: str, found: str) -> bool:
    return hmac.compare_digest(expected.encode(), found.encode())
