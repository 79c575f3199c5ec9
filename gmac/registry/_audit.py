"""The audit log: append-only, each entry chained to the one before by its hash.

    hash(n) = sha256("gmac-audit/v1\\n" + canonical JSON of
                     [seq, at, actor, action, environment, target, outcome, detail, hash(n-1)])

The first entry's previous hash is 64 zeros. Editing an entry changes its hash; removing one
leaves a gap in `seq` and breaks the next entry's link; removing the last ones leaves
`sqlite_sequence` ahead of the last `seq`. `verify` finds each of these and names the entry.
Someone able to rewrite the whole database can rewrite the whole chain: `gmac audit --verify`
prints the head hash, which can be kept elsewhere (a CI log, a commit) to anchor it.

Appending is one conditional INSERT: it succeeds only if the entry before it is still the
last one, so two processes appending at once never fork the chain; the loser retries.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gmac.errors import AuditChainError, RegistryError
from gmac.registry._db import Database, now_text

GENESIS = "0" * 64
_ATTEMPTS = 10_000


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    environment: str
    target: str
    outcome: str
    detail: str  # canonical JSON
    prev_hash: str
    hash: str

    def computed_hash(self) -> str:
        return entry_hash(
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.environment,
            self.target,
            self.outcome,
            self.detail,
            self.prev_hash,
        )

    def details(self) -> dict[str, Any]:
        try:
            value = json.loads(self.detail)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


def entry_hash(*fields: Any) -> str:
    text = json.dumps(list(fields), separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(b"gmac-audit/v1\n" + text.encode()).hexdigest()


def canonical(detail: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(detail or {}), sort_keys=True, separators=(",", ":"), default=str)


_COLUMNS = "seq, at, actor, action, environment, target, outcome, detail, prev_hash, hash"


def _entry(row: Any) -> AuditEntry:
    seq, *texts = row
    return AuditEntry(int(seq), *(str(value) for value in texts))


def append(
    db: Database,
    *,
    actor: str,
    action: str,
    outcome: str,
    environment: str = "",
    target: str = "",
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry at the end of the chain."""
    text = canonical(detail)
    for _ in range(_ATTEMPTS):
        last = db.rows("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        prev_seq, prev_hash = (int(last[0][0]), str(last[0][1])) if last else (0, GENESIS)
        seq = prev_seq + 1
        at = now_text()
        fields = (seq, at, actor, action, environment, target, outcome, text, prev_hash)
        digest = entry_hash(*fields)
        try:
            result = db.execute(
                f"INSERT INTO audit ({_COLUMNS}) "
                "SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? "
                "WHERE COALESCE((SELECT hash FROM audit ORDER BY seq DESC LIMIT 1), ?) = ?",
                [*fields, digest, GENESIS, prev_hash],
            )
        except RegistryError as error:
            if "UNIQUE" not in str(error) and "constraint" not in str(error).lower():
                raise
            result = None  # another process took this seq first
        if result is not None and result.rows_affected == 1:
            return AuditEntry(
                seq, at, actor, action, environment, target, outcome, text, prev_hash, digest
            )
        time.sleep(random.random() * 0.005)
    raise RegistryError("the audit log stayed contended: could not append an entry")


def entries(
    db: Database,
    *,
    environment: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Entries, newest last; filtered by environment and action prefix, the last `limit`."""
    where, args = [], []
    if environment is not None:
        where.append("environment = ?")
        args.append(environment)
    if action is not None:
        where.append("(action = ? OR action LIKE ?)")
        args.extend([action, f"{action}.%"])
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    sql = f"SELECT {_COLUMNS} FROM audit{clause} ORDER BY seq DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_entry(row) for row in reversed(db.rows(sql, args))]


@dataclass(frozen=True)
class ChainReport:
    count: int
    head: str  # the last entry's hash: keep it elsewhere to anchor the chain


def verify(db: Database) -> ChainReport:
    """Walk the whole chain; raise AuditChainError at the first entry that does not hold."""
    rows = db.rows(f"SELECT {_COLUMNS} FROM audit ORDER BY seq")
    expected_seq, prev_hash = 1, GENESIS
    for row in rows:
        entry = _entry(row)
        if entry.seq != expected_seq:
            gone = (
                f"entry {expected_seq}"
                if entry.seq == expected_seq + 1
                else f"entries {expected_seq} to {entry.seq - 1}"
            )
            raise AuditChainError(f"audit log: {gone} removed (the log jumps to {entry.seq})")
        if entry.prev_hash != prev_hash:
            raise AuditChainError(
                f"audit log: entry {entry.seq} does not follow entry {entry.seq - 1} "
                "(its previous-hash link is broken): an entry before it was edited or replaced"
            )
        if entry.computed_hash() != entry.hash:
            raise AuditChainError(
                f"audit log: entry {entry.seq} ({entry.at[:19]}, {entry.action} by "
                f"{entry.actor}) was edited: its content no longer matches its hash"
            )
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    highest = db.rows("SELECT seq FROM sqlite_sequence WHERE name = 'audit'")
    last = expected_seq - 1
    if highest and int(highest[0][0]) > last:
        top = int(highest[0][0])
        gone = f"entry {top}" if top == last + 1 else f"entries {last + 1} to {top}"
        raise AuditChainError(f"audit log: {gone} removed from the end (the log ends at {last})")
    return ChainReport(last, prev_hash)
