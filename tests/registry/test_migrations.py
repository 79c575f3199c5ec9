"""Migrations: numbered, forward-only, checksummed, applied once, with seed data."""

from __future__ import annotations

from pathlib import Path

import pytest

from gmac.errors import RegistryError
from gmac.registry import (
    Database,
    Migration,
    Registry,
    bundled_migrations,
    migrate,
    registry_location,
    split_statements,
)


def test_a_new_registry_gets_every_migration_and_the_seed(registry: Registry) -> None:
    applied = registry.applied_migrations()
    assert [(v, n) for v, n, _ in applied] == [(m.version, m.name) for m in bundled_migrations()]
    assert [c for _, _, c in applied] == [m.checksum for m in bundled_migrations()]
    templates = {row[0] for row in registry.db.rows("SELECT name FROM templates")}
    assert templates == {"go-api", "worker", "nextjs-web", "database"}
    types = {row[0] for row in registry.db.rows("SELECT type FROM integration_types")}
    assert {"stripe", "turso", "webhook", "gitea"} <= types


def test_the_bundled_migrations_are_numbered_without_gaps() -> None:
    versions = [migration.version for migration in bundled_migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_opening_again_applies_nothing(root: Path, registry: Registry) -> None:
    assert migrate(registry.db) == []
    with Registry.open(root) as again:
        assert again.applied_migrations() == registry.applied_migrations()


def test_a_changed_migration_is_refused(root: Path, registry: Registry) -> None:
    changed = [
        Migration(m.version, m.name, m.sql + "\n-- edited\n") if m.version == 1 else m
        for m in bundled_migrations()
    ]
    with pytest.raises(RegistryError, match=r"0001_registry\.sql changed after it was applied"):
        migrate(registry.db, changed)


def test_a_registry_from_a_newer_gmac_is_refused(registry: Registry) -> None:
    with pytest.raises(RegistryError, match=r"does not know .* upgrade gmac"):
        migrate(registry.db, bundled_migrations()[:1])


def test_a_new_migration_is_applied_forward(registry: Registry) -> None:
    extra = Migration(99, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);")
    assert migrate(registry.db, [*bundled_migrations(), extra]) == ["0099_notes.sql"]
    registry.db.execute("INSERT INTO notes (text) VALUES ('x')")


def test_a_failing_migration_leaves_nothing_half_done(registry: Registry) -> None:
    broken = Migration(
        99, "broken", "CREATE TABLE half (id INTEGER);\nINSERT INTO missing VALUES (1);"
    )
    with pytest.raises(RegistryError, match="no such table: missing"):
        migrate(registry.db, [*bundled_migrations(), broken])
    tables = {row[0] for row in registry.db.rows("SELECT name FROM sqlite_master")}
    assert "half" not in tables
    assert 99 not in {v for v, _, _ in registry.applied_migrations()}


def test_statements_split_outside_quotes_and_comments() -> None:
    sql = (
        "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT ';');\n\n"
        "INSERT INTO a VALUES ('it''s; fine');"
    )
    assert split_statements(sql) == [
        "CREATE TABLE a (x TEXT DEFAULT ';')",
        "INSERT INTO a VALUES ('it''s; fine')",
    ]


def test_where_the_registry_is(root: Path) -> None:
    default = registry_location(root, {})
    assert default.url == f"file:{(root / '.gmac' / 'registry.db').resolve()}"
    relative = registry_location(root, {"GMAC_REGISTRY_URL": "file:elsewhere/r.db"})
    assert relative.url == f"file:{(root / 'elsewhere' / 'r.db').resolve()}"
    remote = registry_location(
        root,
        {"GMAC_REGISTRY_URL": "libsql://reg-gmac.turso.io", "GMAC_REGISTRY_AUTH_TOKEN": "tok"},
    )
    assert (remote.url, remote.auth_token, remote.is_file) == (
        "libsql://reg-gmac.turso.io",
        "tok",
        False,
    )


def test_an_unreachable_registry_is_one_clear_error(root: Path) -> None:
    location = registry_location(root, {"GMAC_REGISTRY_URL": "http://127.0.0.1:9/"})
    with pytest.raises(RegistryError, match=r"registry http://127.0.0.1:9/"):
        db = Database(location)
        try:
            migrate(db)
        finally:
            db.close()
