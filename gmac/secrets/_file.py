"""The secrets file format: one file per environment, `specs/secrets/<env>.yaml`, reviewable
in a diff:

    # gmac secrets of environment 'production' ...
    version: 1
    environment: production
    recipients:
      - {name: "gmackie", key: "gmac-pk-...", wrapped: "..."}
    secrets:
      stripe-secret-key: {value: "enc:v1:...", created: "2025-01-01T00:00:00Z"}
      ci-webhook-secret: {value: "enc:v1:...", created: "...", rotated: "...", generated: "true"}
    mac: "..."

One line per recipient and per secret: names, dates and other metadata are in clear, values
never. Every change goes through `SecretStore.edit`, which holds a lock (in `.gmac/locks/`)
while it reads, changes and rewrites the file, so two gmac runs never lose each other's
changes; the file is replaced atomically.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from gmac.errors import SecretsError
from gmac.load.files import display_path
from gmac.secrets._crypto import CryptoError, Recipient

FORMAT_VERSION = 1
SECRETS_DIR = "secrets"
LOCK_DIR = Path(".gmac") / "locks"
_PLAIN_KEY = re.compile(r"[a-z0-9][a-z0-9._-]*")
_ENTRY_FIELDS = ("value", "created", "rotated")


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass
class Entry:
    """One secret: its ciphertext and what may be known about it without the key."""

    value: str = field(repr=False)
    created: str
    rotated: str | None = None
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> str:
        """When the value last changed: its rotation, else its creation."""
        return self.rotated or self.created

    def as_dict(self) -> dict[str, str]:
        data = {"value": self.value, "created": self.created}
        if self.rotated:
            data["rotated"] = self.rotated
        data.update(sorted(self.meta.items()))
        return data


@dataclass
class RecipientEntry:
    name: str
    key: Recipient
    wrapped: str = field(repr=False)


@dataclass
class SecretFile:
    """The parsed file. Nothing here is decrypted: see `OpenFile` for that."""

    path: Path
    env: str
    recipients: list[RecipientEntry]
    entries: dict[str, Entry]
    mac: str = ""

    @property
    def shown(self) -> str:
        return display_path(self.path)

    def mac_content(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "environment": self.env,
            "recipients": sorted([str(r.key), r.name] for r in self.recipients),
            "secrets": {name: entry.as_dict() for name, entry in sorted(self.entries.items())},
        }

    def sealed(self, name: str) -> str | None:
        """The value of `name` sealed as the store holds it, self-contained: the environment,
        each recipient's wrapped data key and the ciphertext. Only a recipient opens it
        (`gmac secrets unseal`); it changes only when the value or the recipients change."""
        entry = self.entries.get(name)
        if entry is None:
            return None
        bundle = {
            "environment": self.env,
            "recipients": {str(r.key): r.wrapped for r in self.recipients},
            "value": entry.value,
        }
        return json.dumps(bundle, sort_keys=True, separators=(",", ":"))

    def render(self) -> str:
        lines = [
            f"# gmac secrets of environment '{self.env}'. Values are encrypted (AES-256-GCM) "
            "for the",
            "# recipients below; names and dates are not. Change it with `gmac secrets` only: "
            "a hand",
            "# edit breaks its MAC. See docs/secrets.md.",
            f"version: {FORMAT_VERSION}",
            f"environment: {_scalar(self.env)}",
            "recipients:",
        ]
        for recipient in self.recipients:
            lines.append(
                f"  - {{name: {json.dumps(recipient.name)}, key: {json.dumps(str(recipient.key))}"
                f", wrapped: {json.dumps(recipient.wrapped)}}}"
            )
        if self.entries:
            lines.append("secrets:")
            for name, entry in sorted(self.entries.items()):
                fields = ", ".join(
                    f"{_scalar(k)}: {json.dumps(v)}" for k, v in entry.as_dict().items()
                )
                lines.append(f"  {_scalar(name)}: {{{fields}}}")
        else:
            lines.append("secrets: {}")
        lines.append(f"mac: {json.dumps(self.mac)}")
        return "\n".join(lines) + "\n"

    @classmethod
    def parse(cls, path: Path, env: str, text: str) -> SecretFile:
        shown = display_path(path)
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise SecretsError(f"{shown}{where}: not valid YAML; restore it from git") from None
        try:
            return cls._from_data(path, env, data)
        except (KeyError, TypeError, ValueError, AttributeError, CryptoError) as error:
            raise SecretsError(
                f"{shown}: not a gmac secrets file ({error}); restore it from git"
            ) from None

    @classmethod
    def _from_data(cls, path: Path, env: str, data: Any) -> SecretFile:
        if not isinstance(data, dict):
            raise ValueError("expected a mapping")
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        if data.get("environment") != env:
            raise SecretsError(
                f"{display_path(path)} belongs to environment '{data.get('environment')}', "
                f"not '{env}': a secrets file cannot be copied to another environment"
            )
        recipients = [
            RecipientEntry(
                str(item["name"]), Recipient.parse(str(item["key"])), str(item["wrapped"])
            )
            for item in data.get("recipients") or []
        ]
        entries: dict[str, Entry] = {}
        for name, item in (data.get("secrets") or {}).items():
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                raise ValueError(f"secret '{name}' has no value")
            meta = {str(k): str(v) for k, v in item.items() if k not in _ENTRY_FIELDS}
            rotated = item.get("rotated")
            entries[str(name)] = Entry(
                item["value"], str(item["created"]), str(rotated) if rotated else None, meta
            )
        return cls(path, env, recipients, entries, str(data.get("mac") or ""))


def _scalar(text: str) -> str:
    return text if _PLAIN_KEY.fullmatch(text) else json.dumps(text)
