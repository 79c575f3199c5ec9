"""The registry database: libSQL through libsql-client, migrations, retries when busy.

Where it is: `GMAC_REGISTRY_URL` (a Turso `libsql://` URL, with `GMAC_REGISTRY_AUTH_TOKEN`)
when set, else the file `.gmac/registry.db` of the project.

libsql-client's `file:` client opens one SQLite connection per statement and does not wait
for a lock (`timeout=0`), so every statement here is retried with a short random backoff
while the database answers "busy". Writes that must not race (the audit log's next entry)
are single conditional statements: whichever of two writers loses sees nothing written and
tries again on top of the winner. Migrations run as one batch (one transaction) each.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from gmac.errors import RegistryError

URL_VARIABLE = "GMAC_REGISTRY_URL"
TOKEN_VARIABLE = "GMAC_REGISTRY_AUTH_TOKEN"
DEFAULT_FILE = Path(".gmac") / "registry.db"
BUSY_SECONDS = 30.0
_MIGRATION_NAME = re.compile(r"(?P<version>[0-9]{4})_(?P<name>[a-z0-9_]+)\.sql")

T = TypeVar("T")
Row = Any  # libsql_client.Row: indexable by position and by column name


@dataclass(frozen=True)
class Location:
    url: str
    auth_token: str | None
    shown: str  # for messages: a path, or the URL without credentials

    @property
    def is_file(self) -> bool:
        return self.url.startswith("file:")


def registry_location(root: Path, environ: dict[str, str] | None = None) -> Location:
    source = os.environ if environ is None else environ
    url = source.get(URL_VARIABLE, "").strip()
    token = source.get(TOKEN_VARIABLE) or None
    if url and not url.startswith("file:"):
        return Location(url, token, url.split("?", 1)[0])
    if url:
        path = Path(url.removeprefix("file:"))
        path = path if path.is_absolute() else root / path
    else:
        path = root / DEFAULT_FILE
    path = path.resolve()
    return Location(f"file:{path}", None, str(path))


def database_errors() -> tuple[type[Exception], ...]:
    """What the database and the way to it raise: libsql-client's own error, SQLite's (a
    file it cannot open), the HTTP and WebSocket client's, the network's and the disk's.
    Anything else (a TypeError from a wrong argument) is a bug in gmac and stays one."""
    import aiohttp  # noqa: PLC0415 - imported with libsql_client, only when a registry is used
    import libsql_client  # noqa: PLC0415

    return (libsql_client.LibsqlError, sqlite3.Error, aiohttp.ClientError, OSError)


def _busy(error: Exception) -> bool:
    code = str(getattr(error, "code", ""))
    return code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(error)


class Database:
    """One open registry. Statements go through `execute` and `batch`, which retry while the
    database is busy and turn its failures into RegistryError."""

    def __init__(self, location: Location) -> None:
        self.location = location
        if location.is_file:
            Path(location.url.removeprefix("file:")).parent.mkdir(parents=True, exist_ok=True)
        import libsql_client  # noqa: PLC0415 - aiohttp and all: only when a registry is used

        self._client = self._call(
            lambda: libsql_client.create_client_sync(location.url, auth_token=location.auth_token)
        )

    def _call(self, operation: Callable[[], T]) -> T:
        deadline = time.monotonic() + BUSY_SECONDS
        pause = 0.002
        while True:
            try:
                return operation()
            except database_errors() as error:
                if _busy(error) and time.monotonic() < deadline:
                    time.sleep(pause * (0.5 + random.random()))
                    pause = min(pause * 1.5, 0.1)
                    continue
                raise self.error(error) from None

    def error(self, error: Exception) -> RegistryError:
        if _busy(error):
            return RegistryError(
                f"registry {self.location.shown}: still busy after {BUSY_SECONDS:g}s; "
                "another gmac holds it"
            )
        text = getattr(error, "explanation", None) or str(error) or type(error).__name__
        return RegistryError(f"registry {self.location.shown}: {text}")

    def execute(self, sql: str, args: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        return self._call(lambda: self._client.execute(sql, args))

    def rows(self, sql: str, args: Sequence[Any] | dict[str, Any] | None = None) -> list[Row]:
        return list(self.execute(sql, args).rows)

    def batch(self, statements: Sequence[Any]) -> list[Any]:
        return self._call(lambda: self._client.batch(list(statements)))

    def close(self) -> None:
        self._client.close()


# Migrations ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def bundled_migrations() -> list[Migration]:
    found = []
    for item in resources.files("gmac.registry").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.fullmatch(item.name)
        if match:
            text = item.read_text(encoding="utf-8")
            found.append(Migration(int(match["version"]), match["name"], text))
    return sorted(found, key=lambda migration: migration.version)


def split_statements(sql: str) -> list[str]:
    """The statements of a migration file: split at `;` outside quotes and `--` comments."""
    statements: list[str] = []
    current: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(sql):
        char = sql[index]
        if quote is not None:
            current.append(char)
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current.append(char)
        elif sql.startswith("--", index):
            end = sql.find("\n", index)
            index = len(sql) if end == -1 else end
            continue
        elif char == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        index += 1
    statements.append("".join(current).strip())
    return [statement for statement in statements if statement]


def _applied(db: Database) -> dict[int, tuple[str, str]]:
    rows = db.rows("SELECT version, name, checksum FROM schema_migrations ORDER BY version")
    return {int(row[0]): (str(row[1]), str(row[2])) for row in rows}


def _check_applied(
    db: Database, applied: dict[int, tuple[str, str]], known: list[Migration]
) -> None:
    by_version = {migration.version: migration for migration in known}
    for version, (name, checksum) in sorted(applied.items()):
        migration = by_version.get(version)
        if migration is None:
            newest = max(by_version, default=0)
            raise RegistryError(
                f"registry {db.location.shown} has migration {version:04d}_{name}, which this "
                f"gmac does not know (it knows up to {newest:04d}): upgrade gmac"
            )
        if migration.checksum != checksum:
            raise RegistryError(
                f"registry {db.location.shown}: migration {migration.filename} changed after "
                "it was applied (its checksum differs); migrations are forward-only: restore "
                "the file and add a new migration instead"
            )


def migrate(db: Database, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the migrations not applied yet, each in one transaction; their file names."""
    known = bundled_migrations() if migrations is None else migrations
    if db.location.is_file:
        db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    applied = _applied(db)
    _check_applied(db, applied, known)
    done: list[str] = []
    for migration in known:
        if migration.version in applied:
            continue
        record = (
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
            "VALUES (?, ?, ?, ?)",
            [migration.version, migration.name, migration.checksum, now_text()],
        )
        try:
            db.batch([*split_statements(migration.sql), record])
        except RegistryError:
            # Another gmac may have applied it meanwhile: fine if so, with the same file.
            applied = _applied(db)
            if migration.version not in applied:
                raise
            _check_applied(db, applied, known)
            continue
        done.append(migration.filename)
    return done


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
