"""A libSQL database itself, through libsql-client: applying migrations.

The URL is a database's `libsql://` URL (with a database token), or any URL libsql-client
takes (`file:` for a local libSQL file). Failures are `turso: database '...': ...`
IntegrationErrors.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping

import libsql_client

from gmac.errors import IntegrationError

MIGRATIONS_TABLE = "_gmac_migrations"


def split_sql(text: str) -> list[str]:
    """The statements of a migration file, split where SQLite says a statement is complete
    (so a `;` inside a string, a comment or a trigger body does not split it)."""
    statements: list[str] = []
    pending = ""
    for line in text.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            if statement.rstrip(";").strip():
                statements.append(statement)
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return [s for s in statements if not all(_comment_only(line) for line in s.splitlines())]


def _comment_only(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("--") or stripped == ";"


def _checksum(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def apply_migrations(
    url: str, auth_token: str | None, migrations: Mapping[str, str], database: str = ""
) -> list[str]:
    """Apply the migrations (file name -> SQL) not applied yet, in name order, each in one
    transaction with its record in `_gmac_migrations`; the names applied now.

    A migration recorded with other contents is refused: migrations are forward-only.
    """
    label = database or url.split("?", 1)[0]

    def failed(error: Exception) -> IntegrationError:
        text = getattr(error, "explanation", None) or str(error) or type(error).__name__
        return IntegrationError("turso", f"database '{label}': {text}")

    try:
        client = libsql_client.create_client_sync(url, auth_token=auth_token or None)
    except Exception as error:
        raise failed(error) from None
    applied_now: list[str] = []
    try:
        client.execute(
            f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} ("
            "name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        rows = client.execute(f"SELECT name, checksum FROM {MIGRATIONS_TABLE}").rows
        applied = {str(row[0]): str(row[1]) for row in rows}
        for name in sorted(migrations):
            sql = migrations[name]
            if name in applied:
                if applied[name] != _checksum(sql):
                    raise IntegrationError(
                        "turso",
                        f"database '{label}': migration {name} changed after it was applied; "
                        "migrations are forward-only: restore it and add a new one",
                    )
                continue
            record = libsql_client.Statement(
                f"INSERT INTO {MIGRATIONS_TABLE} (name, checksum, applied_at) "
                "VALUES (?, ?, datetime('now'))",
                [name, _checksum(sql)],
            )
            client.batch([*split_sql(sql), record])
            applied_now.append(name)
    except IntegrationError:
        raise
    except Exception as error:
        raise failed(error) from None
    finally:
        client.close()
    return applied_now
