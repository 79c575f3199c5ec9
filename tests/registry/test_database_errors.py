"""The registry turns the database's failures into RegistryError, and only those: a bug in
gmac (a wrong argument, a wrong type) stays the bug it is, reported as one by the command
line instead of passing for an ordinary registry problem."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from gmac.errors import RegistryError
from gmac.registry import Database, registry_location


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(registry_location(tmp_path, {}))
    yield db
    db.close()


def test_a_bug_in_gmac_is_not_a_registry_error(database: Database) -> None:
    with pytest.raises(TypeError):
        database.execute("SELECT ?", object())  # type: ignore[arg-type]


def test_the_database_refusing_a_statement_is_a_registry_error(database: Database) -> None:
    with pytest.raises(RegistryError, match=r"registry .*registry\.db: .*syntax error"):
        database.execute("SELEC 1")


def test_a_registry_out_of_reach_is_a_registry_error(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db = Database(registry_location(tmp_path, {"GMAC_REGISTRY_URL": f"http://127.0.0.1:{port}"}))
    try:
        with pytest.raises(RegistryError, match=f"registry http://127.0.0.1:{port}"):
            db.execute("SELECT 1")
    finally:
        db.close()
