"""SOPS' encryption of a YAML tree, as sops v3 does it (its aes/cipher.go and sops.go):

- every value is AES-256-GCM under the file's 256-bit data key with a random 32-byte IV, the
  value's key path as associated data (`a:b:` for `{a: {b: value}}`), written as
  `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:str]`;
- keys, and every value under a key ending in the unencrypted suffix (`_unencrypted`), stay
  in clear;
- the MAC is SHA-512 over every value of the tree in document order (encrypted or not, in
  clear before encryption), upper-case hex, itself encrypted under the data key with the
  file's `lastmodified` (RFC 3339) as associated data.

Files are read with YAML 1.2's core schema (sops uses go-yaml v3): `yes`, `on` and dates stay
strings, so the MAC is computed over the same bytes sops computes it over.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import yaml
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gmac.age import CryptoError

UNENCRYPTED_SUFFIX = "_unencrypted"
METADATA_KEY = "sops"
IV_BYTES = 32
_TAG_BYTES = 16
_ENC = re.compile(r"^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:(.+)\]$")
_TYPES = {"str", "int", "float", "bool"}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CryptoError("not base64") from None


def is_encrypted(value: object) -> bool:
    return isinstance(value, str) and _ENC.match(value) is not None


def encrypt(value: str, key: bytes, path: str) -> str:
    """`value` as sops encrypts a string at key path `path` (`name:`)."""
    iv = os.urandom(IV_BYTES)
    sealed = AESGCM(key).encrypt(iv, value.encode("utf-8"), path.encode("utf-8"))
    data, tag = sealed[:-_TAG_BYTES], sealed[-_TAG_BYTES:]
    return f"ENC[AES256_GCM,data:{_b64(data)},iv:{_b64(iv)},tag:{_b64(tag)},type:str]"


def decrypt(token: str, key: bytes, path: str) -> Any:
    """The value of an `ENC[...]` token; CryptoError when it does not authenticate."""
    match = _ENC.match(token)
    if match is None:
        raise CryptoError("not a sops value")
    data, iv, tag, kind = (
        _unb64(match[1]),
        _unb64(match[2]),
        _unb64(match[3]),
        match[4],
    )
    if kind not in _TYPES:
        raise CryptoError(f"a sops value of type {kind}, which gmac does not read")
    try:
        plain = AESGCM(key).decrypt(iv, data + tag, path.encode("utf-8")).decode("utf-8")
    except (InvalidTag, ValueError):
        raise CryptoError("does not authenticate") from None
    return _typed(plain, kind)


def _typed(text: str, kind: str) -> Any:
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    if kind == "bool":
        return text == "True"
    return text


def key_path(path: tuple[str, ...]) -> str:
    """The associated data of a value at `path`: the keys joined by `:`, one more at the end."""
    return ":".join(path) + ":"


def _leaf_bytes(value: Any) -> bytes:
    """A value as sops' ToBytes writes it into the MAC."""
    if isinstance(value, bool):
        return b"True" if value else b"False"
    if isinstance(value, int):
        return str(value).encode()
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")  # Go's FormatFloat(v, 'f', -1, 64)
        return (text.rstrip("0").rstrip(".") if "." in text else text).encode()
    return str(value).encode("utf-8")


def leaves(tree: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value of the tree with its key path, in document order (lists keep their path:
    sops adds no index to it)."""
    if isinstance(tree, dict):
        for key, item in tree.items():
            yield from leaves(item, (*path, str(key)))
    elif isinstance(tree, list):
        for item in tree:
            yield from leaves(item, path)
    elif tree is not None:
        yield path, tree


def in_clear(path: tuple[str, ...]) -> bool:
    return any(part.endswith(UNENCRYPTED_SUFFIX) for part in path)


def mac(tree: dict[str, Any]) -> str:
    """SHA-512 over the tree's values in clear, in document order; `sops` left out."""
    digest = hashlib.sha512()
    for _path, value in leaves({k: v for k, v in tree.items() if k != METADATA_KEY}):
        digest.update(_leaf_bytes(value))
    return digest.hexdigest().upper()


# YAML as sops reads and writes it ------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML 1.2's core schema: only true/false are booleans, no timestamps."""


_YAML11_ONLY = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in _YAML11_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class _Dumper(yaml.SafeDumper):
    """Strings that hold line breaks (the armored data keys) as literal blocks."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def load(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, default_flow_style=False, indent=4, width=4096
    )
