"""The secret store: a file per environment, read, opened with an age identity, and edited.

Every change goes through `SecretStore.edit`, which holds a lock (in `.gmac/locks/`) while it
reads, changes and rewrites the file, so two gmac runs never lose each other's changes; the
file is replaced atomically. Opening a file checks its MAC as sops does: a value, a date or
a recipient changed without the data key is refused. A file still in gmac's earlier format
opens for reading (gmac.secrets._legacy) and says to run `gmac secrets migrate`.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from gmac.age import CryptoError, Identity, Recipient, decrypt_with, encrypt_for
from gmac.errors import IdentityError, SecretsError, TamperedSecretError
from gmac.load.files import display_path
from gmac.secrets import _sops
from gmac.secrets._file import (
    LOCK_DIR,
    SECRETS_DIR,
    Entry,
    RecipientEntry,
    SecretFile,
    timestamp,
    utc_now,
)
from gmac.secrets._legacy import LegacyFile, is_legacy

DATA_KEY_BYTES = 32


def migrate_hint(path: Path, env: str) -> str:
    return (
        f"{display_path(path)} is in gmac's earlier secrets format: run `gmac secrets migrate "
        f"--env {env}` to move it to the SOPS format (every value, recipient and date is kept)"
    )


@dataclass
class OpenFile:
    """A secrets file with its data key: values can be read and written."""

    file: SecretFile
    data_key: bytes = field(repr=False)
    plain: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def env(self) -> str:
        return self.file.env

    def get(self, name: str) -> str:
        if name not in self.file.entries:
            raise SecretsError(
                f"secret '{name}' has no value in '{self.env}' ({self.file.shown}): set it "
                f"with `gmac secrets set --env {self.env} {name}`"
            )
        return self.plain[name]

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
        merged = {**(old.meta if old else {}), **(meta or {})}
        entry = Entry(
            _sops.encrypt(value, self.data_key, _sops.key_path((name,))),
            (old.created or moment) if old else moment,
            moment if old else None,
            {k: v for k, v in merged.items() if v},
        )
        self.file.entries[name] = entry
        self.plain[name] = value
        return entry

    def remove(self, name: str) -> None:
        if name not in self.file.entries:
            raise SecretsError(f"secret '{name}' has no value in '{self.env}': nothing to remove")
        del self.file.entries[name]
        self.plain.pop(name, None)

    def add_recipient(self, name: str, recipient: Recipient) -> bool:
        """Encrypt the data key for `recipient`; False when it already is one."""
        if any(r.key == recipient for r in self.file.recipients):
            return False
        wrapped = encrypt_for(self.data_key, [recipient])
        self.file.recipients.append(RecipientEntry(name, recipient, wrapped))
        return True

    def remove_recipient(self, recipient: Recipient) -> RecipientEntry:
        """Drop a recipient and re-encrypt everything under a new data key, encrypted for the
        recipients who stay. (The one removed may have kept the values: rotate them.)"""
        kept = [r for r in self.file.recipients if r.key != recipient]
        if len(kept) == len(self.file.recipients):
            raise SecretsError(f"{recipient} is not a recipient of {self.file.shown}")
        if not kept:
            raise SecretsError(
                f"{self.file.shown} would have no recipient left: add another one first"
            )
        removed = next(r for r in self.file.recipients if r.key == recipient)
        self.rekey([r.name for r in kept], [r.key for r in kept])
        return removed

    def rekey(self, names: Sequence[str], keys: Sequence[Recipient]) -> None:
        """A new data key for exactly these recipients; every value encrypted anew."""
        self.data_key = os.urandom(DATA_KEY_BYTES)
        self.file.recipients = [
            RecipientEntry(name, key, encrypt_for(self.data_key, [key]))
            for name, key in zip(names, keys, strict=True)
        ]
        for name, value in self.plain.items():
            self.file.entries[name].value = _sops.encrypt(
                value, self.data_key, _sops.key_path((name,))
            )

    def seal(self, now: datetime | None = None) -> None:
        """The MAC over what gmac writes, as sops computes it, under a new lastmodified."""
        document = self.file.document()
        clear = {name: self.plain[name] for name in self.file.entries}
        self.file.lastmodified = timestamp(now or utc_now())
        digest = _sops.mac({**document, **clear})
        self.file.mac = _sops.encrypt(digest, self.data_key, self.file.lastmodified)

    def unseal(self, token: str, name: str) -> str:
        """A value sealed from this file (`SecretFile.sealed`), for `gmac secrets unseal`."""
        try:
            return str(_sops.decrypt(token, self.data_key, _sops.key_path((name,))))
        except CryptoError:
            raise TamperedSecretError(
                f"sealed secret '{name}' does not decrypt with {self.file.shown}: it was "
                "edited, or sealed for another environment or name"
            ) from None


def _decrypt_tree(file: SecretFile, data_key: bytes) -> dict[str, str]:
    """Every encrypted value of the file in clear; TamperedSecretError naming those that do
    not authenticate. Checks the MAC over the whole document, as sops does."""
    bad: list[str] = []
    clear: dict[str, Any] = {}
    for name, value in file.tree.items():
        if name == _sops.METADATA_KEY or _sops.in_clear((name,)):
            clear[name] = value
            continue
        try:
            clear[name] = _sops.decrypt(str(value), data_key, _sops.key_path((name,)))
        except CryptoError:
            bad.append(name)
    if bad:
        raise _undecryptable(file, bad)
    try:
        expected = _sops.decrypt(file.mac, data_key, file.lastmodified)
    except CryptoError:
        expected = None
    if expected != _sops.mac(clear):
        raise TamperedSecretError(
            f"{file.shown} was changed without its key: its MAC does not match (an entry "
            "added, removed or rolled back, or metadata edited by hand); restore it from git"
        )
    return {name: str(clear[name]) for name in file.entries}


def _undecryptable(file: SecretFile, names: Sequence[str]) -> TamperedSecretError:
    listed = ", ".join(f"'{name}'" for name in names)
    noun = "secret" if len(names) == 1 else "secrets"
    return TamperedSecretError(
        f"{file.shown}: {noun} {listed} do{'es' if len(names) == 1 else ''} not decrypt: the "
        "ciphertext was edited, or copied from another name or environment; restore the file "
        f"from git or set the value again with `gmac secrets set --env {file.env}`"
    )


class SecretStore:
    """The secrets files of one project: `specs/secrets/`, with locks under `.gmac/`."""

    def __init__(self, specs: Path) -> None:
        self.specs = specs
        self.root = specs.resolve().parent

    def path(self, env: str) -> Path:
        return self.specs / SECRETS_DIR / f"{env}.yaml"

    def _data(self, env: str) -> Any:
        path = self.path(env)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise SecretsError(f"cannot read {display_path(path)}: {error.strerror}") from None
        try:
            return _sops.load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f":{mark.line + 1}" if mark is not None else ""
            raise SecretsError(
                f"{display_path(path)}{where}: not valid YAML; restore it from git"
            ) from None

    def read(self, env: str) -> SecretFile | None:
        """The file, or None when the environment has none. A file in the earlier format is
        shown as it will be once migrated (names, dates, recipients): `legacy()` reads it."""
        data = self._data(env)
        if data is None:
            return None
        if not isinstance(data, dict):
            raise SecretsError(f"{display_path(self.path(env))}: not a gmac secrets file")
        if is_legacy(data):
            return _legacy_view(self.path(env), env, self.legacy(env))
        return SecretFile.from_data(self.path(env), env, data)

    def legacy(self, env: str) -> LegacyFile:
        data = self._data(env)
        if not is_legacy(data):
            raise SecretsError(f"{display_path(self.path(env))} is not in the earlier format")
        try:
            found = LegacyFile.from_data(data)
        except (KeyError, TypeError, ValueError, CryptoError) as error:
            raise SecretsError(
                f"{display_path(self.path(env))}: not a gmac secrets file ({error})"
            ) from None
        if found.env != env:
            raise SecretsError(
                f"{display_path(self.path(env))} belongs to environment '{found.env}', not "
                f"'{env}': a secrets file cannot be copied to another environment"
            )
        return found

    def is_legacy(self, env: str) -> bool:
        return is_legacy(self._data(env))

    def open(self, env: str, identities: Sequence[Identity]) -> OpenFile:
        file = self.read(env)
        if file is None:
            raise SecretsError(
                f"'{env}' has no secrets yet ({display_path(self.path(env))}): add one with "
                f"`gmac secrets set --env {env} NAME`"
            )
        if self.is_legacy(env):
            return open_legacy(self.legacy(env), file, identities)
        return open_file(file, identities)

    @contextmanager
    def locked(self, env: str) -> Iterator[None]:
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
        with self.locked(env):
            if self.is_legacy(env):
                raise SecretsError(migrate_hint(self.path(env), env))
            file = self.read(env)
            if file is None:
                if create_as is None or not identities:
                    raise SecretsError(
                        f"'{env}' has no secrets file ({display_path(self.path(env))})"
                    )
                opened = new_file(self.path(env), env, create_as, identities[0].recipient)
            else:
                opened = open_file(file, identities)
            yield opened
            self.write(opened)

    def write(self, opened: OpenFile) -> None:
        """Seal and write `opened` atomically (the caller holds the lock)."""
        opened.seal()
        file = opened.file
        file.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = file.path.with_name(f".{file.path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(file.render(), encoding="utf-8")
            temporary.replace(file.path)
        except OSError as error:
            temporary.unlink(missing_ok=True)
            raise SecretsError(f"cannot write {file.shown}: {error.strerror}") from None


def new_file(path: Path, env: str, name: str, recipient: Recipient) -> OpenFile:
    data_key = os.urandom(DATA_KEY_BYTES)
    wrapped = encrypt_for(data_key, [recipient])
    file = SecretFile(path, env, [RecipientEntry(name, recipient, wrapped)], {})
    return OpenFile(file, data_key)


def _no_identity(shown: str) -> IdentityError:
    return IdentityError(
        f"no identity to open {shown}: set GMAC_IDENTITY (the key) or GMAC_IDENTITY_FILE, or "
        "create one with `gmac secrets keygen` and ask a recipient to add its public key"
    )


def _not_a_recipient(
    shown: str, env: str, identities: Sequence[Identity], theirs: str
) -> IdentityError:
    yours = ", ".join(f"{i.recipient} (from {i.source or 'GMAC_IDENTITY'})" for i in identities)
    return IdentityError(
        f"your identity cannot open {shown}: it is not one of its recipients. Yours: {yours}. "
        f"Recipients: {theirs}. Ask one of them to run `gmac secrets recipients add --env "
        f"{env} --name YOUR-NAME {identities[0].recipient}`"
    )


def open_file(file: SecretFile, identities: Sequence[Identity]) -> OpenFile:
    """Decrypt the data key with the first identity that is a recipient, then every value,
    checking the MAC."""
    if not identities:
        raise _no_identity(file.shown)
    for identity in identities:
        for recipient in file.recipients:
            if recipient.key != identity.recipient:
                continue
            try:
                data_key = decrypt_with(recipient.wrapped, identity)
            except CryptoError:
                raise TamperedSecretError(
                    f"{file.shown}: the data key encrypted for {recipient.name} "
                    f"({recipient.key}) does not decrypt: the file was edited by hand; restore "
                    "it from git"
                ) from None
            return OpenFile(file, data_key, _decrypt_tree(file, data_key))
    theirs = ", ".join(f"{r.name or 'no name'} ({r.key})" for r in file.recipients)
    raise _not_a_recipient(file.shown, file.env, identities, theirs or "nobody")


def open_legacy(legacy: LegacyFile, view: SecretFile, identities: Sequence[Identity]) -> OpenFile:
    """An earlier-format file opened for reading, as the file `migrate` will write: the
    values in clear under a new data key (nothing is written until `gmac secrets migrate`)."""
    if not identities:
        raise _no_identity(view.shown)
    for identity in identities:
        try:
            data_key = legacy.data_key(identity)
            if data_key is None:
                continue
            plain = {name: legacy.value(data_key, name) for name in legacy.entries}
        except CryptoError as error:
            raise TamperedSecretError(
                f"{view.shown} does not authenticate ({error}): it was edited by hand; restore "
                "it from git"
            ) from None
        opened = OpenFile(view, os.urandom(DATA_KEY_BYTES), plain)
        opened.rekey([r.name for r in view.recipients], [r.key for r in view.recipients])
        return opened
    theirs = ", ".join(f"{r.name} ({r.key})" for r in view.recipients) or "nobody"
    raise _not_a_recipient(view.shown, view.env, identities, theirs)


def _legacy_view(path: Path, env: str, legacy: LegacyFile) -> SecretFile:
    """The earlier-format file's names, dates and recipients (nothing decrypted)."""
    entries = {
        name: Entry(entry.value, entry.created, entry.rotated, dict(entry.meta))
        for name, entry in legacy.entries.items()
    }
    recipients = [RecipientEntry(r.name, r.key, "") for r in legacy.recipients]
    return SecretFile(path, env, recipients, entries)
