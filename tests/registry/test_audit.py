"""The audit log: hash-chained, and any edited or removed entry is found and named."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

from gmac.errors import AuditChainError
from gmac.registry import Registry
from tests.registry.conftest import Gmac


def _fill(registry: Registry, count: int = 5) -> None:
    for number in range(1, count + 1):
        registry.audit(
            actor="gmackie",
            action="secret.read",
            outcome="succeeded",
            environment="production",
            target=f"secret-{number}",
            detail={"n": number},
        )


def _sql(path: Path, statement: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute(statement)


def test_entries_chain_to_each_other(registry: Registry) -> None:
    _fill(registry)
    entries = registry.audit_entries()
    assert [entry.seq for entry in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    assert all(entry.computed_hash() == entry.hash for entry in entries)
    report = registry.verify_audit()
    assert (report.count, report.head) == (5, entries[-1].hash)


def test_an_empty_log_verifies(registry: Registry) -> None:
    assert registry.verify_audit().count == 0


def test_filters(registry: Registry) -> None:
    _fill(registry, 3)
    registry.audit(actor="gmackie", action="apply", outcome="failed", environment="local")
    assert [e.action for e in registry.audit_entries(environment="local")] == ["apply"]
    assert len(registry.audit_entries(action="secret")) == 3
    assert [e.seq for e in registry.audit_entries(limit=2)] == [3, 4]


@pytest.mark.parametrize(
    ("column", "value"),
    [("actor", "mallory"), ("outcome", "failed"), ("detail", '{"n":99}'), ("at", "2000-01-01")],
)
def test_an_edited_entry_is_named(
    registry: Registry, db_path: Path, column: str, value: str
) -> None:
    _fill(registry)
    _sql(db_path, f"UPDATE audit SET {column} = '{value}' WHERE seq = 3")
    with pytest.raises(AuditChainError, match=r"entry 3 .*was edited"):
        registry.verify_audit()


def test_an_entry_rehashed_after_editing_breaks_the_next_link(
    registry: Registry, db_path: Path
) -> None:
    _fill(registry)
    edited = registry.audit_entries()[2]
    forged = edited.__class__(**{**vars(edited), "actor": "mallory"})
    _sql(
        db_path,
        f"UPDATE audit SET actor = 'mallory', hash = '{forged.computed_hash()}' WHERE seq = 3",
    )
    with pytest.raises(AuditChainError, match="entry 4 does not follow entry 3"):
        registry.verify_audit()


def test_a_removed_entry_is_named(registry: Registry, db_path: Path) -> None:
    _fill(registry)
    _sql(db_path, "DELETE FROM audit WHERE seq = 2")
    with pytest.raises(AuditChainError, match=r"audit log: entry 2 removed"):
        registry.verify_audit()


def test_removed_entries_at_the_end_are_found(registry: Registry, db_path: Path) -> None:
    _fill(registry)
    _sql(db_path, "DELETE FROM audit WHERE seq >= 4")
    with pytest.raises(AuditChainError, match=r"entries 4 to 5 removed from the end"):
        registry.verify_audit()


def test_gmac_audit_verify_exits_1_naming_the_entry(
    registry: Registry, db_path: Path, gmac: Gmac
) -> None:
    _fill(registry)
    good = gmac("audit", "--verify")
    assert good.returncode == 0 and "audit log intact: 5 entries" in good.stdout
    _sql(db_path, "UPDATE audit SET target = 'other' WHERE seq = 4")
    edited = gmac("audit", "--verify")
    assert edited.returncode == 1
    assert edited.stderr.startswith("error: audit log: entry 4 (")
    assert "Traceback" not in edited.stderr
    _sql(db_path, "DELETE FROM audit WHERE seq = 2")
    removed = gmac("audit", "--verify")
    assert removed.returncode == 1 and "entry 2 removed" in removed.stderr


def test_gmac_audit_lists_entries(registry: Registry, gmac: Gmac) -> None:
    _fill(registry, 2)
    shown = gmac("audit", "--env", "production")
    assert shown.returncode == 0
    assert "secret-1" in shown.stdout and "secret-2" in shown.stdout
