"""gmac's earlier secrets format (`version: 1`), read so that `gmac secrets migrate` can move
a file to the SOPS format losing nothing, and so that runs keep working until it does.

The earlier scheme: X25519 identities (`GMAC-SK-`/`gmac-pk-`: the same keys age uses, in
base64url), the data key wrapped per recipient with an ephemeral X25519 key and HKDF-SHA256,
values AES-256-GCM with `gmac-secrets/v1 value\\0{env}\\0{name}` as associated data, an
HMAC-SHA256 over the file's canonical JSON. Nothing here writes that format any more.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gmac.age import CryptoError, Identity, Recipient

FORMAT_VERSION = 1
VALUE_PREFIX = "enc:v1:"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_WRAP_INFO = b"gmac-secrets/v1 wrap"
_MAC_INFO = b"gmac-secrets/v1 mac"
_ENTRY_FIELDS = ("value", "created", "rotated")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise CryptoError("not base64") from None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def is_legacy(data: Any) -> bool:
    return isinstance(data, dict) and data.get("version") == FORMAT_VERSION and "mac" in data


@dataclass(frozen=True)
class LegacyRecipient:
    name: str
    key: Recipient  # converted: the same X25519 public key, as age writes it
    raw: bytes = field(repr=False)
    wrapped: str = field(repr=False)


@dataclass(frozen=True)
class LegacyEntry:
    value: str = field(repr=False)
    created: str = ""
    rotated: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        data = {"value": self.value, "created": self.created}
        if self.rotated:
            data["rotated"] = self.rotated
        data.update(sorted(self.meta.items()))
        return data


@dataclass(frozen=True)
class LegacyFile:
    env: str
    recipients: tuple[LegacyRecipient, ...]
    entries: dict[str, LegacyEntry]
    mac: str

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> LegacyFile:
        recipients = []
        for item in data.get("recipients") or []:
            text = str(item["key"])
            raw = _unb64(text.removeprefix("gmac-pk-"))
            recipients.append(
                LegacyRecipient(str(item["name"]), Recipient.parse(text), raw, str(item["wrapped"]))
            )
        entries = {}
        for name, item in (data.get("secrets") or {}).items():
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                raise ValueError(f"secret '{name}' has no value")
            rotated = item.get("rotated")
            entries[str(name)] = LegacyEntry(
                item["value"],
                str(item["created"]),
                str(rotated) if rotated else None,
                {str(k): str(v) for k, v in item.items() if k not in _ENTRY_FIELDS},
            )
        return cls(str(data["environment"]), tuple(recipients), entries, str(data["mac"]))

    def _mac_content(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "environment": self.env,
            "recipients": sorted(["gmac-pk-" + _b64(r.raw), r.name] for r in self.recipients),
            "secrets": {name: entry.as_dict() for name, entry in sorted(self.entries.items())},
        }

    def data_key(self, identity: Identity) -> bytes | None:
        """The data key, unwrapped with `identity`; None when it is no recipient. Checks the
        file's MAC: a file edited by hand raises CryptoError."""
        mine = identity.recipient
        for recipient in self.recipients:
            if recipient.key != mine:
                continue
            key = _unwrap(recipient.wrapped, identity, recipient.raw, self.env)
            if not hmac.compare_digest(_mac(key, self._mac_content()), self.mac):
                raise CryptoError("its MAC does not match")
            return key
        return None

    def value(self, data_key: bytes, name: str) -> str:
        token = self.entries[name].value
        if not token.startswith(VALUE_PREFIX):
            raise CryptoError("not an encrypted value")
        blob = _unb64(token.removeprefix(VALUE_PREFIX))
        aad = b"gmac-secrets/v1 value\0" + self.env.encode() + b"\0" + name.encode()
        try:
            return AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad).decode()
        except (InvalidTag, UnicodeDecodeError, ValueError):
            raise CryptoError("does not authenticate") from None


def _unwrap(stanza: str, identity: Identity, recipient_raw: bytes, env: str) -> bytes:
    blob = _unb64(stanza)
    if len(blob) != KEY_BYTES + NONCE_BYTES + KEY_BYTES + TAG_BYTES:
        raise CryptoError("a wrapped key of the wrong length")
    ephemeral, nonce, sealed = (
        blob[:KEY_BYTES],
        blob[KEY_BYTES : KEY_BYTES + NONCE_BYTES],
        blob[KEY_BYTES + NONCE_BYTES :],
    )
    shared = X25519PrivateKey.from_private_bytes(identity.raw).exchange(
        X25519PublicKey.from_public_bytes(ephemeral)
    )
    kek = HKDF(
        algorithm=hashes.SHA256(),
        length=KEY_BYTES,
        salt=ephemeral + recipient_raw,
        info=_WRAP_INFO + b"\0" + env.encode(),
    ).derive(shared)
    try:
        return AESGCM(kek).decrypt(nonce, sealed, env.encode())
    except InvalidTag:
        raise CryptoError("the wrapped data key does not authenticate") from None


def _mac(data_key: bytes, content: dict[str, Any]) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=_MAC_INFO).derive(
        data_key
    )
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return _b64(hmac.new(key, text.encode(), hashlib.sha256).digest())
