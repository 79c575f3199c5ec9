"""The secret store: a file per environment opened with an identity, read and edited.

Every change goes through `SecretStore.edit`, which holds a lock (in `.gmac/locks/`) while it
reads, changes and rewrites the file, so two gmac runs never lose each other's changes; the
file is replaced atomically. The format is gmac.secrets._file's.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from gmac.errors import IdentityError, SecretsError, TamperedSecretError
from gmac.load.files import display_path
from gmac.secrets._crypto import (
    CryptoError,
    Identity,
    Recipient,
    decrypt_value,
    encrypt_value,
    mac,
    new_data_key,
    same_mac,
    unwrap,
    wrap,
)
from gmac.secrets._file import (
    LOCK_DIR,
    SECRETS_DIR,
    Entry,
    RecipientEntry,
    SecretFile,
    timestamp,
    utc_now,
)
from gmac.secrets._identity import describe_sources


@dataclass
class OpenFile:
    """A secrets file with its data key: values can be read and written."""

    file: SecretFile
    data_key: bytes = field(repr=False)

    @property
    def env(self) -> str:
        return self.file.env

    def get(self, name: str) -> str:
        entry = self.file.entries.get(name)
        if entry is None:
            raise SecretsError(
                f"secret '{name}' has no value in '{self.env}' ({self.file.shown}): set it "
                f"with `gmac secrets set --env {self.env} {name}`"
            )
        try:
            return decrypt_value(self.data_key, self.env, name, entry.value)
        except CryptoError:
            raise _undecryptable(self.file, [name]) from None

    def values(self, names: Iterable[str] | None = None) -> dict[str, str]:
        wanted = self.file.entries if names is None else names
        return {name: self.get(name) for name in wanted if name in self.file.entries}

    def put(
        self,
        name: str,
        value: str,
        *,
        now: datetime | None = None,
        meta: Mapping[str, str] | None = None,
    ) -> Entry:
        """Set `name`; `created` stays, `rotated` records the change of an existing value."""
        moment = timestamp(now or utc_now())
        old = self.file.entries.get(name)
        token = encrypt_value(self.data_key, self.env, name, value)
        merged = {**(old.meta if old else {}), **(meta or {})}
        entry = Entry(
            token,
            old.created if old else moment,
            moment if old else None,
            {k: v for k, v in merged.items() if v},
        )
        self.file.entries[name] = entry
        return entry

    def remove(self, name: str) -> None:
        if name not in self.file.entries:
            raise SecretsError(f"secret '{name}' has no value in '{self.env}': nothing to remove")
        del self.file.entries[name]

    def add_recipient(self, name: str, recipient: Recipient) -> bool:
        """Wrap the data key for `recipient`; False when it already is one."""
        if any(r.key == recipient for r in self.file.recipients):
            return False
        self.file.recipients.append(
            RecipientEntry(name, recipient, wrap(self.data_key, recipient, self.env))
        )
        return True

    def remove_recipient(self, recipient: Recipient) -> RecipientEntry:
        """Drop a recipient and re-encrypt everything under a new data key, wrapped for the
        recipients who stay. (The one removed may have kept the values: rotate them.)"""
        kept = [r for r in self.file.recipients if r.key != recipient]
        if len(kept) == len(self.file.recipients):
            raise SecretsError(f"{recipient} is not a recipient of {self.file.shown}")
        if not kept:
            raise SecretsError(
                f"{self.file.shown} would have no recipient left: add another one first"
            )
        removed = next(r for r in self.file.recipients if r.key == recipient)
        plain = self.values()
        self.data_key = new_data_key()
        self.file.recipients = [
            RecipientEntry(r.name, r.key, wrap(self.data_key, r.key, self.env)) for r in kept
        ]
        for name, value in plain.items():
            self.file.entries[name].value = encrypt_value(self.data_key, self.env, name, value)
        return removed

    def seal(self) -> None:
        self.file.mac = mac(self.data_key, self.file.mac_content())

    def verify(self) -> None:
        if same_mac(mac(self.data_key, self.file.mac_content()), self.file.mac):
            return
        bad = []
        for name, entry in sorted(self.file.entries.items()):
            try:
                decrypt_value(self.data_key, self.env, name, entry.value)
            except CryptoError:
                bad.append(name)
        if bad:
            raise _undecryptable(self.file, bad)
        raise TamperedSecretError(
            f"{self.file.shown} was changed outside gmac: its MAC does not match (an entry "
            "added, removed or rolled back, or metadata edited by hand); restore it from git"
        )


def _undecryptable(file: SecretFile, names: Sequence[str]) -> TamperedSecretError:
    listed = ", ".join(f"'{name}'" for name in names)
    noun = "secret" if len(names) == 1 else "secrets"
    return TamperedSecretError(
        f"{file.shown}: {noun} {listed} do{'es' if len(names) == 1 else ''} not decrypt: the "
        "ciphertext was edited, or copied from another name or environment; restore the file "
        f"from git or set the value again with `gmac secrets set --env {file.env}`"
    )


def unseal(token: str, name: str, identities: Sequence[Identity]) -> str:
    """The value in a sealed bundle made by `OpenFile.sealed`."""
    try:
        bundle = json.loads(token)
        env, wrapped, value = bundle["environment"], bundle["recipients"], bundle["value"]
    except (ValueError, KeyError, TypeError):
        raise SecretsError(f"sealed secret '{name}': not a gmac sealed value") from None
    for identity in identities:
        stanza = wrapped.get(str(identity.recipient))
        if stanza is None:
            continue
        try:
            return decrypt_value(unwrap(stanza, identity, env), env, name, value)
        except CryptoError:
            raise TamperedSecretError(
                f"sealed secret '{name}' of '{env}' does not decrypt: it was edited"
            ) from None
    raise IdentityError(
        f"sealed secret '{name}' of '{env}': none of your identities ({describe_sources()}) "
        "is among its recipients"
    )


class SecretStore:
    """The secrets files of one project: `specs/secrets/`, with locks under `.gmac/`."""

    def __init__(self, specs: Path) -> None:
        self.specs = specs
        self.root = specs.resolve().parent

    def path(self, env: str) -> Path:
        return self.specs / SECRETS_DIR / f"{env}.yaml"

    def read(self, env: str) -> SecretFile | None:
        path = self.path(env)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise SecretsError(f"cannot read {display_path(path)}: {error.strerror}") from None
        return SecretFile.parse(path, env, text)

    def open(self, env: str, identities: Sequence[Identity]) -> OpenFile:
        file = self.read(env)
        if file is None:
            raise SecretsError(
                f"'{env}' has no secrets yet ({display_path(self.path(env))}): add one with "
                f"`gmac secrets set --env {env} NAME`"
            )
        return open_file(file, identities)

    @contextmanager
    def _locked(self, env: str) -> Iterator[None]:
        lock_dir = self.root / LOCK_DIR
        lock_dir.mkdir(parents=True, exist_ok=True)
        with (lock_dir / f"secrets-{env}.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def edit(
        self,
        env: str,
        identities: Sequence[Identity],
        *,
        create_as: str | None = None,
    ) -> Iterator[OpenFile]:
        """Read, change and rewrite `env`'s file under a lock. With `create_as`, a missing
        file is created with the first identity as its one recipient, named `create_as`."""
        with self._locked(env):
            file = self.read(env)
            if file is None:
                if create_as is None or not identities:
                    raise SecretsError(
                        f"'{env}' has no secrets file ({display_path(self.path(env))})"
                    )
                opened = _new_file(self.path(env), env, create_as, identities[0])
            else:
                opened = open_file(file, identities)
            yield opened
            opened.seal()
            self._write(opened.file)

    def _write(self, file: SecretFile) -> None:
        file.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = file.path.with_name(f".{file.path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(file.render(), encoding="utf-8")
            temporary.replace(file.path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise SecretsError(f"cannot write {file.shown}: {error.strerror}") from None


def _new_file(path: Path, env: str, name: str, identity: Identity) -> OpenFile:
    data_key = new_data_key()
    recipient = identity.recipient
    file = SecretFile(
        path, env, [RecipientEntry(name, recipient, wrap(data_key, recipient, env))], {}
    )
    return OpenFile(file, data_key)


def open_file(file: SecretFile, identities: Sequence[Identity]) -> OpenFile:
    """Unwrap the data key with the first identity that is a recipient, then check the MAC."""
    if not identities:
        raise IdentityError(
            f"no identity to open {file.shown}: set GMAC_IDENTITY, or create one with "
            "`gmac secrets keygen` and ask a recipient to add its public key"
        )
    for identity in identities:
        mine = identity.recipient
        for recipient in file.recipients:
            if recipient.key != mine:
                continue
            try:
                data_key = unwrap(recipient.wrapped, identity, file.env)
            except CryptoError:
                raise TamperedSecretError(
                    f"{file.shown}: the data key wrapped for {recipient.name} ({mine}) does "
                    "not decrypt: the file was edited by hand; restore it from git"
                ) from None
            opened = OpenFile(file, data_key)
            opened.verify()
            return opened
    yours = ", ".join(f"{i.recipient} (from {i.source or 'GMAC_IDENTITY'})" for i in identities)
    theirs = ", ".join(f"{r.name} ({r.key})" for r in file.recipients) or "nobody"
    raise IdentityError(
        f"your identity cannot open {file.shown}: it is not one of its recipients. Yours: "
        f"{yours}. Recipients: {theirs}. Ask one of them to run `gmac secrets recipients add "
        f"--env {file.env} {identities[0].recipient}`"
    )
