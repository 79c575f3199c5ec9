"""gmac's earlier secrets format, written the way gmac wrote it before the SOPS format, so
that migration is tested on real files of that format (gmac itself only reads it now)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def legacy_identity() -> tuple[str, str, bytes]:
    """(`GMAC-SK-...`, `gmac-pk-...`, raw public key): an identity as gmac used to make one."""
    key = X25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return "GMAC-SK-" + b64(raw), "gmac-pk-" + b64(public), public


def _wrap(data_key: bytes, recipient: bytes, env: str) -> str:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    kek = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_raw + recipient,
        info=b"gmac-secrets/v1 wrap\0" + env.encode(),
    ).derive(shared)
    nonce = os.urandom(12)
    return b64(ephemeral_raw + nonce + AESGCM(kek).encrypt(nonce, data_key, env.encode()))


def _value(data_key: bytes, env: str, name: str, plain: str) -> str:
    nonce = os.urandom(12)
    aad = b"gmac-secrets/v1 value\0" + env.encode() + b"\0" + name.encode()
    return "enc:v1:" + b64(nonce + AESGCM(data_key).encrypt(nonce, plain.encode(), aad))


def write_legacy_file(
    path: Path,
    env: str,
    recipients: list[tuple[str, str, bytes]],  # (name, gmac-pk-..., raw public key)
    secrets: dict[str, dict[str, str]],  # name -> {"value": plain, "created": ..., ...}
) -> None:
    data_key = AESGCM.generate_key(bit_length=256)
    wrapped = [(name, key, _wrap(data_key, raw, env)) for name, key, raw in recipients]
    entries = {
        name: {**{k: v for k, v in item.items() if k != "value"}}
        | {"value": _value(data_key, env, name, item["value"])}
        for name, item in secrets.items()
    }
    content = {
        "version": 1,
        "environment": env,
        "recipients": sorted([key, name] for name, key, _ in wrapped),
        "secrets": {
            name: {"value": entry["value"], "created": entry["created"]}
            | ({"rotated": entry["rotated"]} if entry.get("rotated") else {})
            | dict(
                sorted((k, v) for k, v in entry.items() if k not in ("value", "created", "rotated"))
            )
            for name, entry in sorted(entries.items())
        },
    }
    mac_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"gmac-secrets/v1 mac"
    ).derive(data_key)
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    mac = b64(hmac.new(mac_key, text.encode(), hashlib.sha256).digest())
    lines = [
        f"# gmac secrets of environment '{env}'.",
        "version: 1",
        f"environment: {env}",
        "recipients:",
        *(
            f"  - {{name: {json.dumps(n)}, key: {json.dumps(k)}, wrapped: {json.dumps(w)}}}"
            for n, k, w in wrapped
        ),
        "secrets:",
        *(
            f"  {name}: {{"
            + ", ".join(f"{k}: {json.dumps(v)}" for k, v in content["secrets"][name].items())
            + "}"
            for name in sorted(content["secrets"])
        ),
        f"mac: {json.dumps(mac)}",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
