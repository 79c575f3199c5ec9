"""The secrets file: one per environment, `specs/secrets/<env>.yaml`, in SOPS' format.

    stripe-secret-key: ENC[AES256_GCM,data:...,iv:...,tag:...,type:str]
    gmac_unencrypted:
        environment: production
        recipients:
            -   name: gmackie
                key: age1...
        secrets:
            -   name: stripe-secret-key
                created: '2026-12-01T10:00:00Z'
                rotated: '2026-12-20T08:00:00Z'
    sops:
        age:
            - recipient: age1...
              enc: |
                -----BEGIN AGE ENCRYPTED FILE-----
                ...
        lastmodified: '2026-12-20T08:00:00Z'
        mac: ENC[AES256_GCM,...]
        unencrypted_suffix: _unencrypted
        version: 3.13.3

`sops --decrypt` opens it with an owner's age key, and `sops set`/`sops edit` may change it:
gmac reads what sops writes. The `gmac_unencrypted` block (sops leaves anything under a key
ending in `_unencrypted` in clear, and still covers it by the MAC) holds what may be known
without a key: the environment the file belongs to, who the recipients are, and when each
value was set or rotated. Names are written as values, in lists, because sops' MAC covers
values only: a name used as a key could be changed unnoticed. Nothing here is decrypted: see
gmac.secrets._store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gmac.age import CryptoError, Recipient
from gmac.errors import SecretsError
from gmac.load.files import display_path
from gmac.secrets import _sops

SECRETS_DIR = "secrets"
LOCK_DIR = Path(".gmac") / "locks"
META_KEY = "gmac" + _sops.UNENCRYPTED_SUFFIX
SOPS_VERSION = "3.13.3"
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_ENTRY_DATES = ("created", "rotated")


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)


@dataclass
class Entry:
    """One secret: its ciphertext and what may be known about it without the key."""

    value: str = field(repr=False)
    created: str = ""  # empty when the value was set outside gmac (`sops set`)
    rotated: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> str:
        """When the value last changed: its rotation, else its creation."""
        return self.rotated or self.created

    def metadata(self) -> dict[str, str]:
        data = {"created": self.created} if self.created else {}
        if self.rotated:
            data["rotated"] = self.rotated
        data.update(sorted(self.meta.items()))
        return data


@dataclass
class RecipientEntry:
    name: str
    key: Recipient
    wrapped: str = field(repr=False)  # the data key, age-encrypted for `key`, armored


@dataclass
class SecretFile:
    """The parsed file. `tree` is the document as read (for the MAC of a file sops wrote);
    `entries` and `recipients` are what gmac changes, and what it writes back."""

    path: Path
    env: str
    recipients: list[RecipientEntry]
    entries: dict[str, Entry]
    lastmodified: str = ""
    mac: str = ""  # the encrypted MAC, `ENC[...]`
    tree: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def shown(self) -> str:
        return display_path(self.path)

    def sealed(self, name: str) -> str | None:
        """The value of `name` as the file holds it, `ENC[...]`: only a recipient of this
        environment's file opens it (`gmac secrets unseal`). It changes only when the value
        does (gmac never re-encrypts a value it did not change)."""
        entry = self.entries.get(name)
        return entry.value if entry is not None else None

    def document(self) -> dict[str, Any]:
        """The file's content without `sops`, as gmac writes it: values in name order."""
        data: dict[str, Any] = {name: self.entries[name].value for name in sorted(self.entries)}
        data[META_KEY] = {
            "environment": self.env,
            "recipients": [{"name": r.name, "key": str(r.key)} for r in self.recipients],
            "secrets": [
                {"name": name, **self.entries[name].metadata()}
                for name in sorted(self.entries)
                if self.entries[name].metadata()
            ],
        }
        return data

    def render(self) -> str:
        metadata = {
            "age": [{"recipient": str(r.key), "enc": r.wrapped} for r in self.recipients],
            "lastmodified": self.lastmodified,
            "mac": self.mac,
            "unencrypted_suffix": _sops.UNENCRYPTED_SUFFIX,
            "version": SOPS_VERSION,
        }
        return _sops.dump({**self.document(), _sops.METADATA_KEY: metadata})

    @classmethod
    def from_data(cls, path: Path, env: str, data: dict[str, Any]) -> SecretFile:
        shown = display_path(path)
        try:
            return cls._from_data(path, env, data)
        except (KeyError, TypeError, ValueError, AttributeError, CryptoError) as error:
            raise SecretsError(
                f"{shown}: not a gmac secrets file ({error}); restore it from git"
            ) from None

    @classmethod
    def _from_data(cls, path: Path, env: str, data: dict[str, Any]) -> SecretFile:
        metadata = data.get(_sops.METADATA_KEY)
        if not isinstance(metadata, dict) or not isinstance(metadata.get("age"), list):
            raise ValueError("no sops metadata with age recipients")
        if metadata.get("unencrypted_suffix", _sops.UNENCRYPTED_SUFFIX) != _sops.UNENCRYPTED_SUFFIX:
            raise ValueError(f"unencrypted_suffix must be {_sops.UNENCRYPTED_SUFFIX}")
        info = data.get(META_KEY) or {}
        if not isinstance(info, dict):
            raise ValueError(f"{META_KEY} is not a mapping")
        owner = info.get("environment")
        if owner is not None and owner != env:
            raise SecretsError(
                f"{display_path(path)} belongs to environment '{owner}', not '{env}': a "
                "secrets file cannot be copied to another environment"
            )
        names = {
            str(Recipient.parse(str(item["key"]))): str(item["name"])
            for item in info.get("recipients") or []
        }
        recipients = []
        for item in metadata["age"]:
            key = Recipient.parse(str(item["recipient"]))
            # A recipient added by sops itself has no name here: "" (it proves no name).
            recipients.append(RecipientEntry(names.get(str(key), ""), key, item["enc"]))
        dates = {str(item["name"]): item for item in info.get("secrets") or []}
        entries: dict[str, Entry] = {}
        for name, value in data.items():
            if name in (_sops.METADATA_KEY, META_KEY):
                continue
            if not _sops.is_encrypted(value):
                raise ValueError(f"'{name}' is not an encrypted value")
            known = {str(k): str(v) for k, v in (dates.get(name) or {}).items() if k != "name"}
            entries[str(name)] = Entry(
                str(value),
                known.pop("created", ""),
                known.pop("rotated", None),
                {k: v for k, v in known.items() if k not in _ENTRY_DATES},
            )
        tree = {k: v for k, v in data.items() if k != _sops.METADATA_KEY}
        return cls(
            path,
            env,
            recipients,
            entries,
            str(metadata.get("lastmodified") or ""),
            str(metadata.get("mac") or ""),
            tree,
        )
