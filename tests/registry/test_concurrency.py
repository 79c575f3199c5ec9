"""Two processes writing the registry at once lose nothing, and the chain stays whole."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from gmac.registry import Registry

APPENDS = 60


def _writer(root: str, name: str, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    with Registry.open(Path(root)) as registry:
        for number in range(APPENDS):
            registry.audit(actor=name, action="test", outcome="succeeded", target=str(number))
            if number % 10 == 0:
                registry.add_deployment(
                    environment="local",
                    operation="apply",
                    actor=name,
                    outcome="succeeded",
                    started_at="2025-01-01T00:00:00Z",
                    summary={"create": 1},
                    owners={},
                )


def test_two_processes_appending_at_once(root: Path) -> None:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    writers = [
        context.Process(target=_writer, args=(str(root), name, start)) for name in ("a", "b")
    ]
    for writer in writers:
        writer.start()
    start.set()  # both open (and migrate) a fresh database, then append, at the same time
    for writer in writers:
        writer.join(timeout=300)
    assert [writer.exitcode for writer in writers] == [0, 0]
    with Registry.open(root) as registry:
        entries = registry.audit_entries()
        assert len(entries) == 2 * APPENDS
        for name in ("a", "b"):
            mine = [int(e.target) for e in entries if e.actor == name]
            assert mine == list(range(APPENDS))  # each one's appends, all there, in order
        assert registry.verify_audit().count == 2 * APPENDS
        assert len(registry.deployments(limit=100)) == 2 * (APPENDS // 10)
